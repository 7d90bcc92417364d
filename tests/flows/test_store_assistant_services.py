"""The demo reaches the shop through services: a test swaps the order book or the
catalogue for a fake by name, and the other services stay as the module registers them."""

from __future__ import annotations

from bot.catalogue import FixedCatalogue, parse_catalogue
from bot.testing import FlowTester
from flows.store_assistant.shop import Order
from tests.bot.catalogue.data import TWO_PRODUCTS

DEMO = "flows.store_assistant"


class FakeOrders:
    """An order book that knows one order and records the returns opened."""

    def __init__(self) -> None:
        self.returns: list[tuple[str, str, str]] = []

    async def find(self, number: str) -> Order | None:
        if number != "A9999":
            return None
        return Order(number="A9999", status="shipped", items=("tee",), carrier="DHL",
                     tracking="DHL42")

    async def open_return(self, number: str, item: str, reason: str) -> str:
        self.returns.append((number, item, reason))
        return "R-FAKE"


async def test_a_fake_order_service_answers_in_place_of_the_shop_s() -> None:
    orders = FakeOrders()
    async with FlowTester(DEMO, services={"orders": orders}) as chat:
        await chat.send("/order")
        assert "A9999 is on its way with DHL. Tracking: DHL42" in (
            await chat.send("A9999")).text
        await chat.send("/order")
        assert "can't find order A1001" in (await chat.send("A1001")).text  # the shop's


async def test_a_fake_catalogue_is_what_the_flows_show_and_the_shop_s_orders_stay() -> None:
    catalogue = FixedCatalogue(parse_catalogue(TWO_PRODUCTS, source="test"))
    async with FlowTester(DEMO, services={"catalogue": catalogue}) as chat:
        assert (await chat.send("/catalogue")).choices == ["T-shirt · €19.90",
                                                           "Jeans · €69.00"]
        await chat.send("/order")
        assert "delivered" in (await chat.send("A1001")).text


async def test_the_services_are_built_once_not_per_turn() -> None:
    async with FlowTester(DEMO) as chat:
        services = chat.engine.services
        orders = services.orders
        await chat.send("/order")
        await chat.send("A1002")
        assert chat.engine.services is services and services.orders is orders
        assert services.names() == ["catalogue", "orders"]


async def test_flow_objects_bring_the_services_of_the_package_that_defines_them() -> None:
    from flows.store_assistant import FLOWS

    async with FlowTester(FLOWS) as chat:
        await chat.send("/order")
        assert "Correos" in (await chat.send("A1002")).text
