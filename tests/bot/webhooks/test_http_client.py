"""The deliverer's HTTP client over real TCP (and TLS) on 127.0.0.1, against servers that
answer byte by byte what the test says (``tests/fakes/raw_http.py``)."""

from __future__ import annotations

import asyncio
import ssl

import pytest
import trustme

from bot.errors import EndpointError
from bot.webhooks.http_client import WebhookClient
from bot.webhooks.http_connection import BODY_LIMIT
from tests.fakes.raw_http import NO_CONTENT, Answer, RawHttpServer, Received

BODY = b'{"id":"evt_1","type":"message.received"}'
HEADERS = {"Content-Type": "application/json", "Omnicanal-Event-Id": "evt_1"}


async def post(client: WebhookClient, url: str, timeout: float = 10) -> int:
    return await client.post(url, BODY, HEADERS, timeout=timeout)


async def test_requests_go_over_one_kept_alive_connection_as_sent() -> None:
    async with RawHttpServer() as server, WebhookClient() as client:
        for _ in range(5):
            assert await post(client, server.url("/events?s=crm")) == 204
        assert server.connections == 1 == client.connections_opened
        assert [r.nth for r in server.received] == [1, 2, 3, 4, 5]
        first = server.received[0]
        assert first.head.startswith(b"POST /events?s=crm HTTP/1.1\r\n")
        assert first.header("Host") == f"127.0.0.1:{server.port}"
        assert first.header("Content-Length") == str(len(BODY))
        assert first.header("Omnicanal-Event-Id") == "evt_1"
        assert first.header("User-Agent") == "Omnicanal-Webhooks/1"
        assert first.body == BODY


async def test_credentials_in_the_url_go_as_basic_authentication() -> None:
    async with RawHttpServer() as server, WebhookClient() as client:
        url = server.url().replace("://", "://crm:s%40cret@")
        assert await post(client, url) == 204
        assert server.received[0].header("Authorization") == "Basic Y3JtOnNAY3JldA=="


async def test_a_connection_the_server_closed_while_idle_is_replaced_once() -> None:
    async def closing_on_the_second(request: Received) -> Answer | None:
        # The first connection's second request meets a server that has dropped it (as
        # an idle timeout does, racing the request): not a byte of answer.
        return None if (request.connection, request.nth) == (1, 2) else Answer([NO_CONTENT])

    async with RawHttpServer(closing_on_the_second) as server, WebhookClient() as client:
        assert await post(client, server.url()) == 204
        assert await post(client, server.url()) == 204
        assert [(r.connection, r.nth) for r in server.received] == [(1, 1), (1, 2), (2, 1)]


async def test_a_new_connection_closed_before_any_answer_fails_without_a_retry() -> None:
    async def never(request: Received) -> Answer | None:
        return None

    async with RawHttpServer(never) as server, WebhookClient() as client:
        with pytest.raises(EndpointError, match="closed the connection before answering"):
            await post(client, server.url())
        assert len(server.received) == 1  # sent once: the deliverer's backoff retries


async def test_a_kept_alive_connection_closed_mid_answer_fails_without_a_retry() -> None:
    async def cut_on_the_second(request: Received) -> Answer | None:
        if request.nth == 2:  # it had begun answering: the request may have been handled
            return Answer([b"HTTP/1.1 20"], keep=False)
        return Answer([NO_CONTENT])

    async with RawHttpServer(cut_on_the_second) as server, WebhookClient() as client:
        assert await post(client, server.url()) == 204
        with pytest.raises(EndpointError, match="mid-answer"):
            await post(client, server.url())
        assert len(server.received) == 2


async def test_chunked_answers_split_across_writes_keep_the_connection() -> None:
    async def chunked(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n",
                       b"Content-Type: text/plain\r\n\r\n5\r\nhel", b"lo\r\n",
                       b"6\r\n world\r\n0\r\n", b"\r\n"])

    async with RawHttpServer(chunked) as server, WebhookClient() as client:
        for _ in range(3):
            assert await post(client, server.url()) == 200
        assert server.connections == 1


