"""The Instagram Direct connector: Meta's messaging platform for an Instagram professional
account (``messaging.py``, shared with Messenger), with Instagram's own events.

User ids are Instagram-scoped ids (IGSIDs); Instagram vouches for no phone or e-mail, so
an identity links only by a link code. Story replies and story mentions are messages
with their kind in the text (``[story reply] ...``, ``[story mention]``) so that a flow
and an operator see what the customer reacted to; the story's link stays in ``raw`` (and,
for a mention, in an attachment). Instagram shows no documents: the renderer sends a file
as its link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic import SecretStr

from bot.channels import Capabilities
from bot.messages import Attachment, Identity, Inbound, SenderHint
from connectors.meta.messaging import (
    MessagingSettings,
    MetaMessagingConnector,
    as_dict,
    as_list,
    as_str,
)

STORY_REPLY = "[story reply]"
STORY_MENTION = "[story mention]"


class InstagramSettings(MessagingSettings):
    """One Instagram professional account (``connectors.instagram``)."""

    #: The account's access token for the Graph API.
    access_token: SecretStr
    #: The professional account's id; when unset, identities use each delivery's entry id.
    ig_user_id: str | None = None
    #: Our HTTP route for the webhook.
    path: str = "/webhooks/instagram"
    #: The account's username, for ig.me links that carry a link code.
    username: str | None = None


class InstagramConnector(MetaMessagingConnector):
    """One Instagram professional account."""

    capabilities = Capabilities(max_text_length=1000, max_buttons=13, button_title_length=20,
                                images=True, files=False, typing=True,
                                window_hours=24)
    settings_model = InstagramSettings
    webhook_object = "instagram"

    def __init__(self, *, channel: str = "instagram", settings: InstagramSettings) -> None:
        super().__init__(channel=channel, settings=settings, account=settings.ig_user_id,
                         path=settings.path)
        self.settings = settings

    def _token(self) -> SecretStr:
        return self.settings.access_token

    def continue_link(self, code: str) -> str | None:
        """An ig.me link that opens the chat with the code typed in."""
        name = self.settings.username
        return f"https://ig.me/m/{name}?text={quote(code)}" if name else None

    def _message_event(self, message: Mapping[str, Any], identity: Identity,
                       event: Mapping[str, Any]) -> Inbound | None:
        mid = as_str(message.get("mid"))
        story = as_dict(as_dict(message.get("reply_to")).get("story"))
        mentions = [a for a in as_list(message.get("attachments"))
                    if a.get("type") == "story_mention"]
        if mid and story:
            text = " ".join(filter(None, [STORY_REPLY, as_str(message.get("text"))]))
            return Inbound(identity=identity, message_id=mid, text=text,
                           sender=SenderHint(), raw=event)
        if mid and mentions:
            url = as_str(as_dict(mentions[0].get("payload")).get("url"))
            return Inbound(identity=identity, message_id=mid, text=STORY_MENTION,
                           attachments=(Attachment(kind="image", url=url),) if url else (),
                           sender=SenderHint(), raw=event)
        return super()._message_event(message, identity, event)
