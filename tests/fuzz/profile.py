"""The fuzz suite's Hypothesis profile (loaded by ``tests/fuzz/conftest.py``): deterministic
and bounded, so CI is fast and a failure seen once is seen on every run.

``derandomize=True`` makes every run draw the same examples (no example database is kept:
nothing is written into the work tree). ``OMNICANAL_FUZZ_EXAMPLES=N`` raises the number of
examples per property (default 200; the costliest use half of it, the HTTP properties a
quarter, each example being a real request); ``OMNICANAL_FUZZ_RANDOM=1`` draws fresh random
examples instead, to explore locally. Deadlines are off: the machine is shared, and a slow
example is not a bug these properties look for (the HTTP tests have their own timeouts).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

EXAMPLES = int(os.environ.get("OMNICANAL_FUZZ_EXAMPLES") or 200)
RANDOM = bool(os.environ.get("OMNICANAL_FUZZ_RANDOM"))

PROFILE = "omnicanal-fuzz"
settings.register_profile(
    PROFILE,
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    database=None,
    deadline=None,
    print_blob=True,
    # Big generated trees and long strings are the point, not a problem.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
#: For the properties whose every example costs most (a whole config validated, a
#: keyboard of generated trees): half as many, so the suite stays well under a minute.
costly_settings = settings(parent=settings.get_profile(PROFILE),
                           max_examples=max(EXAMPLES // 2, 10))
#: For properties that drive a real runtime over HTTP: one runtime serves every example
#: (a fixture, on purpose), and each example is a request, so fewer of them.
http_settings = settings(
    parent=settings.get_profile(PROFILE),
    max_examples=max(EXAMPLES // 4, 10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
