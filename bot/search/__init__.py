"""Finding conversations: search terms (pure), the indexer that keeps the index up to date
from committed turns, and the query the console asks (see docs/operators.md)."""
