"""The operator console at /operator and its JSON API."""
