"""``events:`` in config.yaml: a mistake stops start-up with its path and the fix."""

from __future__ import annotations

import pytest

from bot.config import parse_settings
from bot.errors import ConfigError
from tests.conftest import TEST_FLOWS


def events(**section: object) -> dict[str, object]:
    return {"flows": dict(TEST_FLOWS), "events": section}


def test_a_subscription_is_read_with_its_defaults_and_a_stable_name() -> None:
    settings = parse_settings(events(subscriptions=[
        {"url": "https://crm.example.com/hook", "secret": "${SECRET}"}]),
        env={"SECRET": "0123456789abcdef"})
    [subscription] = settings.events.subscriptions
    assert subscription.types == ["*"] and subscription.wants("flow.completed")
    assert subscription.key == parse_settings(events(subscriptions=[
        {"url": "https://crm.example.com/hook", "secret": "0123456789abcdef"}]),
        env={}).events.subscriptions[0].key
    assert "0123456789abcdef" not in repr(settings)


@pytest.mark.parametrize(("subscription", "says"), [
    ({"url": "crm.example.com", "secret": "0123456789abcdef"}, "http://"),
    ({"url": "https://x", "secret": "short"}, "secrets.token_hex"),
    ({"url": "https://x", "secret": "0123456789abcdef", "types": ["customer.deleted"]},
     "customer.created"),
])
def test_a_bad_subscription_says_where_and_how_to_fix_it(subscription: dict[str, object],
                                                          says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(events(subscriptions=[subscription]), env={})
    assert "events.subscriptions" in str(caught.value) and says in str(caught.value)
    assert "short" not in str(caught.value)


def test_two_subscriptions_with_one_name_are_refused() -> None:
    twice = {"url": "https://x", "secret": "0123456789abcdef"}
    with pytest.raises(ConfigError, match="own 'name'"):
        parse_settings(events(subscriptions=[twice, twice]), env={})
