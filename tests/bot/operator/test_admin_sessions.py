"""A console session opened with the one-run admin password ends when that password
changes (the next run makes a new one), and with it any session of a changed password."""

from __future__ import annotations

from typing import Any

from bot.runtime import Runtime
from tests.bot.operator.console import Console


async def test_a_session_of_last_runs_admin_password_ends_with_the_new_run(
    make_settings: Any,
) -> None:
    settings = make_settings(server={"port": 0})
    async with Runtime(settings) as first:
        console = Console(first)
        password = first.generated_admin_password
        assert password is not None
        assert (await console.login("admin", password)).status == 200
        assert (await console.get("/me"))[0] == 200
    try:
        async with Runtime(settings) as second:  # same store: the session key is still there
            assert second.generated_admin_password not in (None, password)
            assert second.server is not None
            console.base = second.server.url  # the same browser, its cookie kept
            status, body = await console.get("/me")
            assert status == 401, body
            fresh = second.generated_admin_password
            assert fresh is not None
            assert (await console.login("admin", fresh)).status == 200
            assert (await console.get("/me"))[0] == 200
    finally:
        await console.close()
