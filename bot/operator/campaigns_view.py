"""The console's Campaigns page, for supervisors (an operator is answered 403):

    GET  /operator/api/campaigns                    every campaign with its live stats
    POST /operator/api/campaigns/estimate           {"segment": {...}}: who it reaches now
    POST /operator/api/campaigns/preview            a definition: how each channel shows it
    POST /operator/api/campaigns                    a definition: created (audience fixed)
    GET  /operator/api/campaigns/{id}/stats         one campaign's stats
    POST /operator/api/campaigns/{id}/pause|resume|cancel

Every route calls the same ``Campaigns`` service as the business API
(``bot/api/campaigns.py``), so the console and the API can never disagree; the console
adds the supervisor check and names the operator as the campaign's author
(``operator:<id>``). The preview runs the renderer the sender uses
(``bot.channels.render``) with each enabled channel's capabilities, so what a supervisor
sees is what the customer would get in the window; ``outside_window`` says, per locale
and channel with a window, what happens outside it (WhatsApp: the campaign's approved
template, named with its language; Messenger: nothing is sent).

A definition or segment the models refuse is answered 400 with every field at fault by
its path (``bot/operator/campaign_checks.py``), which the form shows next to each field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.analytics.campaigns import Report, campaign_figures, with_campaigns
from bot.api.responses import json_response
from bot.campaigns.service import MOVES, CampaignRefused, Campaigns
from bot.campaigns.setup import campaigns_service
from bot.channels.capabilities import Capabilities
from bot.channels.render import render
from bot.config.campaigns import PROFILE_FIELDS, CampaignDefinition, EstimateRequest
from bot.config.settings import Settings
from bot.messages import Choice, Choices, Outbound, Text
from bot.operator.auth import Caller
from bot.operator.campaign_checks import checked, refused
from bot.operator.supervision import API, Guard, Handler, supervisor_only
from bot.reaching.notifications import Reaching
from bot.store.store import Store
from bot.web.types import Route, WebRequest, WebResponse

_NO_STORE = {"Cache-Control": "no-store"}


def _answer(status: int, body: dict[str, Any]) -> WebResponse:
    return json_response(status, body, headers=_NO_STORE)


def shown(message: Outbound) -> dict[str, Any]:
    """What a channel shows of one rendered message: its text and its buttons, if any."""
    if isinstance(message, Choices):
        return {"text": message.text, "buttons": [c.title for c in message.choices]}
    return {"text": message.text if isinstance(message, Text) else "", "buttons": []}


def preview(definition: CampaignDefinition, channels: Mapping[str, Capabilities],
            default_locale: str) -> dict[str, Any]:
    """Locale → channel → the messages that channel would show (as the sender renders)."""
    locales: dict[str, Any] = {}
    for locale, text in definition.text.items():
        titles = [c.title.get(locale) or c.title.get(default_locale)
                  or next(iter(c.title.values())) for c in definition.choices]
        message: Outbound = Choices(text=text, choices=tuple(
            Choice(payload=str(n), title=title) for n, title in enumerate(titles))
        ) if titles else Text(text=text)
        locales[locale] = {channel: [shown(m) for m in render(message, caps)]
                           for channel, caps in sorted(channels.items())}
    return {"locales": locales, "outside_window": {
        locale: outside_window(definition, channels, locale) for locale in definition.text}}


def outside_window(definition: CampaignDefinition, channels: Mapping[str, Capabilities],
                   locale: str) -> dict[str, str]:
    """Channel → what is sent to a customer outside that channel's window, in ``locale``
    (the delivery rules of ``bot/reaching/delivery.py``, said in words)."""
    said: dict[str, str] = {}
    for channel, caps in sorted(channels.items()):
        if caps.window_hours is None:
            continue
        template = definition.templates.get(channel) if caps.templates else None
        if template is not None:
            said[channel] = (f"the approved template {template.name} "
                             f"({template.languages.get(locale, locale)})")
        elif caps.templates:
            said[channel] = "nothing: no approved template is mapped for it"
        else:
            said[channel] = (f"nothing: {channel} takes no campaign after "
                             f"{caps.window_hours:g} hours")
    return said


class CampaignsConsole:
    def __init__(self, *, campaigns: Campaigns, channels: Mapping[str, Capabilities],
                 default_locale: str) -> None:
        self.campaigns = campaigns
        self.channels = channels
        self.default_locale = default_locale

    def with_figures(self, report: Report) -> Report:
        """The analytics report, with a ``campaigns`` section (and its CSV rows)."""
        return with_campaigns(report, self.campaigns)

    def routes(self, guard: Guard) -> list[Route]:
        base, one = f"{API}/campaigns", f"{API}/campaigns/{{campaign_id}}"

        def post(path: str, handler: Handler, size: int = 4096) -> Route:
            return Route("POST", path, guard(supervisor_only(handler), post=True),
                         max_body=size)

        return [
            Route("GET", base, guard(supervisor_only(self._list))),
            post(f"{base}/estimate", self._estimate, 64 * 1024),
            post(f"{base}/preview", self._preview, 256 * 1024),
            post(base, self._create, 256 * 1024),
            Route("GET", f"{one}/stats", guard(supervisor_only(self._stats))),
            post(f"{one}/{{action}}", self._move),
        ]

    async def _list(self, request: WebRequest, caller: Caller) -> WebResponse:
        return _answer(200, {"campaigns": await campaign_figures(self.campaigns),
                             "channels": sorted(self.channels),
                             "flows": sorted(self.campaigns.flows),
                             "profile_fields": list(PROFILE_FIELDS),
                             "template_channels": sorted(
                                 c for c, caps in self.channels.items() if caps.templates)})

    async def _estimate(self, request: WebRequest, caller: Caller) -> WebResponse:
        body = checked(request, EstimateRequest)
        if isinstance(body, WebResponse):
            return body
        return _answer(200, await self.campaigns.estimate(body.segment))

    async def _preview(self, request: WebRequest, caller: Caller) -> WebResponse:
        definition = checked(request, CampaignDefinition)
        if isinstance(definition, WebResponse):
            return definition
        return _answer(200, preview(definition, self.channels, self.default_locale))

    async def _create(self, request: WebRequest, caller: Caller) -> WebResponse:
        definition = checked(request, CampaignDefinition)
        if isinstance(definition, WebResponse):
            return definition
        try:
            created = await self.campaigns.create(definition,
                                                  by=f"operator:{caller.account.id}")
        except CampaignRefused as no:
            where = {"unknown_flow": "choices", "no_audience": "segment"}.get(no.code, "body")
            return refused(422, no.code, str(no), {where: str(no)}, **no.details)
        return _answer(201, created)

    async def _stats(self, request: WebRequest, caller: Caller) -> WebResponse:
        found = await self.campaigns.stats(request.params.get("campaign_id", ""))
        return _answer(200, found) if found is not None else _unknown()

    async def _move(self, request: WebRequest, caller: Caller) -> WebResponse:
        campaign_id, action = request.params.get("campaign_id", ""), request.params["action"]
        if action not in MOVES:
            return _answer(404, {"error": f"no action {action!r}; one of "
                                 f"{', '.join(MOVES)}"})
        moved = await self.campaigns.move(campaign_id, action)
        if moved.status is None:
            return _unknown()
        if not moved.ok:
            return _answer(409, {"error": f"cannot {action} a campaign that is "
                                 f"{moved.status}"})
        return _answer(200, {"id": campaign_id, "status": moved.status})


def _unknown() -> WebResponse:
    return _answer(404, {"error": "no campaign with that id"})


def campaigns_console(settings: Settings, store: Store, reaching: Reaching,
                      flows: Sequence[str]) -> CampaignsConsole:
    """The page's routes over the service the business API builds the same way."""
    return CampaignsConsole(campaigns=campaigns_service(settings, store, reaching, flows),
                            channels=reaching.channels, default_locale=reaching.default_locale)
