"""May the business write first to this customer, and how: a pure decision, made twice
for every notification (when the API is called, to answer 409 with the reason at once,
and again in the customer's turn, where things may have changed meanwhile).

The rules, in order: the customer has a channel (the identity they last wrote from); that
channel is enabled here; the identity is not marked unreachable (a block, a hard bounce);
the customer's consent for the template's purpose covers that channel (``consent.defaults``
when they never decided); and the channel's customer-service window is open, or (WhatsApp)
the template is mapped to one of the platform's approved templates. Messenger and
Instagram outside their window: refused, since a notification is not a message tag's use.
"""

from __future__ import annotations

import string
import time
from collections.abc import Mapping
from dataclasses import dataclass

from bot.channels.capabilities import Capabilities
from bot.config.reaching import NotificationTemplate
from bot.consent.ledger import allowed
from bot.messages import Identity, Outbound, Template, Text
from bot.model import Consent


@dataclass(frozen=True, slots=True)
class Refused:
    """Why the message cannot be sent now (the API answers it with 409)."""

    reason: str
    #: The reason as a short code, for counting (a campaign's "failed by reason").
    code: str = "refused"


@dataclass(frozen=True, slots=True)
class Planned:
    to: Identity
    message: Outbound


@dataclass(frozen=True, slots=True)
class Reach:
    """What the decision looks at, read from the store and the runtime."""

    address: Identity | None
    consents: Mapping[str, Consent]
    #: Identity key → why it cannot be reached.
    unreachable: Mapping[str, str]
    #: Identity key → when the customer last wrote from it (epoch seconds).
    last_inbound: Mapping[str, float]
    #: Enabled channel → what it can do.
    channels: Mapping[str, Capabilities]
    consent_defaults: Mapping[str, bool]


def missing_values(template: NotificationTemplate, values: Mapping[str, str]) -> list[str]:
    return sorted(template.variables() - set(values))


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its ``{name}`` placeholders filled (nothing else is interpreted: no
    attribute or index lookups from a caller's values)."""
    parts = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        parts.append(literal)
        if field:
            parts.append(values[field])
    return "".join(parts)


def localised(template: NotificationTemplate, locale: str | None, default: str) -> str:
    for candidate in (locale, default):
        if candidate and candidate in template.text:
            return template.text[candidate]
    return next(iter(template.text.values()))


def plan(template_name: str, template: NotificationTemplate, values: Mapping[str, str],
         locale: str | None, default_locale: str, reach: Reach,
         now: float | None = None) -> Planned | Refused:
    to = reach.address
    if to is None:
        return Refused("the customer has not written on any channel yet", "no_channel")
    channel = to.channel
    caps = reach.channels.get(channel)
    if caps is None:
        return Refused(f"the customer's current channel, {channel}, is not enabled",
                       "channel_not_enabled")
    if to.key in reach.unreachable:
        return Refused(f"the customer cannot be reached on {channel}: "
                       f"{reach.unreachable[to.key]}", "unreachable")
    purpose = template.purpose
    if not allowed(reach.consents, purpose, channel,
                   default=reach.consent_defaults.get(purpose, False)):
        return Refused(f"the customer has not consented to {purpose} messages on {channel}",
                       "no_consent")
    text = fill(localised(template, locale, default_locale), values)
    platform = template.platforms.get(channel) if caps.templates else None
    if caps.window_hours is not None:
        last = reach.last_inbound.get(to.key)
        elapsed = None if last is None else (time.time() if now is None else now) - last
        open_window = elapsed is not None and elapsed < caps.window_hours * 3600
        if not open_window and platform is None:
            how = (f"; map it to an approved template under notifications.templates."
                   f"{template_name}.platforms.{channel}" if caps.templates else "")
            return Refused(f"{channel} allows no message outside its {caps.window_hours:g}-"
                           f"hour window since the customer last wrote{how}",
                           "outside_window")
    if platform is not None:
        language = platform.languages.get(locale or default_locale, locale or default_locale)
        return Planned(to, Template(text=text, name=platform.name, language=language,
                                    parameters=tuple(values[p] for p in platform.parameters)))
    return Planned(to, Text(text=text))
