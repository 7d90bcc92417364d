"""Building the services flows reach: the built-in ones from the settings, then each
flows module's ``SERVICES`` (name → factory), once, when the engine is built."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping, Sequence

from bot.catalogue.service import FixedCatalogue
from bot.config.settings import Settings
from bot.dialogue.flow import Flow
from bot.errors import CatalogueError, ConfigError
from bot.services.http import HttpService
from bot.services.registry import ServiceFactory, Services


def project_services(modules: Sequence[str]) -> dict[str, ServiceFactory]:
    """The factories every module of ``modules`` lists in ``SERVICES`` (a module without
    it registers none), in module order; a name registered twice is a ``ConfigError``."""
    found: dict[str, ServiceFactory] = {}
    problems: list[str] = []
    for index, name in enumerate(modules):
        declared = getattr(importlib.import_module(name), "SERVICES", None)
        if declared is None:
            continue
        where = f"flows.modules[{index}]: module {name!r}"
        if not isinstance(declared, Mapping) or not all(
                isinstance(k, str) and callable(v) for k, v in declared.items()):
            problems.append(f"{where}: SERVICES must map names to factories "
                            "(callables given the services built so far)")
            continue
        for service, factory in declared.items():
            if service in found:
                problems.append(f"{where}: the service {service!r} is registered by an "
                                "earlier module too; rename one")
            found[service] = factory
    if problems:
        raise ConfigError(problems)
    return found


def services_of_flows(flows: Sequence[Flow]) -> dict[str, ServiceFactory]:
    """The ``SERVICES`` of the package that defines ``flows`` (``FlowTester(FLOWS)``):
    for each flow, the nearest module up from its steps' module that has ``SERVICES``
    (``flows.store_assistant.orders`` → ``flows.store_assistant``)."""
    modules: list[str] = []
    for flow in flows:
        for step in flow.steps.values():
            parts = (getattr(step, "__module__", None) or "").split(".")
            found = next((name for name in (".".join(parts[:n])
                                            for n in range(len(parts), 0, -1))
                          if hasattr(sys.modules.get(name), "SERVICES")), None)
            if found is not None and found not in modules:
                modules.append(found)
    return project_services(modules)


def built_in_services(settings: Settings) -> dict[str, object]:
    """``http`` from ``services.http``; ``catalogue`` from ``catalogue.path`` when it is
    set (validated: a bad file stops ``omnicanal check`` and start-up). A running bot
    replaces this catalogue with the store's (``bot/catalogue/wiring.py``)."""
    http = settings.services.http
    provided: dict[str, object] = {"http": HttpService(timeout_seconds=http.timeout_seconds,
                                                       retries=http.retries,
                                                       backoff_seconds=http.backoff_seconds)}
    path = settings.catalogue.path
    if path is not None:
        try:
            provided["catalogue"] = FixedCatalogue.from_file(path)
        except CatalogueError as exc:
            raise ConfigError([f"catalogue.path: {exc}"]) from None
    return provided


def services_for(settings: Settings) -> Services:
    """The built-in services, then those the flows modules register."""
    return Services(built_in_services(settings)).build(
        project_services(settings.flows.modules))
