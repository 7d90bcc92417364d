"""``turn.services.customers`` in a running bot: a flow attaches the ERP's id to the
customer and finds the customer by it, in the directory the API uses."""

from __future__ import annotations

from typing import Any

from bot.dialogue import End, Flow, StepResult, Turn, command
from bot.messages import Identity, Inbound, text_of
from bot.runtime import Runtime
from connectors.collecting import CollectingConnector

erp_link = Flow("erp", triggers=command("erp"))


@erp_link.step
async def link(turn: Turn) -> StepResult:
    customers = turn.services.customers
    attached = await customers.attach(turn.customer_id, "erp:customer:987")
    found = await customers.find(external_id="erp:customer:987")
    unknown = await customers.find(external_id="erp:customer:000")
    profile = await customers.profile(turn.customer_id)
    turn.say(f"attached={attached} mine={found == turn.customer_id} unknown={unknown} "
             f"profile={profile is not None}")
    return End()


async def test_a_flow_attaches_an_external_id_and_finds_the_customer_by_it(
        make_settings: Any) -> None:
    web = CollectingConnector(channel="webchat")
    async with Runtime(make_settings(), flows=[erp_link], connectors=[web],
                       serve_http=False) as runtime:
        for n, user in enumerate(("ana", "bob")):
            await runtime.pipeline.submit([Inbound(
                identity=Identity(channel="webchat", user_id=user), message_id=str(n),
                text="/erp")])
            await runtime.settle()
    assert text_of(web.to("ana")[-1].message) == (
        "attached=True mine=True unknown=None profile=True")
    # The id names ana already: bob cannot take it.
    assert text_of(web.to("bob")[-1].message) == (
        "attached=False mine=False unknown=None profile=True")
