"""The phone number Meta sent with a BSUID, so that sends go to the number where one is
known: Meta recommends it (phone-number fields then keep coming in webhooks), and some
messages (authentication templates) go only to numbers (error 131062). A customer known
by their BSUID alone is sent to by BSUID.

A number change brings a new BSUID, so an entry never goes stale. Entries live in the
connector's state, so every process finds them (a worker sends what a web process
received), with a memory per process in front.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence

from bot.channels import ConnectorState
from bot.messages import Inbound
from connectors.meta.whatsapp_ids import is_bsuid

log = logging.getLogger(__name__)

TTL_SECONDS = 365 * 24 * 3600


class KnownPhones:
    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        #: BSUID → phone digits, or None: none known (looked up, or never sent).
        self._phones: OrderedDict[str, str | None] = OrderedDict()

    def new_numbers(self, state: ConnectorState | None,
                    inbounds: Sequence[Inbound]) -> list[tuple[str, str]]:
        """The (BSUID, phone digits) of these messages not kept yet: read on every webhook,
        before anything is awaited (most carry none: a number already kept, or none)."""
        found: list[tuple[str, str]] = []
        if state is None:
            return found
        for inbound in inbounds:
            bsuid, phone = inbound.identity.user_id, inbound.sender.verified_phone
            if phone is None or not is_bsuid(bsuid):
                continue
            digits = phone.lstrip("+")
            if self._phones.get(bsuid) != digits and (bsuid, digits) not in found:
                found.append((bsuid, digits))
        return found

    async def remember(self, state: ConnectorState | None,
                       numbers: Sequence[tuple[str, str]]) -> None:
        """Keep ``numbers`` (``new_numbers``' of a delivery's messages). A failure (here or
        in ``address``) costs only a send by BSUID, never the message: logged, not
        raised."""
        if state is None:
            return
        for bsuid, digits in numbers:
            try:
                await state.put(f"phone:{bsuid}", digits, ttl_seconds=TTL_SECONDS)
            except Exception as exc:  # the state's store errors are not the connector's
                log.warning("whatsapp: could not keep a BSUID's phone number: %s", exc)
                continue
            self._keep(bsuid, digits)

    async def forget(self, state: ConnectorState | None, user_id: str) -> None:
        """Drop the number kept for a BSUID (the customer is erased)."""
        self._phones.pop(user_id, None)
        if state is not None:
            await state.delete(f"phone:{user_id}")

    async def address(self, state: ConnectorState | None, user_id: str) -> str:
        """Where to send: the phone number known for a BSUID, else the id as it is (a
        BSUID, or the phone digits of an identity stored before BSUIDs)."""
        if not is_bsuid(user_id):
            return user_id
        if user_id in self._phones:
            self._phones.move_to_end(user_id)
            return self._phones[user_id] or user_id
        try:
            phone = await state.get(f"phone:{user_id}") if state is not None else None
        except Exception as exc:  # the state's store errors are not the connector's
            log.warning("whatsapp: could not look up a BSUID's phone number: %s", exc)
            return user_id  # not kept: looked up again next time
        self._keep(user_id, phone)
        return phone or user_id

    def _keep(self, bsuid: str, phone: str | None) -> None:
        self._phones[bsuid] = phone
        self._phones.move_to_end(bsuid)
        if len(self._phones) > self.size:
            self._phones.popitem(last=False)
