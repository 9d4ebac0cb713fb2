"""The layering the code base promises, held by tests (the numbers: ``python -m tests.structure``)."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import cache

import pytest

from tests.structure import ROOT

CHECKS = ("cross_feature_imports", "type_checking_cycles", "rule_modules_importing_discord", "long_files")


@cache
def findings() -> dict[str, list[str]]:
    # A fresh interpreter: CPython 3.11's ast can trip over the state a long test session leaves behind.
    done = subprocess.run(
        [sys.executable, "-m", "tests.structure", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    found: dict[str, list[str]] = json.loads(done.stdout)
    return found


@pytest.mark.parametrize("check", CHECKS)
def test_layering_holds(check: str) -> None:
    """Features never import each other, no cycle hides behind TYPE_CHECKING, rule modules know nothing of Discord,
    and no production file has grown several jobs."""
    assert findings()[check] == []
