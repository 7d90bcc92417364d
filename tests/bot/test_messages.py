"""What the hot path works out once per message stays true to the message."""

from __future__ import annotations

from bot.messages import Identity, Inbound

ANA = Identity(channel="telegram", user_id="42")


def test_an_identity_key_is_worked_out_once_and_equal_identities_stay_equal() -> None:
    assert ANA.key == "telegram:default:42"
    assert ANA.key is ANA.key
    assert Identity(channel="telegram", user_id="42") == ANA  # one with, one without
    assert hash(ANA) == hash(Identity(channel="telegram", user_id="42"))
    assert ANA.model_dump() == {"channel": "telegram", "account": "default", "user_id": "42"}
    assert Identity.from_key(ANA.key) == ANA


def test_a_copy_with_changed_fields_works_its_values_out_again() -> None:
    assert ANA.key
    assert ANA.model_copy(update={"user_id": "43"}).key == "telegram:default:43"
    start = Inbound(identity=ANA, message_id="1", text="/start ABC")
    assert start.command == ("start", "ABC")
    assert start.model_copy(update={"text": "Yes"}).command is None
    assert start.model_copy().command == ("start", "ABC")
