"""Run a real discord.py client against a :class:`FakeDiscord` (no pytest needed)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, TypeVar

import discord

if TYPE_CHECKING:
    from .server import FakeDiscord

ClientT = TypeVar("ClientT", bound=discord.Client)

__all__ = ["ErrorLogCollector", "run_client"]


class ErrorLogCollector(logging.Handler):
    """Collects ERROR records from the ``discord`` loggers (exceptions swallowed by handlers)."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def format_all(self) -> str:
        formatter = logging.Formatter("%(name)s: %(message)s")
        parts = []
        for record in self.records:
            text = formatter.format(record)
            if record.exc_info:
                text += "\n" + formatter.formatException(record.exc_info)
            parts.append(text)
        return "\n\n".join(parts)


@contextlib.asynccontextmanager
async def run_client(
    emu: FakeDiscord,
    client: ClientT,
    *,
    token: str | None = None,
    timeout: float = 10.0,  # noqa: ASYNC109
    fail_on_error_logs: bool = False,
) -> AsyncIterator[ClientT]:
    """Start ``client`` against ``emu`` and wait until it is ready (``on_ready`` fired).

    discord.py is patched to talk to the emulator for the duration of the block. On exit the
    client is closed and its task awaited; an exception raised by ``client.start`` (e.g.
    ``discord.LoginFailure`` for a bad token) propagates. With ``fail_on_error_logs`` the block
    also fails if discord.py logged an error (e.g. an exception in an event or command handler).
    """
    collector = ErrorLogCollector()
    discord_logger = logging.getLogger("discord")
    discord_logger.addHandler(collector)
    try:
        with emu.patch_discord():
            task = asyncio.create_task(client.start(token or emu.token), name="fakediscord-client")
            try:
                await _wait_ready(client, task, timeout)
            except BaseException:
                await _shutdown(client, task)
                raise
            failed = False
            try:
                yield client
            except BaseException:
                failed = True
                raise
            finally:
                error = await _shutdown(client, task)
                if error is not None and not failed:
                    raise error
            if fail_on_error_logs and collector.records:
                raise AssertionError("discord.py logged errors:\n" + collector.format_all())
    finally:
        discord_logger.removeHandler(collector)


async def _wait_ready(client: discord.Client, task: asyncio.Task[None], timeout: float) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not client.is_ready():
        if task.done():
            task.result()  # raises the client's exception (e.g. LoginFailure)
            raise RuntimeError("the client stopped before it became ready")
        if loop.time() >= deadline:
            raise AssertionError(f"the client was not ready within {timeout}s")
        await asyncio.sleep(0.005)


async def _shutdown(client: discord.Client, task: asyncio.Task[None]) -> BaseException | None:
    with contextlib.suppress(Exception):
        await client.close()
    try:
        await asyncio.wait_for(task, timeout=5.0)
    except asyncio.CancelledError:
        return None
    except TimeoutError:
        task.cancel()
        return AssertionError("the client task did not finish within 5s after close()")
    except Exception as exc:
        return exc
    return None
