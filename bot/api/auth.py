"""Who calls the business API: a bearer token from config.yaml (``api.tokens``), compared
in constant time with every configured token (so timing tells neither whether a token
exists nor which), and what it may do (its scopes). Tokens are never logged: nothing here
logs, and the server keeps no access log."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Sequence

from bot.api.responses import problem
from bot.config.reaching import ApiToken, Scope
from bot.web.types import WebRequest, WebResponse


class ApiAuth:
    def __init__(self, tokens: Sequence[ApiToken]) -> None:
        self.tokens = [(t, t.token.get_secret_value().encode()) for t in tokens]

    def caller(self, request: WebRequest) -> ApiToken | None:
        header = request.header("authorization") or ""
        if header[:7].lower() != "bearer ":
            return None
        sent = header[7:].lstrip(" ").encode("utf-8", "surrogatepass")
        found = None
        for token, secret in self.tokens:  # every one compared, whichever matches
            if hmac.compare_digest(secret, sent) and sent:
                found = token
        return found

    def refusal(self, request: WebRequest, scope: Scope) -> tuple[ApiToken | None,
                                                                   WebResponse | None]:
        """The caller, or the answer that refuses them: 401 without a valid token, 403
        when the token lacks ``scope``."""
        caller = self.caller(request)
        if caller is None:
            return None, problem(401, "unauthorized", "send 'Authorization: Bearer <token>' "
                                 "with a token from api.tokens in config.yaml",
                                 headers={"WWW-Authenticate": 'Bearer realm="omnicanal"'})
        if scope not in caller.scopes:
            return None, problem(403, "forbidden", f"this token lacks the scope {scope!r}; "
                                 f"add it to api.tokens[{caller.id}].scopes")
        return caller, None



#: A handler given the caller's token id.
CallerHandler = Callable[[WebRequest, str], Awaitable[WebResponse]]


def guarded(auth: ApiAuth, scope: Scope,
            handler: CallerHandler) -> Callable[[WebRequest], Awaitable[WebResponse]]:
    """``handler`` behind a token with ``scope`` (401/403 otherwise)."""
    async def guard(request: WebRequest) -> WebResponse:
        caller, refused = auth.refusal(request, scope)
        if refused is not None or caller is None:
            return refused or problem(401, "unauthorized", "no token")
        return await handler(request, caller.id)

    return guard
