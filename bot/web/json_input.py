"""JSON from outside (webhook bodies, websocket frames), read one way everywhere.

The ``json`` module is the wrong parser for input we do not control: deeply nested arrays
raise ``RecursionError`` (not a ``ValueError``, so handlers that expect one crash with a
500), and ``"\\ud800"`` decodes to a lone surrogate that crashes whatever encodes it later
(the store, a log line). pydantic's parser (already a dependency, and faster) refuses
both with a ``ValueError``.
"""

from __future__ import annotations

from typing import Any

from pydantic_core import from_json


def json_object(data: bytes | str) -> dict[str, Any] | None:
    """The JSON object in ``data``; None when it is not JSON in valid UTF-8 (too deeply
    nested, a lone surrogate, truncated...) or not an object."""
    try:
        value = from_json(data)
    except (ValueError, TypeError):  # TypeError: a str holding a lone surrogate
        return None
    return value if isinstance(value, dict) else None
