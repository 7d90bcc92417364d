"""Test flows in a few lines: no network, no store, the real dialogue engine.

>>> async with FlowTester("my_bot.flows") as chat:
...     replies = await chat.send("hi")
...     assert "Start a return" in replies.choices
...     await chat.press("Start a return")
...     replies = await chat.send("A1001")

The flows to run are always named: a module path (as in ``flows.modules``) or a list of
``Flow`` objects. The framework has no flows of its own, so ``FlowTester()`` without them
is a ``TypeError``, never a silent run of some demo.

``capabilities`` decides how replies are rendered, as on a real channel: pass
``Capabilities(max_buttons=0)`` to see numbered lists and answer with "2".

Free text is understood only when a ``provider`` is given: ``"builtin"`` (the built-in
provider over the flows' examples, as a runtime has by default), or a provider of your
own, e.g. a ``ScriptedProvider`` that answers what the test says::

    provider = ScriptedProvider({"get me a person": Understanding((HandOff(),), 0.9)})
    async with FlowTester(FLOWS, provider=provider) as chat:
        await chat.send("get me a person")
        assert chat.handoff
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from bot.channels import Capabilities
from bot.channels.render import render
from bot.dialogue import DialogueEngine, Flow
from bot.dialogue.loading import checked_engine, loaded_flows
from bot.messages import Attachment, Choices, Identity, Inbound, Outbound, SenderHint, text_of
from bot.model import Event, Profile, Session
from bot.services.loading import project_services, services_of_flows
from bot.services.registry import Services
from bot.understanding.builtin import BuiltinProvider
from bot.understanding.contract import Knowledge, Provider, Request, Understanding
from bot.understanding.specs import flow_specs
from bot.understanding.understander import Understander

RICH = Capabilities(max_text_length=4096, max_buttons=10, button_title_length=64,
                    images=True, files=True, request_phone=True)


class Replies(list[Outbound]):
    """What the customer saw after one message."""

    @property
    def text(self) -> str:
        return "\n".join(text_of(m) for m in self)

    @property
    def choices(self) -> list[str]:
        """Titles of the last choices offered, if any."""
        for message in reversed(self):
            if isinstance(message, Choices):
                return [c.title for c in message.choices]
        return []


class ScriptedProvider:
    """A provider that answers each text as scripted (else: nothing understood) and keeps
    every request it was asked, so a test can check what the engine asked and when."""

    name = "scripted"

    def __init__(self, answers: Mapping[str, Understanding] | None = None) -> None:
        self.answers = dict(answers or {})
        self.requests: list[Request] = []

    async def understand(self, request: Request) -> Understanding:
        self.requests.append(request)
        return self.answers.get(request.text, Understanding(provider=self.name))


class FlowTester:
    """A customer talking to ``flows`` (a module path, or ``Flow`` objects); the default
    flow is ``default_flow``, else the first one, as in config.yaml."""

    def __init__(
        self,
        flows: Sequence[Flow] | str,
        *,
        default_flow: str | None = None,
        locales: Sequence[str] = ("en", "es"),
        default_locale: str = "en",
        locale: str | None = None,
        channel: str = "test",
        user: str = "tester",
        capabilities: Capabilities = RICH,
        provider: Provider | Literal["builtin"] | None = None,
        threshold: float = 0.6,
        knowledge: Knowledge | None = None,
        engine: DialogueEngine | None = None,
        services: Mapping[str, object] | None = None,
    ) -> None:
        """``provider``: who understands free text (None: nobody, only triggers and
        answers count), with ``threshold`` and ``knowledge`` as in config.yaml.
        ``engine``: one built already (e.g. from config.yaml's settings, as the
        conversation tests do); ``flows``, the locales and the provider are then its own.
        ``services``: by name, in place of those the flows module registers
        (``SERVICES``; for ``Flow`` objects, the package their steps are defined in), e.g.
        ``{"orders": FakeOrders()}``; the module's other factories still run."""
        self.capabilities = capabilities
        if engine is None:
            loaded, where = (loaded_flows([flows]) if isinstance(flows, str)
                             else (list(flows), None))
            understanding = None
            if provider is not None:
                specs = flow_specs(loaded, locales)
                builtin = BuiltinProvider(specs, locales)
                understanding = Understander(builtin if provider == "builtin" else provider,
                                             flows=specs, locales=locales,
                                             threshold=threshold, knowledge=knowledge,
                                             builtin=builtin)
            built = Services(services).build(project_services([flows]) if isinstance(
                flows, str) else services_of_flows(loaded))
            if where is None:
                engine = DialogueEngine(loaded, default_flow=default_flow, locales=locales,
                                        default_locale=default_locale,
                                        understanding=understanding, services=built,
                                        capabilities_of=lambda channel: self.capabilities)
            else:  # a module, as config.yaml names it: checked as at start-up, so a
                # mistake in a flow fails the test with the message of `omnicanal check`
                engine = checked_engine(loaded, where=where, default_flow=default_flow,
                                        locales=locales, default_locale=default_locale,
                                        understanding=understanding, services=built,
                                        capabilities_of=lambda channel: self.capabilities)
        else:
            for name, service in (services or {}).items():
                engine.services.provide(name, service)
        self.engine = engine
        self.identity = Identity(channel=channel, user_id=user)
        self.locale = locale
        self.session = Session()
        self.profile = Profile()
        self.events: list[Event] = []
        self.last: Replies = Replies()
        #: What the engine said before rendering (the channel-neutral messages).
        self.said: list[Outbound] = []
        #: The reason of the last turn that asked for a person, if it did.
        self.handoff: str | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> FlowTester:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    @property
    def slots(self) -> dict[str, Any]:
        """The running flow's slots, or those of the flow that completed last."""
        frame = self.session.frame
        if frame is not None:
            return frame.slots
        for event in reversed(self.events):
            if event.kind == "flow" and event.data.get("state") == "completed":
                return dict(event.data.get("slots") or {})
        return {}

    @property
    def flow(self) -> str | None:
        frame = self.session.frame
        return frame.flow if frame else None

    async def send(self, text: str) -> Replies:
        return await self.receive(text=text)

    async def press(self, choice: str) -> Replies:
        """Press a button of the last choices, by title or payload."""
        for message in reversed(self.last):
            if isinstance(message, Choices):
                for option in message.choices:
                    if choice in (option.title, option.payload):
                        return await self.receive(payload=option.payload, text=option.title)
        raise AssertionError(f"no choice {choice!r} among {self.last.choices}")

    async def share_contact(self, phone: str, *, own: bool = True) -> Replies:
        contact = Attachment(kind="contact", phone=phone, own_phone=own)
        return await self.receive(attachments=(contact,))

    async def receive(self, **fields: Any) -> Replies:
        """Deliver any inbound message (text=, payload=, attachments=...)."""
        inbound = Inbound(identity=fields.pop("identity", self.identity),
                          message_id=str(next(self._ids)), timestamp=time.time(),
                          sender=SenderHint(locale=self.locale), **fields)
        result = await self.engine.handle(customer_id="tester", session=self.session,
                                          profile=self.profile, inbound=inbound)
        # Through JSON, as the store keeps it: what a step put in a slot must survive that.
        self.session = Session.model_validate_json(result.session.model_dump_json())
        self.profile = result.profile
        self.said, self.handoff = list(result.replies), result.handoff
        self.events.extend(result.events)
        rendered = [part for reply in result.replies for part in render(reply, self.capabilities)]
        self.last = Replies(rendered)
        return self.last
