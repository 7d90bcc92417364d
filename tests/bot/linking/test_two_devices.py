"""Two devices on one channel (a laptop's and a phone's web chat) joined by a link code,
and buttons left behind on the device the conversation moved away from."""

from __future__ import annotations

from bot.runtime import Runtime
from tests.bot.linking import test_linking
from tests.bot.linking.test_linking import Customer, channel, link_code

runtime = test_linking.runtime  # the fixture: the same channels and settings

SHELF = "On the shelf today. Pick one:"


async def joined_on_two_devices(runtime: Runtime) -> tuple[Customer, Customer]:
    """The laptop browses the shelf; the phone joins with the laptop's code."""
    web = channel(runtime, "webchat")
    laptop, phone = Customer(runtime, web, "laptop"), Customer(runtime, web, "phone")
    assert (await laptop.says("/shelf"))[-1] == SHELF
    code = await link_code(laptop)
    await phone.says(code)
    welcome = await phone.says(payload="link:yes", text="Yes, continue here")
    assert welcome[-1] == SHELF, "the question the laptop was waiting on"
    return laptop, phone


async def test_on_the_same_channel_the_greeting_says_this_device_not_the_channel(
    runtime: Runtime,
) -> None:
    laptop, _ = await joined_on_two_devices(runtime)
    replies = await laptop.says("hello")
    assert replies[0] == "Hi again, continuing here on this device."
    assert not any("on the web chat" in r for r in replies)


async def test_on_another_channel_the_greeting_names_it(runtime: Runtime) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "t-1")
    web = Customer(runtime, channel(runtime, "webchat"), "w-1")
    await tg.says("/shelf")
    await web.says(await link_code(tg))
    await web.says(payload="link:yes", text="Yes, continue here")
    assert (await tg.says("hello"))[0] == "Hi again, continuing here on Telegram."


async def test_a_stale_button_on_the_device_left_behind_says_the_conversation_went_on(
    runtime: Runtime,
) -> None:
    laptop, phone = await joined_on_two_devices(runtime)
    assert (await phone.says(payload="item:mug", text="Blue mug"))[0] == "Blue mug: in stock."
    # The laptop still shows the shelf's buttons; one is pressed there now.
    replies = await laptop.says(payload="item:pen", text="Pen")
    assert replies[0].startswith("This conversation went on on another device"), replies
    assert replies[1] == "See another item?", "where it stands: the phone's question, again"
    assert not any("Test desk here" in r for r in replies), "not reset to the menu"
    # The button the question now waits on still works from the laptop.
    assert (await laptop.says(payload="shelf:menu", text="Back to the menu")) == [
        "Hello! Test desk here. What do you need?"]


async def test_a_stale_button_from_another_channel_names_where_it_went_on(
    runtime: Runtime,
) -> None:
    tg = Customer(runtime, channel(runtime, "telegram"), "t-2")
    web = Customer(runtime, channel(runtime, "webchat"), "w-2")
    await tg.says("/shelf")
    await web.says(await link_code(tg))
    await web.says(payload="link:yes", text="Yes, continue here")
    await web.says(payload="item:mug", text="Blue mug")
    await web.says(payload="shelf:menu", text="Back to the menu")
    await web.says("cancel")  # nothing open now: the menu again
    replies = await tg.says(payload="item:pen", text="Pen")
    assert replies[0].startswith("This conversation went on in the web chat"), replies
    assert replies[1] == "Hello! Test desk here. What do you need?", "what can come next"
