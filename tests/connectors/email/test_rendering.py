"""Our mails: the HTML part escaped, numbered lists kept numbered, links clickable, the
bot's mails marked automatic and an operator's not, Message-IDs signed per recipient."""

from __future__ import annotations

from email.headerregistry import Address

from connectors.email.rendering import MessageIds, Thread, build_mail, html_body, reply_subject

SHOP = Address(display_name="The Store", username="shop", domain="example.com")


def test_the_html_part_is_escaped_and_keeps_the_numbers() -> None:
    html = html_body("Which <b>size</b> & colour?\n\n1. Small <S>\n2. Large\n\n"
                     "See https://shop.example/a?x=1&y=2")
    assert "<b>size" not in html and "&lt;b&gt;size&lt;/b&gt; &amp; colour?" in html
    assert '<ol start="1"><li>Small &lt;S&gt;</li><li>Large</li></ol>' in html
    assert '<a href="https://shop.example/a?x=1&amp;y=2">' in html


def test_a_reply_is_threaded_and_a_first_mail_has_the_default_subject() -> None:
    thread = Thread(message_id="<c2@x>", subject="Hello", references=("<c1@x>", "<o1@y>"))
    mail = build_mail(sender=SHOP, to="ana@example.org", text="hi", message_id="<o2@y>",
                      thread=Thread.loads(thread.dumps()), default_subject="From the shop")
    assert (mail["Subject"], mail["In-Reply-To"]) == ("Re: Hello", "<c2@x>")
    assert mail["References"].split() == ["<c1@x>", "<o1@y>", "<c2@x>"]
    assert mail["Auto-Submitted"] == "auto-replied"
    first = build_mail(sender=SHOP, to="ana@example.org", text="hi", message_id="<o3@y>",
                       thread=None, default_subject="From the shop", automatic=False)
    assert first["Subject"] == "From the shop" and first["In-Reply-To"] is None
    assert first["Auto-Submitted"] is None  # an operator writes as a person
    assert reply_subject("RE: Hello") == "RE: Hello"


def test_message_ids_are_stable_per_key_and_signed_for_the_recipient() -> None:
    ids = MessageIds(secret="s", domain="example.com")
    made = ids.make("c1.d1.0", "ana@example.org")
    assert made == ids.make("c1.d1.0", "ana@example.org") != ids.make("c1.d1.1", "ana@example.org")
    assert ids.ours(made, "ana@example.org") and ids.ours(made, "ANA@example.org")
    assert not ids.ours(made, "eve@example.org")
    assert not MessageIds(secret="other", domain="example.com").ours(made, "ana@example.org")
    assert not ids.ours("<anything@example.com>", "ana@example.org")
