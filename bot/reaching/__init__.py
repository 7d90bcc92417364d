"""The business speaking first: notifications (``notifications``), reminders from flows
(``reminders``), and the channel rules both pass (``delivery``). docs/reaching.md."""
