"""Who is calling the operator API: a console login (an HttpOnly, SameSite=Strict session
cookie plus a CSRF token for every state-changing request) or an API client's bearer
token. Failed logins are limited per (operator, address) and per address (see
``bot/store/operators.py``); passwords are checked off the event loop, a few at a time."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from bot.config.handoff import OperatorAccount
from bot.handoff.passwords import verify_password
from bot.store.operators import LoginLimits, OperatorSessions
from bot.web.types import WebRequest

COOKIE = "omnicanal_op"
#: Logins waiting for a password check beyond this are turned away (503), not queued.
MAX_WAITING_LOGINS = 64


@dataclass(frozen=True, slots=True)
class Caller:
    account: OperatorAccount
    #: The session's CSRF token; None for bearer-token callers (no ambient credentials).
    csrf: str | None
    session_id: str | None = None

    @property
    def supervisor(self) -> bool:
        return self.account.role == "supervisor"


class LoginRefused(Exception):
    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        self.status = status
        self.message = message
        self.retry_after = retry_after
        super().__init__(message)


class OperatorAuth:
    """Every method may raise ``StoreError`` (the store keeps sessions and counters)."""

    def __init__(self, sessions: OperatorSessions, limits: LoginLimits, *,
                 accounts: dict[str, OperatorAccount], session_hours: float,
                 secure_cookie: bool, concurrency: int = 2) -> None:
        self.sessions = sessions
        self.limits = limits
        self.accounts = accounts
        self.session_seconds = int(session_hours * 3600)
        self.secure_cookie = secure_cookie
        self._checks = asyncio.Semaphore(concurrency)
        self._waiting = 0

    async def login(self, operator_id: str, password: str, address: str) -> Caller:
        account = self.accounts.get(operator_id)
        # Unknown ids share one counter per address, so guessing ids cannot fill the store.
        limited_as = account.id if account else "?"
        retry_after = await self.limits.reserve(limited_as, address)
        if retry_after is not None:
            raise LoginRefused(429, "too many failed logins; try again later", retry_after)
        stored = account.password_hash.get_secret_value() if account and account.password_hash \
            else None
        # Verify even for unknown operators, so timing does not tell which ids exist.
        valid = await self._verify(password, stored or _DUMMY_HASH) and stored is not None
        if not valid or account is None:
            raise LoginRefused(401, "wrong operator or password")
        await self.limits.succeeded(limited_as, address)
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        await self.sessions.open(session_id, json.dumps({
            "operator": account.id, "csrf": csrf, "credential": _credential(account)}),
            ttl_seconds=self.session_seconds)
        return Caller(account, csrf, session_id)

    async def _verify(self, password: str, stored: str) -> bool:
        """scrypt in a thread (it would stall every other request for ~50 ms each), at most
        ``concurrency`` at once; a flood beyond what can wait is refused, not queued."""
        if self._waiting >= MAX_WAITING_LOGINS:
            raise LoginRefused(503, "too many logins at once; try again in a moment", 1)
        self._waiting += 1
        try:
            async with self._checks:
                return await asyncio.to_thread(verify_password, password, stored)
        finally:
            self._waiting -= 1

    async def logout(self, caller: Caller) -> None:
        if caller.session_id:
            await self.sessions.close(caller.session_id)

    async def identify(self, request: WebRequest) -> Caller | None:
        header = request.header("authorization") or ""
        if header[:7].lower() == "bearer ":
            return self._bearer(header[7:].lstrip(" "))
        session_id = request.cookies.get(COOKIE)
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.sessions.read(session_id)
        if raw is None:
            return None
        data = json.loads(raw)
        account = self.accounts.get(data.get("operator", ""))
        if account is None:
            return None
        if data.get("credential") != _credential(account):
            # Opened with a password that is no longer the account's (a one-run admin
            # password of an earlier run, a password changed in config.yaml): it ends.
            await self.sessions.close(session_id)
            return None
        return Caller(account, data["csrf"], session_id)

    async def session_alive(self, session_id: str) -> bool:
        return await self.sessions.alive(session_id)

    def _bearer(self, token: str) -> Caller | None:
        """Exactly the configured bytes: nothing stripped or normalised but the one ASCII
        separator, so no Unicode space or empty value can stand for a token."""
        sent = token.encode("utf-8", "surrogatepass")
        if not sent:
            return None
        for account in self.accounts.values():
            if account.token is not None and hmac.compare_digest(
                    account.token.get_secret_value().encode(), sent):
                return Caller(account, None)
        return None

    @staticmethod
    def csrf_ok(caller: Caller, request: WebRequest) -> bool:
        """State-changing requests from a cookie session must echo its CSRF token."""
        if caller.csrf is None:
            return True
        sent = request.header("x-csrf-token") or ""
        return hmac.compare_digest(sent.encode(), caller.csrf.encode())

    def cookie(self, caller: Caller) -> str:
        secure = "; Secure" if self.secure_cookie else ""
        return (f"{COOKIE}={caller.session_id}; HttpOnly; SameSite=Strict; Path=/operator; "
                f"Max-Age={self.session_seconds}{secure}")

    @staticmethod
    def cleared_cookie() -> str:
        return f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/operator; Max-Age=0"


def _credential(account: OperatorAccount) -> str:
    """Which password a session was opened with: a digest of the account's password hash
    (itself salted), so a session ends when the password changes, and the store never
    holds anything a password could be checked against."""
    stored = account.password_hash.get_secret_value() if account.password_hash else ""
    return hashlib.sha256(b"omnicanal-session:" + stored.encode()).hexdigest()[:32]


# A real scrypt hash of a random password, so an unknown operator costs the same time.
_DUMMY_HASH = ("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
