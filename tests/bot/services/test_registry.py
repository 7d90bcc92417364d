"""Services by name: a missing one says how to register it, a test's fake wins over the
module's factory, and a flows module's SERVICES is checked at load like its FLOWS."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from bot.dialogue import End, Flow, StepResult, Turn, command
from bot.errors import ConfigError, MissingService, ServiceError
from bot.services import Services
from bot.services.loading import project_services
from bot.testing import FlowTester

greeting = Flow("greet", triggers=command("greet"))


@greeting.step
async def greet(turn: Turn) -> StepResult:
    turn.say(await turn.services.greeter.hello(turn.profile.name or "you"))
    return End()


class Greeter:
    def __init__(self, word: str = "Hello") -> None:
        self.word = word

    async def hello(self, name: str) -> str:
        return f"{self.word}, {name}"


@pytest.fixture
def module() -> Iterator[types.ModuleType]:
    """A flows module, as a project writes it: FLOWS and SERVICES."""
    made = types.ModuleType("services_test_flows")
    made.FLOWS = [greeting]  # type: ignore[attr-defined]
    made.SERVICES = {"greeter": lambda services: Greeter()}  # type: ignore[attr-defined]
    sys.modules[made.__name__] = made
    yield made
    del sys.modules[made.__name__]


async def test_a_step_reaches_the_service_its_module_registers(
        module: types.ModuleType) -> None:
    async with FlowTester(module.__name__) as chat:
        assert (await chat.send("/greet")).text == "Hello, you"


async def test_a_test_s_fake_takes_the_place_of_the_module_s(
        module: types.ModuleType) -> None:
    async with FlowTester(module.__name__, services={"greeter": Greeter("Hi")}) as chat:
        assert (await chat.send("/greet")).text == "Hi, you"


async def test_a_step_asking_for_an_unregistered_service_gets_the_apology() -> None:
    async with FlowTester([greeting]) as chat:
        replies = await chat.send("/greet")
    assert "Sorry, something went wrong" in replies.text
    assert "error" in [event.kind for event in chat.events]


def test_a_missing_service_names_those_registered_and_how_to_add_one() -> None:
    services = Services({"orders": object()})
    with pytest.raises(MissingService) as missing:
        services.greeter  # noqa: B018
    assert isinstance(missing.value, ServiceError)
    assert "no service named 'greeter' (registered: orders)" in str(missing.value)
    assert "SERVICES" in str(missing.value)
    assert not hasattr(services, "greeter")


def test_a_service_name_must_read_as_an_attribute() -> None:
    with pytest.raises(ValueError, match=r"turn\.services"):
        Services({"Order-Book": object()})


def test_services_that_are_not_factories_stop_the_load(module: types.ModuleType) -> None:
    module.SERVICES = {"greeter": Greeter()}  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match=r"flows\.modules\[0\]: module "
                                          r"'services_test_flows': SERVICES must map"):
        project_services([module.__name__])


def test_each_factory_is_given_the_services_built_before_it() -> None:
    built = Services({"word": "Hey"}).build(
        {"greeter": lambda services: Greeter(services.word)})
    assert built.greeter.word == "Hey"
