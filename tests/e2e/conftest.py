"""The browser (Debian's chromium, one per test) and the e-mail fixtures (a test CA,
dovecot, the shop's mailbox and SMTP server) for the cross-channel journeys here, shared
with the e-mail tests rather than copied."""

from tests.connectors.email.conftest import (  # noqa: F401  (fixtures, found by name)
    ca,
    ca_file,
    dovecot,
    mailbox,
    outgoing,
)
from tests.e2e.browser import browser  # noqa: F401  (a fixture, found by name)
