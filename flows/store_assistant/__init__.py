"""The shipped demo: a store assistant in English and Spanish.

Browse the catalogue, check an order, start a return, subscribe to offers with consent,
or talk to a person; the same answers and prices on every channel.
"""

from flows.store_assistant.browse import catalogue
from flows.store_assistant.menu import human, menu
from flows.store_assistant.offers import offers
from flows.store_assistant.orders import order_status
from flows.store_assistant.returns import contact_email, returns
from flows.store_assistant.shop import SERVICES

FLOWS = [menu, catalogue, order_status, returns, contact_email, offers, human]
__all__ = ["FLOWS", "SERVICES"]
