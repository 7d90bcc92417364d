"""What a channel can show: the one thing the renderer needs to know about it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can show. The renderer (``bot.channels.render``) degrades everything
    else before a connector's ``send`` sees it: a connector only renders what it declared."""

    max_text_length: int = 4096
    #: How many choices can be shown as buttons (0: none, a numbered list instead).
    max_buttons: int = 0
    #: Longest button title; longer titles are cut with an ellipsis.
    button_title_length: int = 64
    images: bool = False
    files: bool = False
    typing: bool = False
    request_phone: bool = False
    #: Sends pre-approved platform templates (``Template``) outside its window.
    templates: bool = False
    #: The platform's customer-service window: after this many hours without a message
    #: from the customer, the business may not write first (except by a template).
    window_hours: float | None = None

    def shows_buttons(self, choices: int) -> bool:
        """Whether ``choices`` options are shown as buttons here (else a numbered list):
        the renderer's rule, which the dialogue engine's retry text follows too."""
        return 0 < choices <= self.max_buttons
