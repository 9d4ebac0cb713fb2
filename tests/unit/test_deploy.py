"""The service unit in deploy/ is one systemd accepts, with the protections the README promises."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "mikrovirk-bot.service"


def unit_settings() -> dict[str, str]:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return dict(parser["Service"])


def test_the_unit_runs_the_bot_safely() -> None:
    service = unit_settings()
    assert service["EnvironmentFile"] == "/etc/mikrovirk-bot/env"  # the token, never in the config file
    assert service["ExecStart"].endswith("-m bot --config /etc/mikrovirk-bot/config.toml")
    assert service["Restart"] == "on-failure" and service["RestartPreventExitStatus"] == "2"
    assert service["User"] == "mikrovirk"  # a dedicated user, not root
    assert service["NoNewPrivileges"] == "yes" and service["ProtectSystem"] == "strict"
    assert service["PrivateTmp"] == "yes" and service["ReadWritePaths"] == "/var/lib/mikrovirk-bot"
    # Members' data is for the bot's user only: what it creates, and the folder holding it.
    assert service["UMask"] == "0077" and service["StateDirectoryMode"] == "0700"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # verify insists that ExecStart exists: point it at this interpreter, everything else as shipped.
    text = UNIT.read_text(encoding="utf-8").replace("/opt/mikrovirk-bot/.venv/bin/python", sys.executable)
    unit = tmp_path / UNIT.name
    unit.write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(unit)], check=False, capture_output=True, text=True, timeout=60
    )
    problems = [line for line in done.stderr.splitlines() if UNIT.name in line or "mikrovirk" in line]
    assert done.returncode == 0 and not problems, done.stderr
