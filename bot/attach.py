"""``omnicanal chat --attach``: the terminal as one more channel of a bot that is running.

``omnicanal chat`` alone starts the bot's store itself, which a running bot's embedded
store forbids (one process owns its data directory). Attached, the chat connects to the
running bot's store instead: the embedded server's address and password are in its data
directory (``port``, ``password``), and the secret link codes are hashed with is the
bot's own (``link.secret``), so a code shown in the browser works in the terminal. The
chat then runs its own turns over that store, as any second process would: the terminal
and the browser see one customer's state once they are linked (``/link``).
"""

from __future__ import annotations

from pydantic import SecretStr

from bot.config.settings import Settings
from bot.errors import ConfigError
from bot.store.embedded import running_url
from bot.store.secrets import file_secret


def attached_settings(settings: Settings) -> Settings:
    """``settings`` pointed at the running bot's store (an external store is shared
    already: it is used as it is)."""
    if not settings.store.embedded:
        return settings
    data_dir = settings.store.data_dir
    url = running_url(data_dir)
    if url is None:
        raise ConfigError([f"store.data_dir: no running bot keeps its store in {data_dir}. "
                           "Start it with omnicanal run (same config), or leave out "
                           "--attach to chat on a store of the chat's own"])
    store = settings.store.model_copy(update={"url": SecretStr(url)})
    update: dict[str, object] = {"store": store}
    if settings.linking.secret is None:
        secret = SecretStr(file_secret(data_dir / "link.secret"))
        update["linking"] = settings.linking.model_copy(update={"secret": secret})
    return settings.model_copy(update=update)
