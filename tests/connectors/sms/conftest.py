"""A real runtime with the SMS channel enabled, pointed at a fake Twilio, and a customer
who texts it through that fake (webhooks signed as Twilio signs them)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from bot.messages import Identity
from bot.model import Event, Profile
from bot.runtime import Runtime
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, NUMBER, FakeTwilio, SentSms

CUSTOMER = "+34600111222"
PATH = "/webhooks/sms"


def sms_section(twilio: FakeTwilio, **overrides: Any) -> dict[str, Any]:
    return {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": NUMBER,
            "api_base": twilio.base_url, **overrides}


class Texter:
    """A customer's phone: texts the runtime through the fake Twilio, reads the replies."""

    def __init__(self, runtime: Runtime, twilio: FakeTwilio, number: str = CUSTOMER) -> None:
        assert runtime.server is not None
        self.runtime, self.twilio, self.number = runtime, twilio, number
        self.url = runtime.server.url + PATH

    async def says(self, body: str, *, settle: bool = True, **fields: Any) -> list[str]:
        """Text ``body``; the bodies of every SMS the bot sent back to this number."""
        before = len(self.twilio.to(self.number))
        status = await self.twilio.incoming(self.url, sender=self.number, body=body, **fields)
        assert status == 200, status
        if settle:
            await self.runtime.settle()
        return [m.body for m in self.twilio.to(self.number)[before:]]

    def last(self) -> SentSms:
        return self.twilio.to(self.number)[-1]

    def identity(self) -> Identity:
        return Identity(channel="sms", account=NUMBER, user_id=self.number)

    async def customer(self) -> str:
        return await self.runtime.store.resolve(self.identity())

    async def history(self) -> list[Event]:
        return await self.runtime.store.history(await self.customer())

    async def profile(self) -> Profile:
        _, profile = await self.runtime.store.load(await self.customer())
        return profile


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    async with FakeTwilio() as fake:
        yield fake


@pytest.fixture
async def runtime(make_settings: Any, twilio: FakeTwilio,
                  redis: Redis) -> AsyncIterator[Runtime]:
    # Depending on ``redis`` flushes the shared server: every test starts with no customers.
    settings = make_settings(connectors={"webchat": {"enabled": False},
                                         "sms": sms_section(twilio)})
    async with Runtime(settings) as rt:
        yield rt


@pytest.fixture
def phone(runtime: Runtime, twilio: FakeTwilio) -> Texter:
    return Texter(runtime, twilio)
