"""Make sure Debian's dovecot IMAP server is installed for the e-mail tests (run by `make test`).

The e-mail connector is tested against a real IMAP server on 127.0.0.1: the test fixture
(`tests/connectors/email/servers.py`) writes a config of its own into a temporary folder
and runs `/usr/sbin/dovecot -F` on a free port, so no system service is used or started.
On a fresh Debian machine run as root, this installs `dovecot-imapd` with apt; otherwise
it says what to do, and the IMAP tests are skipped (CI, which sets `CI` or
`OMNICANAL_REQUIRE_DOVECOT`, fails them instead).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

DOVECOT = "/usr/sbin/dovecot"
#: Other installs may hold apt's lock for a while (the chromium install, another checkout).
LOCK_WAIT = ["-o", "DPkg::Lock::Timeout=300"]


def main() -> int:
    if os.path.exists(DOVECOT):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's dovecot-imapd for the e-mail tests (apt-get)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", *LOCK_WAIT, "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", *LOCK_WAIT, "install", "-y", "-qq", "dovecot-imapd"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        return 0
    print(f"warning: {DOVECOT} is missing, so the IMAP tests of the e-mail channel will be "
          "skipped. Install it with: sudo apt-get install dovecot-imapd", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
