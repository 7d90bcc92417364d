"""Building campaigns' parts from the settings: what the runtime and the API wire in."""

from __future__ import annotations

from collections.abc import Sequence

from bot.api.auth import ApiAuth
from bot.api.campaigns import CampaignsApi
from bot.campaigns.audience import AudienceFinder
from bot.campaigns.clock import CampaignClock
from bot.campaigns.service import Campaigns
from bot.campaigns.stage import CampaignStage
from bot.campaigns.statuses import CampaignStatusLog
from bot.config.settings import Settings
from bot.dialogue.engine import DialogueEngine
from bot.pipeline import Pipeline
from bot.reaching.notifications import Reaching
from bot.store.campaigns import CampaignStore
from bot.store.store import Store
from bot.web.types import Route

__all__ = ["CampaignStatusLog", "campaign_clock", "campaign_routes", "campaign_stage"]


def campaign_store(store: Store) -> CampaignStore:
    return CampaignStore(store.redis, store.batcher, store.keys)


def campaign_stage(settings: Settings, store: Store, reaching: Reaching,
                   engine: DialogueEngine) -> CampaignStage:
    return CampaignStage(store=store, campaigns=campaign_store(store), reaching=reaching,
                         engine=engine, attribution_hours=settings.campaigns.attribution_hours,
                         timezone=settings.campaigns.timezone)


def campaign_clock(settings: Settings, store: Store, pipeline: Pipeline) -> CampaignClock:
    """The sender of due recipients, in a process that runs turns."""
    events = store.events
    return CampaignClock(campaign_store(store), enqueue=pipeline.enqueue_business,
                         settings=settings.campaigns, idle=pipeline.turns.wait_idle,
                         publish=events.publish if events is not None else None)


def campaigns_service(settings: Settings, store: Store, reaching: Reaching,
                      flows: Sequence[str]) -> Campaigns:
    campaigns = campaign_store(store)
    audience = AudienceFinder(index=store.search_index(), campaigns=campaigns,
                              enabled=list(reaching.channels),
                              consent_defaults=reaching.consent.defaults,
                              default_locale=reaching.default_locale,
                              default_timezone=settings.campaigns.timezone)
    return Campaigns(store=campaigns, audience=audience, flows=flows)


def campaign_routes(settings: Settings, *, auth: ApiAuth, store: Store, reaching: Reaching,
                    flows: Sequence[str]) -> list[Route]:
    service = campaigns_service(settings, store, reaching, flows)
    return CampaignsApi(auth=auth, campaigns=service,
                        shipped=settings.campaigns.definitions).routes()
