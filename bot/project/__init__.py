"""A bot project of one's own: ``omnicanal init DIR`` (bot/project/create.py) writes one
from the template (bot/project/template.py)."""
