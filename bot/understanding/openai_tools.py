"""What a chat model is asked: the tools (one per command kind) and the messages, built
from a ``Request``. Pure functions, so the request a model gets is tested without one.

Tool calling, not free JSON output, because every OpenAI-compatible server people run
(OpenAI, Azure, vLLM, Ollama, LiteLLM) speaks it, and each tool's JSON schema tells the
model exactly which flows, slots, passages and locales exist: enums the model can only
break on purpose, which ``openai_commands`` then refuses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.understanding.contract import FlowSpec, Request
from bot.understanding.masking import PiiMask

JSON = dict[str, Any]

START_FLOW, SET_SLOTS, ANSWER = "start_flow", "set_slots", "answer_from_knowledge"
HAND_OFF, CANCEL, SWITCH_LANGUAGE = "hand_off", "cancel", "switch_language"

#: How many example utterances per flow and locale the prompt shows.
EXAMPLES_SHOWN = 5


def build_tools(request: Request) -> list[JSON]:
    """One function tool per command the request allows (set_slots only inside a flow,
    answer_from_knowledge only with passages, switch_language only with two locales)."""
    tools: list[JSON] = []
    if request.flows:
        tools.append(_tool(START_FLOW, "Start the flow the customer asks for, with the "
                           "slots the message already gives.", {
                               "flow": {"type": "string",
                                        "enum": [flow.name for flow in request.flows]},
                               "slots": {"anyOf": [_slots_object(flow, request)
                                                   for flow in request.flows]},
                           }, ["flow"]))
    current = current_flow(request)
    if current is not None and current.slots:
        tools.append(_tool(SET_SLOTS, f"Fill slots of the current flow '{current.name}' "
                           "from the message (the pending question's answer among them).",
                           {"slots": _slots_object(current, request)}, ["slots"]))
    if request.passages:
        ids = [passage.id for passage in request.passages]
        tools.append(_tool(ANSWER, "Answer the question from one of the knowledge "
                           "passages. 'answer' is optional: write it only from the passages "
                           "and list in 'cites' every passage it uses.", {
                               "passage_id": {"type": "string", "enum": ids},
                               "answer": {"type": "string"},
                               "cites": {"type": "array",
                                         "items": {"type": "string", "enum": ids}},
                           }, ["passage_id"]))
    tools.append(_tool(HAND_OFF, "The customer wants a person (or nothing else can help).",
                       {"reason": {"type": "string"}}, []))
    if current is not None:
        tools.append(_tool(CANCEL, "The customer wants to stop the current flow.", {}, []))
    if len(request.locales) > 1:
        tools.append(_tool(SWITCH_LANGUAGE, "The customer asks to be answered in another "
                           "language.", {"locale": {"type": "string",
                                                    "enum": list(request.locales)}},
                           ["locale"]))
    # Every tool also takes how sure the model is and the language the customer wrote in
    # (read into ``Understanding.confidence`` and ``.locale``).
    for tool in tools:
        tool["function"]["parameters"]["properties"].update({
            "confidence": {"type": "number", "minimum": 0, "maximum": 1,
                           "description": "How sure you are, 0 to 1."},
            "language": {"type": "string", "enum": list(request.locales),
                         "description": "The language the customer wrote in."},
        })
    return tools


def _tool(name: str, description: str, properties: JSON, required: list[str]) -> JSON:
    return {"type": "function", "function": {
        "name": name, "description": description,
        "parameters": {"type": "object", "properties": dict(properties),
                       "required": required, "additionalProperties": False},
    }}


def _slots_object(flow: FlowSpec, request: Request) -> JSON:
    return {"type": "object", "title": flow.name,
            "description": f"Slots of the flow '{flow.name}'.",
            "properties": {slot.name: {**slot.schema, **_described(slot.description, request)}
                           for slot in flow.slots},
            "additionalProperties": False}


def _described(description: Mapping[str, str], request: Request) -> JSON:
    text = localised(description, request)
    return {"description": text} if text else {}


def current_flow(request: Request) -> FlowSpec | None:
    return next((flow for flow in request.flows if flow.name == request.current_flow), None)


def localised(texts: Mapping[str, str], request: Request) -> str:
    """The text in the customer's locale, else in the first configured one that has it."""
    for locale in (request.locale, *request.locales):
        if locale is not None and texts.get(locale):
            return texts[locale]
    return next(iter(texts.values()), "")


def build_messages(request: Request, mask: PiiMask) -> list[JSON]:
    """The system prompt, the recent history and the message, with the customer's words
    (and the bot's, which may repeat them) masked."""
    messages: list[JSON] = [{"role": "system", "content": system_prompt(request, mask)}]
    for who, text in request.history:
        role = "user" if who == "customer" else "assistant"
        messages.append({"role": role, "content": mask.mask(text)})
    messages.append({"role": "user", "content": mask.mask(request.text)})
    return messages


def system_prompt(request: Request, mask: PiiMask) -> str:
    lines = [
        "You are the understanding step of a customer-service bot. Never write a reply "
        "to the customer: call the tools that say what the customer wants (several if the "
        "message asks for several things), or none if you cannot tell.",
        f"Configured languages: {', '.join(request.locales)}."
        + (f" The customer's language so far: {request.locale}." if request.locale else ""),
        "", "Flows the customer can start:",
    ]
    lines += [_flow_lines(flow, request) for flow in request.flows]
    current = current_flow(request)
    if current is not None:
        lines += ["", f"The customer is in the flow '{current.name}'."]
        pending = next((s for s in current.slots if s.name == request.pending_slot), None)
        if pending is not None:
            question = localised(pending.description, request)
            lines.append(f"The bot is waiting for the slot '{pending.name}'"
                         + (f" ({question})" if question else "") + "; if the message "
                         "answers it, call set_slots.")
    if request.passages:
        lines += ["", "Knowledge passages retrieved for the message. Answer questions only "
                  "from these; a written answer may use nothing else and must cite the "
                  "passages it uses by id:"]
        lines += [f"[{p.id}] {p.title}: {p.answer}" for p in request.passages]
    if mask.active:
        lines += ["", "Placeholders such as <phone_1> or <email_1> stand for values hidden "
                  "from you: copy them into slots exactly as written."]
    return "\n".join(lines)


def _flow_lines(flow: FlowSpec, request: Request) -> str:
    line = f"- {flow.name}: {localised(flow.description, request) or '(no description)'}"
    examples: Sequence[str] = [text for locale in request.locales
                               for text in flow.examples.get(locale, ())[:EXAMPLES_SHOWN]]
    if examples:
        line += " Examples: " + "; ".join(f'"{text}"' for text in examples)
    slots = ", ".join(slot.name for slot in flow.slots)
    return line + (f" Slots: {slots}." if slots else "")
