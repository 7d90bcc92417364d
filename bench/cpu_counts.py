"""What the deterministic CPU benches share: a child's instructions under valgrind, and
another commit's tree to run the same bench file against (``--against REV``).

A bench that compares trees runs its own file (this tree's) in each tree, with that
tree first on ``PYTHONPATH``; this module is copied into the other tree with it, so the
bench imports it there too, whatever ``REV`` had.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def instructions(tree: str, argv: Sequence[str]) -> tuple[int, str]:
    """The machine instructions of ``python argv`` run in ``tree`` under valgrind
    (``cachegrind``, no cache simulation, PYTHONHASHSEED=0), and what it printed.
    Only this process is counted: a server it talks to runs outside valgrind."""
    run = subprocess.run(
        ["valgrind", "--tool=cachegrind", "--cache-sim=no",
         "--cachegrind-out-file=/dev/null", sys.executable, *argv],
        cwd=tree, check=True, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": tree, "PYTHONHASHSEED": "0"})
    found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count:\n{run.stderr}")
    return int(found.group(1).replace(",", "")), run.stdout


def trees(revision: str | None, into: str, folders: Sequence[str]) -> dict[str, str]:
    """The trees to run in: this one, and with ``revision`` its ``folders`` exported
    into ``into`` (``git archive``) with this module beside them."""
    if revision is None:
        return {"this tree": str(HERE)}
    archive = subprocess.run(["git", "-C", str(HERE), "archive", revision, *folders],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    shutil.copy(__file__, Path(into) / "bench" / Path(__file__).name)
    return {revision: into, "this tree": str(HERE)}
