"""Bot API errors become the core's typed errors, the same over both SDKs."""

from __future__ import annotations

import pytest

from bot.channels import SendContext
from bot.errors import (
    AuthenticationFailed,
    ConnectorError,
    PlatformError,
    RateLimited,
    TransientError,
    Unreachable,
)
from bot.messages import Text
from tests.connectors.telegram.test_scenarios import IDENTITY, KINDS, Factory, fake, start_bot

__all__ = ["fake", "start_bot"]  # fixtures shared with the scenario suite

pytestmark = pytest.mark.timeout(30)

CASES = [
    (429, "Too Many Requests: retry after 7", RateLimited),
    (403, "Forbidden: bot was blocked by the user", Unreachable),
    (401, "Unauthorized", AuthenticationFailed),
    (500, "Internal Server Error", TransientError),
    (502, "Bad Gateway", TransientError),
    (400, "Bad Request: chat not found", PlatformError),
]


@pytest.mark.parametrize("kind", KINDS)
async def test_errors_are_mapped(start_bot: Factory, kind: str) -> None:
    h = await start_bot(kind, "webhook")
    for code, description, expected in CASES:
        h.fake.fail_next("sendMessage", error_code=code, description=description,
                         retry_after=7 if code == 429 else None)
        with pytest.raises(ConnectorError) as info:
            await h.connector.send(IDENTITY, Text(text="hello"), key="", context=SendContext())
        assert type(info.value) is expected, (code, info.value)
        if isinstance(info.value, RateLimited):
            assert info.value.retry_after == 7
    receipt = await h.connector.send(IDENTITY, Text(text="hello"), key="", context=SendContext())
    assert receipt.platform_message_id is not None
