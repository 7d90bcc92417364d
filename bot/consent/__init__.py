"""The customer's consent: the ledger (``ledger``), the universal opt-out words
(``opt_out``) and their confirmations (``texts``). The turn stage that applies them is
``bot/consent_notice.py``."""
