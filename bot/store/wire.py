"""One pipelined connection to a Redis server, spoken directly over an asyncio protocol.

The batcher sends the commands of concurrent turns together. Going through redis-py for
that still costs, per batch, a task, a pool checkout and an awaited ``read_response`` per
reply (each under its own timeout context): about a third of the client CPU per message
(measured with ``python -m bench.profile``). Here a batch is one ``transport.write`` of
commands packed by hiredis in C, and replies are parsed by hiredis as bytes arrive and
handed to the waiting futures in order: no task, no await per reply. Replies come back
in the order commands were written (RESP guarantees it on one connection), so a FIFO of
futures is all the bookkeeping there is.

Failure: when the connection drops, every command written and not answered fails with
``ConnectionError`` (the caller turns it into StoreError; nothing half-applied is assumed,
the store's scripts are atomic and idempotent on retry); a server that stops answering is
detected by a watchdog (no reply for ``reply_timeout`` seconds while commands wait) that
drops the connection. The next batch opens a new connection.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import hiredis
from redis._parsers.base import BaseParser
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError


@dataclass(frozen=True)
class Endpoint:
    """How to reach and log in to one server."""

    host: str = "127.0.0.1"
    port: int = 6379
    path: str | None = None  # a unix socket instead of host/port
    tls: ssl.SSLContext | None = None
    username: str | None = None
    password: str | None = None
    db: int = 0
    client_name: str | None = None
    connect_timeout: float = 5.0
    reply_timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: dict[str, Any], **overrides: Any) -> Endpoint:
        """From a redis-py pool's or cluster client's connection settings, so the batch
        connection logs in exactly like the client's own connections."""
        merged = {**settings, **overrides}
        connection_class = merged.get("connection_class")
        tls = None
        if isinstance(connection_class, type) and issubclass(connection_class, SSLConnection):
            tls = _tls_context(merged)
        path = merged.get("path") if connection_class is UnixDomainSocketConnection else None
        return cls(host=merged.get("host") or "127.0.0.1", port=int(merged.get("port") or 6379),
                   path=path, tls=tls, username=merged.get("username"),
                   password=merged.get("password"), db=int(merged.get("db") or 0),
                   client_name=merged.get("client_name"),
                   connect_timeout=float(merged.get("socket_connect_timeout") or 5.0),
                   reply_timeout=float(merged.get("socket_timeout") or 30.0))


def _tls_context(settings: dict[str, Any]) -> ssl.SSLContext:
    """The TLS context redis-py would build for these settings (its own builder)."""
    names = [name for name in settings if name.startswith("ssl_")]
    connection = SSLConnection(**{name: settings[name] for name in names})
    return connection.ssl_context.get()


class _WireProtocol(asyncio.Protocol):
    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.reader = hiredis.Reader(replyError=ResponseError)
        self.waiting: deque[asyncio.Future[Any]] = deque()
        self.transport: asyncio.Transport | None = None
        self.lost: BaseException | None = None
        self.answered = 0
        self._watchdog: asyncio.TimerHandle | None = None
        self._answered_at_check = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        waiting = self.waiting
        while True:
            reply = self.reader.gets()
            if reply is False:
                return
            self.answered += 1
            future = waiting.popleft()
            if future.done():  # its caller was cancelled: the reply is dropped
                continue
            if isinstance(reply, ResponseError):
                future.set_exception(BaseParser.parse_error(str(reply)))  # type: ignore[no-untyped-call]
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        reason = self.lost or exc or RedisConnectionError("the store closed the connection")
        self.lost = reason
        self.transport = None
        if self._watchdog is not None:
            self._watchdog.cancel()
        error = (reason if isinstance(reason, RedisConnectionError | RedisTimeoutError)
                 else RedisConnectionError(f"connection to the store lost: {reason}"))
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_exception(error)

    def write(self, packed: bytes, futures: Sequence[asyncio.Future[Any]]) -> None:
        assert self.transport is not None
        self.waiting.extend(futures)
        self.transport.write(packed)
        if self._watchdog is None:
            self._arm()

    def _arm(self) -> None:
        loop = asyncio.get_running_loop()
        self._answered_at_check = self.answered
        self._watchdog = loop.call_later(self.endpoint.reply_timeout, self._check)

    def _check(self) -> None:
        self._watchdog = None
        if not self.waiting or self.transport is None:
            return
        if self.answered == self._answered_at_check:
            self.lost = RedisTimeoutError(
                f"the store answered nothing for {self.endpoint.reply_timeout:g} s")
            self.transport.abort()  # connection_lost fails every waiting command
            return
        self._arm()


class WireConnection:
    """A connected, logged-in pipelined connection."""

    def __init__(self, protocol: _WireProtocol) -> None:
        self._protocol = protocol

    @classmethod
    async def open(cls, endpoint: Endpoint) -> WireConnection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(endpoint.connect_timeout):
                if endpoint.path:
                    _, protocol = await loop.create_unix_connection(
                        lambda: _WireProtocol(endpoint), endpoint.path)
                else:
                    _, protocol = await loop.create_connection(
                        lambda: _WireProtocol(endpoint), endpoint.host, endpoint.port,
                        ssl=endpoint.tls)
        except (OSError, TimeoutError) as exc:
            where = endpoint.path or f"{endpoint.host}:{endpoint.port}"
            raise RedisConnectionError(f"cannot connect to the store at {where}: {exc}") from exc
        connection = cls(protocol)
        try:
            await connection._log_in()
        except BaseException:
            connection.close()
            raise
        return connection

    async def _log_in(self) -> None:
        endpoint = self._protocol.endpoint
        if endpoint.password is not None:
            credentials = ((endpoint.username, endpoint.password) if endpoint.username
                           else (endpoint.password,))
            await self.execute("AUTH", *credentials)
        if endpoint.db:
            await self.execute("SELECT", endpoint.db)
        if endpoint.client_name:
            await self.execute("CLIENT", "SETNAME", endpoint.client_name)

    @property
    def usable(self) -> bool:
        return self._protocol.transport is not None and self._protocol.lost is None

    def send(self, commands: Sequence[tuple[Any, ...]],
             futures: Sequence[asyncio.Future[Any]]) -> None:
        """Write the commands in one go; each future gets its command's reply or error."""
        if not self.usable:
            error = RedisConnectionError(f"connection to the store lost: {self._protocol.lost}")
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            return
        self._protocol.write(b"".join([hiredis.pack_command(c) for c in commands]), futures)

    async def execute(self, *command: Any) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.send([command], [future])
        return await future

    async def drain(self, timeout: float) -> None:
        """Wait (bounded) for the answers to every command written so far."""
        waiting = list(self._protocol.waiting)
        if waiting:
            await asyncio.wait(waiting, timeout=timeout)

    def close(self) -> None:
        if self._protocol.transport is not None:
            self._protocol.transport.close()
