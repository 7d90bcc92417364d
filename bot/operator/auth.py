"""Who is calling the operator API: a console login (an HttpOnly, SameSite=Strict session
cookie plus a CSRF token for every state-changing request) or an API client's bearer
token. Failed logins are limited per operator and per address."""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

from redis.asyncio import Redis

from bot.config.handoff import OperatorAccount
from bot.handoff.passwords import verify_password
from bot.store.keys import Keys
from bot.web.types import WebRequest

COOKIE = "omnicanal_op"


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
    def __init__(self, redis: Redis, *, keys: Keys, accounts: dict[str, OperatorAccount],
                 session_hours: float, attempts: int, window_minutes: int,
                 secure_cookie: bool) -> None:
        self.redis = redis
        self.prefix = keys.prefix
        self.accounts = accounts
        self.session_seconds = int(session_hours * 3600)
        self.attempts = attempts
        self.window = window_minutes * 60
        self.secure_cookie = secure_cookie

    def _key(self, name: str) -> str:
        return f"{self.prefix}:operator:{name}"

    async def login(self, operator_id: str, password: str, remote: str | None) -> Caller:
        limits = [self._key(f"fail:{operator_id}"), self._key(f"failip:{remote or '?'}")]
        # One GET per key, not MGET: on a Redis Cluster they live in different slots.
        async with self.redis.pipeline(transaction=False) as pipe:
            for key in limits:
                pipe.get(key)
            counts = await pipe.execute()
        if any(int(c or 0) >= self.attempts for c in counts):
            ttl = max([int(await self.redis.ttl(k)) for k in limits] + [1])
            raise LoginRefused(429, "too many failed logins; try again later", retry_after=ttl)
        account = self.accounts.get(operator_id)
        stored = account.password_hash.get_secret_value() if account and account.password_hash \
            else None
        # Verify even for unknown operators, so timing does not tell which ids exist.
        valid = verify_password(password, stored or _DUMMY_HASH) and stored is not None
        if not valid or account is None:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in limits:
                    pipe.incr(key)
                    pipe.expire(key, self.window, nx=True)
                await pipe.execute()
            raise LoginRefused(401, "wrong operator or password")
        await self.redis.delete(limits[0])
        session_id, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        await self.redis.set(self._key(f"session:{session_id}"),
                             json.dumps({"operator": account.id, "csrf": csrf}),
                             ex=self.session_seconds)
        return Caller(account, csrf, session_id)

    async def logout(self, caller: Caller) -> None:
        if caller.session_id:
            await self.redis.delete(self._key(f"session:{caller.session_id}"))

    async def identify(self, request: WebRequest) -> Caller | None:
        header = request.header("authorization") or ""
        if header.lower().startswith("bearer "):
            return self._bearer(header[7:].strip())
        session_id = request.cookies.get(COOKIE)
        if not session_id or len(session_id) > 100:
            return None
        raw = await self.redis.get(self._key(f"session:{session_id}"))
        if raw is None:
            return None
        data = json.loads(raw)
        account = self.accounts.get(data.get("operator", ""))
        return Caller(account, data["csrf"], session_id) if account else None

    def _bearer(self, token: str) -> Caller | None:
        for account in self.accounts.values():
            if account.token is not None and hmac.compare_digest(
                    account.token.get_secret_value().encode(), token.encode()):
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


# A real scrypt hash of a random password, so an unknown operator costs the same time.
_DUMMY_HASH = ("scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$"
               "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
