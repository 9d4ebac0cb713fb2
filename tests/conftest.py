"""Test-wide settings."""

from __future__ import annotations

from hypothesis import settings

# Property tests check correctness, not speed: on a busy 2-core CI machine a per-example deadline only adds flakes.
settings.register_profile("mikrovirk", deadline=None)
settings.load_profile("mikrovirk")
