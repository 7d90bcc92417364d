"""Run a conversation test: each turn through the real dialogue engine (``FlowTester``),
rendered for the channel profile, with the session kept as JSON between turns as the
store keeps it; every expectation checked, the first miss reported with its turn."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.conversations.spec import PROFILES, Conversation, Expect, Turn
from bot.dialogue import DialogueEngine
from bot.dialogue.loading import find_project_modules
from bot.errors import ConfigError
from bot.messages import Choice, Choices, Identity
from bot.testing import FlowTester, Replies


class ConversationFailed(AssertionError):
    """A turn did not get what it expected; the message says which, expected and got."""


def engine_for(conversation: Conversation, path: Path) -> DialogueEngine:
    """The engine the conversation talks to: its ``flows``, else its config file's."""
    from bot.composition import build_engine
    from bot.config import load_settings, parse_settings

    if conversation.flows is not None:
        settings = parse_settings({"flows": {"modules": conversation.flows}},
                                  source=str(path))
        return build_engine(settings)
    config = _config_file(conversation, path)
    find_project_modules(config)
    try:
        return build_engine(load_settings(config))
    except ConfigError as exc:
        raise exc.at(str(config)) from None


def _config_file(conversation: Conversation, path: Path) -> Path:
    if conversation.config is not None:
        return (path.parent / conversation.config).resolve()
    for folder in path.resolve().parents:
        if (folder / "config.yaml").exists():
            return folder / "config.yaml"
    raise ConversationFailed(f"{path}: no config.yaml in its folder or above: give "
                             "config: PATH or flows: [module] in the file")


async def run_conversation(conversation: Conversation, engine: DialogueEngine,
                           profile: str) -> None:
    """Run every turn under ``profile``; raise ``ConversationFailed`` at the first miss."""
    chat = FlowTester((), engine=engine, locale=conversation.locale,
                      capabilities=PROFILES[profile])
    for number, turn in enumerate(conversation.turns, 1):
        caps = PROFILES[turn.profile or profile]
        chat.capabilities = caps
        chat.identity = Identity(channel=turn.channel, user_id="tester")
        where = (f"turn {number} ({'send' if turn.send is not None else 'press'} "
                 f"{turn.send if turn.send is not None else turn.press!r} on {turn.channel}, "
                 f"profile {turn.profile or profile})")
        replies = await _deliver(chat, turn, caps.max_buttons, where)
        misses = _misses(turn.expect, chat, replies)
        if misses:
            listed = "".join(f"\n  - {miss}" for miss in misses)
            raise ConversationFailed(f"{where}:{listed}\n  got:\n{_shown(replies)}")


async def _deliver(chat: FlowTester, turn: Turn, buttons: int, where: str) -> Replies:
    if turn.send is not None:
        return await chat.send(turn.send)
    offered = _offered(chat)
    for index, option in enumerate(offered, 1):
        if turn.press in (option.title, option.payload):
            if len(offered) > buttons:  # shown as a numbered list: the customer types it
                return await chat.send(str(index))
            return await chat.receive(payload=option.payload, text=option.title)
    titles = [o.title for o in offered]
    raise ConversationFailed(f"{where}: no choice {turn.press!r} to press; offered: {titles}")


def _offered(chat: FlowTester) -> tuple[Choice, ...]:
    for message in reversed(chat.said):
        if isinstance(message, Choices):
            return message.choices
    return ()


def _misses(expect: Expect, chat: FlowTester, replies: Replies) -> list[str]:
    misses = []
    text = replies.text
    for wanted in _listed(expect.text):
        if wanted.casefold() not in text.casefold():
            misses.append(f"expected the text to contain {wanted!r}")
    for unwanted in _listed(expect.no_text):
        if unwanted.casefold() in text.casefold():
            misses.append(f"expected the text not to contain {unwanted!r}")
    if expect.choices is not None:
        got = [c.title for c in _offered(chat)]
        if got != expect.choices:
            misses.append(f"expected the choices {expect.choices}, got {got}")
    if expect.checks_flow() and chat.flow != expect.flow:
        misses.append(f"expected flow {expect.flow!r}, got {chat.flow!r}")
    frame = chat.session.frame
    if expect.step is not None and (frame.step if frame else None) != expect.step:
        misses.append(f"expected step {expect.step!r}, got {frame.step if frame else None!r}")
    for slot, value in (expect.slots or {}).items():
        got_value: Any = chat.slots.get(slot, "(not set)")
        if got_value != value:
            misses.append(f"expected slot {slot!r} = {value!r}, got {got_value!r}")
    misses.extend(_handoff_misses(expect.handoff, chat.handoff))
    return misses


def _handoff_misses(expected: bool | str | None, reason: str | None) -> list[str]:
    if expected is None:
        return []
    if expected is False:
        return [f"expected no handoff, got one ({reason!r})"] if reason else []
    if reason is None:
        return ["expected a handoff, got none"]
    if isinstance(expected, str) and expected.casefold() not in reason.casefold():
        return [f"expected a handoff for {expected!r}, got one for {reason!r}"]
    return []


def _listed(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else value


def _shown(replies: Replies) -> str:
    return "\n".join(f"    | {line}" for line in (replies.text or "(nothing)").splitlines())
