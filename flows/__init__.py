"""Dialogue flows. ``flows.store_assistant`` is the shipped demo; add your own modules here
and name them under ``flows.modules`` in config.yaml."""
