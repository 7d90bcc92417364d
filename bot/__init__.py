"""Omnicanal's runtime core. It knows no platform: connectors live in ``connectors``."""
