"""Event webhooks: what happens to a customer, told to the business's systems.

Events are derived from what a turn already produces (``events.py``), written in the
turn's own commit (``bot/store/hooks.py``), and delivered apart from the message path by
a worker (``worker.py``), signed (``signing.py``). docs/events.md describes the contract.
"""
