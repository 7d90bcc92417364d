"""Which connector class a config section's ``type`` names, and building it.

``type`` is a registered name or a ``package.module:Class`` path. Names are registered
under the entry-point group ``omnicanal.connectors``: the built-in connectors by
Omnicanal's own pyproject.toml, exactly as another distribution registers its own, so the
core names no platform and every run exercises the plugin path. Imports are lazy: only a
type that an enabled section uses is imported (a web-chat-only bot never imports aiogram).
"""

from __future__ import annotations

import difflib
import functools
import importlib
import inspect
from collections.abc import Mapping
from importlib.metadata import EntryPoint, entry_points

from bot.channels.contract import BaseConnector
from bot.channels.settings import ConnectorSettings
from bot.errors import ConnectorTypeError

GROUP = "omnicanal.connectors"


@functools.cache
def _registered() -> Mapping[str, tuple[EntryPoint, ...]]:
    """Every name registered in ``GROUP`` by an installed distribution (a name that two
    metadata copies of one package register with the same target counts once)."""
    found: dict[str, list[EntryPoint]] = {}
    for point in entry_points(group=GROUP):
        same = found.setdefault(point.name, [])
        if all(other.value != point.value for other in same):
            same.append(point)
    return {name: tuple(points) for name, points in found.items()}


def _entry_points(name: str) -> tuple[EntryPoint, ...]:
    points = _registered().get(name)
    if points is None:  # a package installed since the last look registers it, maybe
        _registered.cache_clear()
        importlib.invalidate_caches()
        points = _registered().get(name, ())
    return points


def known_types() -> list[str]:
    """The registered names, sorted (for messages: "Known: ...")."""
    return sorted(_registered())


def check_type(type_name: str) -> None:
    """Raise ``ConnectorTypeError`` when ``type_name`` is neither a registered name nor
    shaped like a ``module:Class`` path; imports nothing (for disabled sections)."""
    if ":" in type_name:
        _split(type_name)
    else:
        _one_entry_point(type_name)


def connector_class(type_name: str) -> type[BaseConnector]:
    """The connector class ``type_name`` names, imported now; ``ConnectorTypeError``
    says why there is none."""
    if ":" in type_name:
        return _load(type_name)
    point = _one_entry_point(type_name)
    owner = f" (registered by {point.dist.name})" if point.dist is not None else ""
    return _load(point.value, registered=f"'{type_name}'{owner} points to")


def build(channel: str, settings: ConnectorSettings) -> BaseConnector:
    """Construct the connector configured under ``connectors.<channel>``."""
    return connector_class(settings.type or channel).from_settings(channel, settings)


def _one_entry_point(name: str) -> EntryPoint:
    points = _entry_points(name)
    if len(points) > 1:
        owners = ", ".join(sorted(p.dist.name if p.dist else p.value for p in points))
        raise ConnectorTypeError(f"connector type '{name}' is registered by several packages "
                                 f"({owners}): name the class as package.module:Class instead")
    if not points:
        known = known_types()
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        listed = (f"Known: {', '.join(known)}" if known else
                  "No connector type is registered at all: reinstall Omnicanal "
                  "(pip install -e .) so its entry points are installed")
        raise ConnectorTypeError(f"unknown connector type '{name}'.{hint} {listed}; or name "
                                 "a class as package.module:Class")
    return points[0]


def _split(path: str) -> tuple[str, str]:
    module, _, attribute = path.partition(":")
    names = [*module.split("."), *attribute.split(".")]
    if not all(part.isidentifier() for part in names):
        raise ConnectorTypeError(f"'{path}' is not a class path: write package.module:Class")
    return module, attribute


#: The distribution extra that installs each SDK a built-in connector imports.
SDK_EXTRAS = {"aiogram": "telegram", "telegram": "telegram", "aiosmtplib": "email",
              "aioimaplib": "email", "aiosmtpd": "email", "twilio": "sms"}


def _load(path: str, *, registered: str = "") -> type[BaseConnector]:
    where = f"{registered} '{path}'" if registered else f"'{path}'"
    module_name, attribute = _split(path)
    try:
        found: object = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (module_name + ".").startswith(exc.name + "."):
            raise ConnectorTypeError(f"{where}: module '{module_name}' not found. Install the "
                                     "package that provides it, or fix the path") from None
        top = (exc.name or "").partition(".")[0]
        if top in SDK_EXTRAS:  # an SDK one of our own extras installs: say which
            raise ConnectorTypeError(f"needs the '{top}' package, which is not installed. "
                                     f"Install it with: pip install 'omnicanal[{SDK_EXTRAS[top]}]'"
                                     ) from None
        raise ConnectorTypeError(f"{where}: importing '{module_name}' needs '{exc.name}', "
                                 "which is not installed. Install it") from None
    except Exception as exc:  # the user's module is broken: a config problem, one line
        raise ConnectorTypeError(f"{where}: importing '{module_name}' failed: "
                                 f"{type(exc).__name__}: {exc}") from exc
    for part in attribute.split("."):
        try:
            found = getattr(found, part)
        except AttributeError:
            raise ConnectorTypeError(f"{where}: module '{module_name}' has no "
                                     f"'{attribute}'. Fix the name after the colon") from None
    if not (isinstance(found, type) and issubclass(found, BaseConnector)):
        raise ConnectorTypeError(f"{where} is not a connector: a connector is a class that "
                                 "subclasses bot.channels.BaseConnector")
    if inspect.isabstract(found):
        missing = ", ".join(sorted(getattr(found, "__abstractmethods__", ())))
        raise ConnectorTypeError(f"{where} is abstract: implement {missing}")
    return found
