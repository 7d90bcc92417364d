"""Every property under tests/fuzz runs with the deterministic, bounded profile."""

from hypothesis import settings

from tests.fuzz.profile import PROFILE

settings.load_profile(PROFILE)
