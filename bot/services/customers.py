"""``turn.services.customers``: the customer directory, for a step that needs another
customer's record or the business's own id for this one (an ERP's ``erp:customer:987``).

The same directory the API finds customers in (``bot/store/directory.py``): by a phone
number a platform vouched for, an e-mail address, or an external id attached through the
API or by a flow (``attach``).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.model import Profile
from bot.store.directory import CustomerDirectory
from bot.store.store import Store


class CustomerService:
    def __init__(self, *, store: Store, directory: CustomerDirectory,
                 accounts: Sequence[tuple[str, str]] = ()) -> None:
        """``accounts``: (channel, account) of the enabled channels, whose senders an
        e-mail address may name (the e-mail channel)."""
        self.store = store
        self.directory = directory
        self.accounts = list(accounts)

    async def find(self, *, phone: str | None = None, email: str | None = None,
                   external_id: str | None = None) -> str | None:
        """The id of the customer the one given value names, if any."""
        given = [v for v in (phone, email, external_id) if v is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of phone=, email=, external_id=")
        if phone is not None:
            return await self.directory.by_phone(phone)
        if email is not None:
            return await self.directory.by_email(email, self.accounts)
        assert external_id is not None
        return await self.directory.by_external_id(external_id)

    async def profile(self, customer_id: str) -> Profile | None:
        """A customer's profile as last committed (None: no such customer). Within a
        turn, the customer's own is ``turn.profile``, with this turn's changes."""
        if not await self.directory.exists(customer_id):
            return None
        _, profile = await self.store.load(customer_id)
        return profile

    async def attach(self, customer_id: str, external_id: str) -> bool:
        """Make ``external_id`` (``erp:customer:987``) name ``customer_id``; False when it
        names another customer already (nothing changes then)."""
        return await self.directory.attach("external", external_id, customer_id) == \
            customer_id
