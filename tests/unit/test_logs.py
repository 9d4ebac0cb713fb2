"""The JSON log lines: the token never appears, wherever it hides in a record."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    configure_logging(secrets=[TOKEN], stream=stream)
    try:
        yield stream
    finally:
        logging.getLogger().handlers.clear()


class _LoginError(Exception):
    def __init__(self, token: str) -> None:
        super().__init__(f"401 Unauthorized for Bot {token}")
        self.headers = {"Authorization": f"Bot {token}"}


def test_the_token_is_redacted_from_the_message_the_exception_and_extra_fields(output: io.StringIO) -> None:
    log = logging.getLogger("bot.test")
    try:
        raise _LoginError(TOKEN)
    except _LoginError as failure:
        log.exception(
            "login failed with %s",
            TOKEN,
            extra={"header": failure.headers["Authorization"], "nested": {"token": TOKEN}, "raw": failure},
        )
    log.info("plain", extra={"token": TOKEN})
    text = output.getvalue()
    assert TOKEN not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["event"] == "login failed with [redacted]"
    assert first["header"] == "Bot [redacted]"
    assert first["nested"] == {"token": "[redacted]"}
    assert "Unauthorized for Bot [redacted]" in first["exception"] and "Traceback" in first["exception"]
    assert second["token"] == "[redacted]"
