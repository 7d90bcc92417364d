"""Mails as customers' clients and mail servers send them, for the e-mail tests."""

from __future__ import annotations

from email.message import EmailMessage

SHOP = "shop@example.com"
ANA = "ana@example.org"


def customer_mail(text: str, *, sender: str = ANA, subject: str = "Hello",
                  message_id: str = "<m1@example.org>", in_reply_to: str | None = None,
                  html: str | None = None, headers: dict[str, str] | None = None,
                  attachment: bytes | None = None, subtype: str = "plain",
                  references: str | None = None) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Ana García <{sender}>"
    mail["To"] = SHOP
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = references or in_reply_to
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text, subtype=subtype)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    if attachment is not None:
        mail.add_attachment(attachment, maintype="application", subtype="pdf",
                            filename="invoice.pdf")
    return mail.as_bytes()


def dsn(*, recipient: str, status: str, original_message_id: str,
        action: str = "failed") -> bytes:
    """A delivery status notification (RFC 3464) as Postfix sends it."""
    return (
        "From: MAILER-DAEMON@mail.example.com (Mail Delivery System)\r\n"
        f"To: {SHOP}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce.1@mail.example.com>\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\nContent-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mail.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {SHOP}\r\nTo: {recipient}\r\nMessage-ID: {original_message_id}\r\n"
        "Subject: Re: Hello\r\n"
        "\r\n--B--\r\n").encode()
