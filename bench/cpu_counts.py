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
    into ``into`` (``git archive``) with this module beside them. Compared, both sides run
    from a copy under ``into`` with their bytecode written first: this checkout measured
    ~11,000 instructions a message more than a fresh export of the same commit (the
    cause not found), and a fresh tree's first run would compile every module it imports
    (the run subtracted, when it is the one without messages)."""
    if revision is None:
        return {"this tree": str(HERE)}
    theirs, ours = Path(into) / "rev", Path(into) / "here"
    theirs.mkdir()
    archive = subprocess.run(["git", "-C", str(HERE), "archive", revision, *folders],
                             check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(theirs)], input=archive, check=True)
    shutil.copy(__file__, theirs / "bench" / Path(__file__).name)
    for folder in folders:
        shutil.copytree(HERE / folder, ours / folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for tree in (theirs, ours):
        subprocess.run([sys.executable, "-m", "compileall", "-q", *folders], cwd=tree,
                       check=True, capture_output=True)
    return {revision: str(theirs), "this tree": str(ours)}
