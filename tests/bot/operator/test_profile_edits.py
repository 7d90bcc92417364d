"""Operators with write rights edit a customer's profile and tags over the API; the
history records who changed what, the queue and the search follow."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from tests.bot.operator.console import whatsapp_customer
from tests.bot.operator.test_search_api import ids


async def test_a_supervisor_edits_a_profile_and_the_history_says_who_changed_what(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    sam, ana = consoles(), consoles()
    await sam.login("sam")
    await ana.login("ana")
    _, me = await ana.get("/me")
    assert me["operator"]["edit_profiles"] is False
    edit = {"profile": {"name": "Marta Ruiz", "email": "Marta@Example.com",
                        "phone": "+34 611 222 333", "tags": ["vip", "returns", "vip"]}}
    status, body = await ana.post(f"/conversations/{customer}/profile", edit)
    assert status == 403 and "edit_profiles" in body["error"], "no write rights"
    status, body = await sam.post(f"/conversations/{customer}/profile", edit)
    assert status == 200, body
    await runtime.settle()

    _, profile = await runtime.store.load(customer)
    assert (profile.name, profile.email, profile.phone, profile.tags) == (
        "Marta Ruiz", "marta@example.com", "+34611222333", ["vip", "returns"])
    assert profile.phone_verified is False, "an operator's word is not a platform's proof"
    event = (await runtime.store.history(customer))[-1]
    assert event.kind == "profile" and event.data["operator"] == "sam"
    assert event.data["changes"]["email"] == [None, "marta@example.com"]
    assert "email — → marta@example.com" in (event.text or "")

    _, queue = await ana.get("/queue")
    assert queue["items"][0]["display_name"] == "Marta Ruiz"
    _, conversation = await sam.get(f"/conversations/{customer}")
    assert conversation["display_name"] == conversation["profile"]["display_name"] == \
        "Marta Ruiz"
    assert conversation["transcript"][-1]["author"] == "system"
    assert await ids(sam, "q=marta@example.com") == [customer]
    assert await ids(sam, "q=611222333") == [customer]
    assert await ids(sam, "label=vip") == [customer]

    status, _ = await sam.post(f"/conversations/{customer}/profile",
                               {"profile": {"tags": ["returns"]}})
    await runtime.settle()
    assert await ids(sam, "label=vip") == [], "a label taken off is no filter any more"
    assert await ids(sam, "label=returns") == [customer]


async def test_bad_profile_edits_get_clear_errors_and_change_nothing(
    runtime: Runtime, consoles: Any,
) -> None:
    customer = await whatsapp_customer(runtime, "human")
    sam = consoles()
    await sam.login("sam")
    for profile, words in (({"email": "not-an-address"}, "email"),
                           ({"phone": "600111222"}, "country code"),
                           ({"consents": {}}, "cannot edit consents"),
                           ({"tags": "vip"}, "list"), ({}, "send")):
        status, body = await sam.post(f"/conversations/{customer}/profile",
                                      {"profile": profile})
        assert status == 400 and words in body["error"], (profile, body)
    assert (await runtime.store.history(customer))[-1].kind != "profile"
