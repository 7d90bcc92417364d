"""The Redis-backed store: sessions, identities, histories, inboxes and outboxes."""
