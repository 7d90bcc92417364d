"""The e-mail channel: SMTP out, IMAP IDLE or an SMTP listener in (see connector.py)."""
