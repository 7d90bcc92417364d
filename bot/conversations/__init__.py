"""Conversation tests without Python: YAML files of turns (``*.convo.yaml``), run by
``omnicanal test PATH`` and collected by pytest (the ``omnicanal`` plugin). The format is
in docs/flows.md, "Conversation tests"."""

from bot.conversations.run import ConversationFailed, run_conversation
from bot.conversations.spec import PROFILES, Conversation, load_conversation

__all__ = ["PROFILES", "Conversation", "ConversationFailed", "load_conversation",
           "run_conversation"]
