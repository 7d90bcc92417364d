"""Only the customer's new text reaches the flow: each mail client's way of quoting."""

from __future__ import annotations

import pytest

from connectors.email.stripping import strip_reply


@pytest.mark.parametrize(("body", "new"), [
    ("2\n\nOn Mon, 1 Dec 2026 at 10:00, Shop <shop@example.com> wrote:\n> Which size?\n"
     "> 1. Small\n> 2. Large\n", "2"),
    # Gmail wraps a long attribution line
    ("Large please\n\nOn Mon, 1 Dec 2026 at 10:00, The Omnicanal Store <\n"
     "shop@example.com> wrote:\n\n> Which size?\n", "Large please"),
    ("Sí, la segunda\n\nEl lun, 1 dic 2026 a las 10:00, Tienda <shop@example.com> "
     "escribió:\n> ¿Qué talla?\n", "Sí, la segunda"),
    ("Yes\n\n-- \nAna García\nACME Ltd.\n", "Yes"),
    ("Yes\n\n________________________________\nFrom: Shop <shop@example.com>\n"
     "Sent: Monday, December 1, 2026 10:00 AM\nTo: Ana\nSubject: Your order\n\nWhich size?",
     "Yes"),
    ("Yes\r\n\r\nFrom: Shop <shop@example.com>\r\nSent: Monday\r\nTo: Ana\r\n\r\nold text",
     "Yes"),
    ("Vale\n\nDe: Tienda <shop@example.com>\nEnviado: lunes\nPara: Ana\n\nviejo", "Vale"),
    ("> Which size?\nLarge\n> Which colour?\nBlue\n", "Large\nBlue"),
    ("ok\n\nSent from my iPhone\n", "ok"),
    ("ok\n\n-----Original Message-----\nFrom: Shop\nold", "ok"),
    ("On Mon, Shop wrote:\n> only a quote\n", ""),
    ("", ""),
])
def test_only_the_new_text_is_kept(body: str, new: str) -> None:
    assert strip_reply(body) == new


def test_a_line_that_only_mentions_from_is_kept() -> None:
    body = "From: my office I can't pick it up.\nCan you send it?"
    assert strip_reply(body) == body


def test_a_text_without_quotes_is_unchanged() -> None:
    assert strip_reply("  Hello,\n\nI'd like to order.\n  ") == "Hello,\n\nI'd like to order."
