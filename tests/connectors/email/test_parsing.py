"""Reading mails: the new text, the thread, attachments, auto-replies and bounces; and a
fuzzer that proves nothing but ``MalformedMail`` ever comes out of bad bytes."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.email.parsing import MalformedMail, html_to_text, read_mail
from tests.connectors.email.mails import ANA, customer_mail, dsn


def test_a_reply_is_read_without_its_quote() -> None:
    raw = customer_mail("2\n\nOn Mon, Shop <shop@example.com> wrote:\n> 1. Small\n> 2. Large",
                        subject="Re: Hello", message_id="<m2@example.org>",
                        in_reply_to="<ours@example.com>")
    mail = read_mail(raw)
    assert (mail.text, mail.sender, mail.sender_name) == ("2", ANA, "Ana García")
    assert (mail.message_id, mail.in_reply_to) == ("<m2@example.org>", "<ours@example.com>")
    assert mail.references == ("<ours@example.com>",) and mail.automatic is None


def test_html_only_mails_are_read_as_text_without_the_quoted_blockquote() -> None:
    raw = customer_mail("<div>Large <b>please</b></div><blockquote>Which size?"
                        "</blockquote><script>x()</script>", subtype="html")
    assert read_mail(raw).text == "Large please"
    assert html_to_text("<p>a &amp; b</p><style>p{}</style><blockquote>q</blockquote>") == "a & b"


def test_an_empty_body_falls_back_to_the_subject() -> None:
    assert read_mail(customer_mail("", subject="Re: ABCD-2345")).text == "ABCD-2345"


def test_attachments_are_listed_and_the_text_kept() -> None:
    mail = read_mail(customer_mail("see attached", attachment=b"%PDF-1.4" * 100))
    assert mail.text == "see attached"
    assert mail.attachments == (("invoice.pdf", "application/pdf"),)


def test_a_mail_without_message_id_gets_a_stable_one() -> None:
    raw = customer_mail("hi").replace(b"Message-ID: <m1@example.org>\n", b"")
    assert read_mail(raw).message_id == read_mail(raw).message_id != "<m1@example.org>"


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"}, {"Auto-Submitted": "auto-generated"},
    {"X-Autoreply": "yes"}, {"Precedence": "bulk"}, {"Precedence": "auto_reply"},
])
def test_automatic_mails_are_recognised(headers: dict[str, str]) -> None:
    assert read_mail(customer_mail("I'm on holiday", headers=headers)).automatic


def test_auto_submitted_no_is_a_person() -> None:
    assert read_mail(customer_mail("hi", headers={"Auto-Submitted": "no"})).automatic is None


def test_a_dsn_is_a_bounce_with_the_returned_message_id() -> None:
    mail = read_mail(dsn(recipient=ANA, status="5.1.1", original_message_id="<ours.1@x>"))
    assert mail.automatic == "bounce"
    [bounce] = mail.bounces
    assert (bounce.recipient, bounce.status, bounce.original_message_id, bounce.hard) == (
        ANA, "5.1.1", "<ours.1@x>", True)
    soft = read_mail(dsn(recipient=ANA, status="4.2.2", original_message_id="<o@x>"))
    assert not soft.bounces[0].hard
    delayed = read_mail(dsn(recipient=ANA, status="4.4.1", original_message_id="<o@x>",
                            action="delayed"))
    assert delayed.bounces == () and delayed.automatic == "bounce"


@pytest.mark.parametrize("raw", [
    b"", b"\x00\xff garbage", b"Subject: no sender\r\n\r\nbody",
    b"From: not an address\r\n\r\nbody",
    b"From: \"x\" <a b@c.example>\r\n\r\nbody",
])
def test_unreadable_mails_raise_malformed_mail(raw: bytes) -> None:
    with pytest.raises(MalformedMail):
        read_mail(raw)


def test_a_long_text_is_cut() -> None:
    assert len(read_mail(customer_mail("word " * 10_000), max_text_chars=500).text) == 500


_HEADER_NAMES = st.sampled_from(["From", "To", "Subject", "Message-ID", "In-Reply-To",
                                 "References", "Content-Type", "Content-Transfer-Encoding",
                                 "MIME-Version", "Auto-Submitted", "Precedence"])
_HEADER = st.tuples(_HEADER_NAMES, st.text(max_size=60)).map(
    lambda pair: f"{pair[0]}: {pair[1]}".encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(headers=st.lists(_HEADER, max_size=8), body=st.binary(max_size=400),
       boundary=st.booleans())
def test_fuzz_mails_are_read_or_refused_never_crash(headers: list[bytes], body: bytes,
                                                    boundary: bool) -> None:
    extra = [b'Content-Type: multipart/mixed; boundary="b"'] if boundary else []
    raw = b"\r\n".join([b"From: a@b.example", *extra, *headers]) + b"\r\n\r\n" + body
    if boundary:
        raw += b"\r\n--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b"
    try:
        mail = read_mail(raw)
    except MalformedMail:
        return
    assert isinstance(mail.text, str) and mail.message_id.startswith("<")
    assert not any(c.isspace() for c in mail.sender)  # nothing that could break a header


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_arbitrary_bytes(raw: bytes) -> None:
    with contextlib.suppress(MalformedMail):
        read_mail(raw)
