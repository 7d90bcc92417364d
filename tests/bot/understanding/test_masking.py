"""Placeholders for phone numbers and e-mails sent to a model, and the values put back."""

from __future__ import annotations

from bot.understanding.masking import PiiMask


def test_each_distinct_value_gets_its_own_numbered_placeholder_and_repeats_reuse_it() -> None:
    mask = PiiMask()
    assert mask.mask("+34 600 111 222, ana@example.com, (555) 123-4567") == (
        "<phone_1>, <email_1>, <phone_2>")
    assert mask.mask("again +34 600 111 222 and josé@correo.es") == (
        "again <phone_1> and <email_2>")
    assert mask.masked == 4


def test_what_is_not_personal_data_is_sent_as_written() -> None:
    text = "order A1001 on 2026-11-22 at 16:52, size 42, 3 items, from 127.0.0.1"
    assert PiiMask().mask(text) == text


def test_restore_puts_values_back_in_nested_arguments_and_leaves_unknown_placeholders() -> None:
    mask = PiiMask()
    mask.mask("600 111 222 / ana@example.com")
    assert mask.restore({"contacts": ["<phone_1>", {"mail": "to <email_1>"}], "n": 3,
                         "other": "<phone_7>"}) == {
        "contacts": ["600 111 222", {"mail": "to ana@example.com"}], "n": 3,
        "other": "<phone_7>"}


def test_an_inactive_mask_passes_everything() -> None:
    mask = PiiMask(active=False)
    assert mask.mask("ana@example.com +34 600 111 222") == "ana@example.com +34 600 111 222"
    assert mask.restore("<email_1>") == "<email_1>"
