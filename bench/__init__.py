"""Issue 8's benchmark: Omnicanal's pipeline against aiogram 3 on one Valkey server.

Run ``python -m bench`` (see bench/README.md)."""
