"""Business analytics: counters kept in Redis as conversations flow, and reports."""
