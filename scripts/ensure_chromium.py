"""Make sure Debian's chromium is installed for the browser tests (run by `make test`).

On a fresh Debian machine run as root, installs the `chromium` package with apt; otherwise
says what to do. Playwright drives this system browser: it never downloads one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

CHROMIUM = "/usr/bin/chromium"


def main() -> int:
    if os.path.exists(CHROMIUM):
        return 0
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing Debian's chromium for the browser tests (apt-get)...", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                       stdout=subprocess.DEVNULL)
        return 0
    print("warning: /usr/bin/chromium is missing, so the browser tests will be skipped. "
          "Install it with: sudo apt-get install chromium", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
