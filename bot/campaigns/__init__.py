"""Campaigns: the business's message to a segment of its customers, each reached once,
on their channel, within its rules (``docs/reaching.md``, "Campaigns")."""
