"""The Messenger connector: signed page webhooks in, Send API out.

Choices become quick replies (up to 13). Outside the 24-hour window a message goes out
only with the tag configured for its origin (HUMAN_AGENT for operators by default, allowed
for 7 days); otherwise the send fails with ``OutsideWindow``. Everything but the settings
is the messaging platform's, shared with Instagram (``messaging.py``).
"""

from __future__ import annotations

from pydantic import SecretStr

from bot.channels import Capabilities
from connectors.meta.messaging import MessagingSettings, MetaMessagingConnector


class MessengerSettings(MessagingSettings):
    """One Facebook page (``connectors.messenger``)."""

    #: The page's access token for the Send API.
    page_token: SecretStr
    #: The page's id; when unset, identities use the page id of each delivery.
    page_id: str | None = None
    #: Our HTTP route for the webhook.
    path: str = "/webhooks/messenger"
    #: The page's username, for m.me links that carry a link code (``ref``).
    page_username: str | None = None


class MessengerConnector(MetaMessagingConnector):
    """One Facebook page. User ids are page-scoped ids (PSIDs)."""

    capabilities = Capabilities(max_text_length=2000, max_buttons=13, button_title_length=20,
                                images=True, files=True, typing=True,
                                window_hours=24)
    settings_model = MessengerSettings
    webhook_object = "page"

    def __init__(self, *, channel: str = "messenger", settings: MessengerSettings) -> None:
        super().__init__(channel=channel, settings=settings, account=settings.page_id,
                         path=settings.path)
        self.settings = settings

    def _token(self) -> SecretStr:
        return self.settings.page_token

    def continue_link(self, code: str) -> str | None:
        page = self.settings.page_username or self.settings.page_id
        return f"https://m.me/{page}?ref={code}" if page else None