async def test_a_length_answer_in_pieces_then_the_next_request_on_it() -> None:
    async def lengthy(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 202 Accepted\r\nContent-Length: 11\r\n\r\nhello", b" world"])

    async with RawHttpServer(lengthy) as server, WebhookClient() as client:
        assert [await post(client, server.url()) for _ in range(3)] == [202, 202, 202]
        assert server.connections == 1


async def test_an_interim_answer_is_passed_over() -> None:
    async def continuing(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 100 Continue\r\n\r\n", NO_CONTENT])

    async with RawHttpServer(continuing) as server, WebhookClient() as client:
        assert [await post(client, server.url()) for _ in range(2)] == [204, 204]
        assert server.connections == 1


async def test_connection_close_and_an_answer_until_the_close_open_a_new_one() -> None:
    answers = iter([
        Answer([b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"]),
        Answer([b"HTTP/1.1 200 OK\r\n\r\nthe body runs until the close"], keep=False),
        Answer([b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"]),  # 1.0: no keep-alive
        Answer([NO_CONTENT]),
    ])

    async def next_answer(request: Received) -> Answer | None:
        return next(answers)

    async with RawHttpServer(next_answer) as server, WebhookClient() as client:
        assert [await post(client, server.url()) for _ in range(4)] == [200, 200, 200, 204]
        assert server.connections == 4


async def test_a_large_answer_body_is_not_read_to_its_end() -> None:
    size = BODY_LIMIT * 4
    async def large(request: Received) -> Answer | None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
        return Answer([head, b"x" * BODY_LIMIT, b"x" * BODY_LIMIT, b"x" * (2 * BODY_LIMIT)])

    async with RawHttpServer(large) as server, WebhookClient() as client:
        assert await post(client, server.url()) == 200
        assert await post(client, server.url()) == 200
        assert server.connections == 2  # the first was closed, not read to its end


async def test_a_garbled_answer_fails_the_request() -> None:
    async def garbled(request: Received) -> Answer | None:
        return Answer([b"SMTP ready\r\n\r\n"])

    async with RawHttpServer(garbled) as server, WebhookClient() as client:
        with pytest.raises(EndpointError, match=r"not valid HTTP/1\.1"):
            await post(client, server.url())


async def test_a_redirect_is_the_answer_not_followed() -> None:
    async def moved(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 307 Temporary Redirect\r\nLocation: /elsewhere\r\n"
                       b"Content-Length: 0\r\n\r\n"])

    async with RawHttpServer(moved) as server, WebhookClient() as client:
        assert await post(client, server.url()) == 307
        assert len(server.received) == 1


async def test_a_server_that_does_not_answer_in_time_times_out_and_is_left() -> None:
    hung = asyncio.Event()

    async def hang(request: Received) -> Answer | None:
        if request.connection == 1:
            hung.set()
            await asyncio.Event().wait()
        return Answer([NO_CONTENT])

    async with RawHttpServer(hang) as server, WebhookClient() as client:
        with pytest.raises(TimeoutError):
            await post(client, server.url(), timeout=0.2)
        assert hung.is_set()
        assert await post(client, server.url()) == 204  # on a new connection
        assert server.connections == 2


async def test_a_refused_connection_is_an_endpoint_error() -> None:
    async with RawHttpServer() as server:
        url = server.url()
    async with WebhookClient() as client:
        with pytest.raises(EndpointError, match="could not connect"):
            await post(client, url)


async def test_a_url_that_cannot_be_posted_to_is_an_endpoint_error() -> None:
    async with WebhookClient() as client:
        with pytest.raises(EndpointError, match="fix the subscription's url"):
            await post(client, "http://:99/events")


def tls_server(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(context)
    return context


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


async def test_https_with_a_trusted_ca_is_verified_and_kept_alive() -> None:
    ca = trustme.CA()
    async with RawHttpServer(ssl_context=tls_server(ca)) as server, \
            WebhookClient(ssl_context=trusting(ca)) as client:
        for _ in range(3):
            assert await post(client, server.url(host="localhost")) == 204
        assert server.connections == 1
        assert server.received[0].header("Host") == f"localhost:{server.port}"


async def test_https_refuses_an_unknown_ca_and_a_certificate_for_another_host() -> None:
    ca = trustme.CA()
    async with RawHttpServer(ssl_context=tls_server(ca)) as server:
        async with WebhookClient() as client:  # the system's CAs: not this one
            with pytest.raises(EndpointError, match=r"certificate .* was refused"):
                await post(client, server.url(host="localhost"))
        async with WebhookClient(ssl_context=trusting(ca)) as client:
            with pytest.raises(EndpointError, match=r"certificate .* was refused"):
                await post(client, server.url(host="127.0.0.1"))  # issued for localhost
        assert server.received == []


async def test_a_server_error_is_the_answer_and_the_connection_stays() -> None:
    statuses = iter([b"500 Internal Server Error", b"204 No Content"])

    async def failing_once(request: Received) -> Answer | None:
        return Answer([b"HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n" % next(statuses)])

    async with RawHttpServer(failing_once) as server, WebhookClient() as client:
        assert [await post(client, server.url()) for _ in range(2)] == [500, 204]
        assert server.connections == 1


async def test_idle_connections_are_kept_up_to_max_idle_and_not_past_idle_seconds() -> None:
    async with RawHttpServer() as server:
        async with WebhookClient(max_idle=1) as client:
            await asyncio.gather(post(client, server.url()), post(client, server.url()))
            await asyncio.gather(post(client, server.url()), post(client, server.url()))
            assert client.connections_opened == 3  # two, then one kept and one new
        async with WebhookClient(idle_seconds=0) as client:
            for _ in range(2):
                await post(client, server.url())
            assert client.connections_opened == 2
