"""The one call layer under faults: one retry loop, typed errors, deadlines, pools closed per loop.

Byte-level faults (a trickling body, HTML where a stream belongs, a body cut inside a UTF-8
character, JSON of the wrong shape) come from a raw socket server in this file; everything else
from the local Grok server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from grok_transport import (
    APIConnectionError,
    APITimeoutError,
    AsyncGrokClient,
    GrokClient,
    ServerError,
    StreamInterruptedError,
    UnexpectedResponseError,
)
from grok_transport.testing import GrokTestServer, Reply

HI = [{"role": "user", "content": "hi"}]


def _client(server: GrokTestServer, **kwargs: object) -> GrokClient:
    return GrokClient(base_url=server.base_url, api_key=server.api_key, **kwargs)


def _aclient(server: GrokTestServer, **kwargs: object) -> AsyncGrokClient:
    return AsyncGrokClient(base_url=server.base_url, api_key=server.api_key, **kwargs)


def _failures() -> list[Reply]:
    return [Reply.error(503), Reply.error(503), Reply.error_in_body(), Reply.error_in_body()]


# -- one retry loop: max_retries=N is at most N+1 requests, whatever fails --------------------


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("use_responses_api", [False, True])
def test_max_retries_bounds_the_requests_whatever_mix_of_failures(grok_server, stream, use_responses_api):
    grok_server.enqueue(*_failures())
    client = _client(grok_server, max_retries=2)
    with pytest.raises(ServerError, match="Timed out waiting for first token"):
        if stream:
            list(client.stream_chat(HI, model="grok-4.3", use_responses_api=use_responses_api))
        else:
            client.chat(HI, model="grok-4.3", use_responses_api=use_responses_api)
    assert len(grok_server.requests) == 3


@pytest.mark.parametrize("stream", [False, True])
async def test_max_retries_bounds_the_requests_async(grok_server, stream):
    grok_server.enqueue(*_failures())
    client = _aclient(grok_server, max_retries=2)
    with pytest.raises(ServerError):
        if stream:
            [d async for d in await client.stream_chat(HI, model="grok-4.3")]
        else:
            await client.chat(HI, model="grok-4.3")
    assert len(grok_server.requests) == 3


def test_an_error_event_before_the_first_delta_is_retried_and_the_answer_arrives(grok_server):
    grok_server.enqueue(Reply.error_in_body(), Reply.text(["fine ", "now"]))
    with _client(grok_server).stream_chat(HI, model="grok-4.3") as stream:
        assert "".join(d.text for d in stream if d.kind == "text") == "fine now"
    assert len(grok_server.requests) == 2


def test_an_error_event_after_text_keeps_the_text_and_is_not_retried(grok_server):
    grok_server.enqueue(Reply.error_in_body(after=2))
    with pytest.raises(ServerError, match="Timed out") as info:
        list(_client(grok_server).stream_chat(HI, model="grok-4.3"))
    assert info.value.partial is not None and info.value.partial.reasoning  # what had streamed
    assert len(grok_server.requests) == 1


# -- pools: one per event loop, closed when the loop shuts down -------------------------------


def _open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_descriptors_stay_flat_across_asyncio_run_calls(grok_server):
    client = _aclient(grok_server)
    asyncio.run(client.chat(HI, model="grok-4.3"))
    before = _open_descriptors()
    for _ in range(100):
        asyncio.run(client.chat(HI, model="grok-4.3"))
    assert _open_descriptors() <= before + 2
    assert not client._pools


# -- byte-level faults from a raw socket server -----------------------------------------------


@pytest.fixture
def raw_server() -> Iterator[Callable[[Callable[[socket.socket], None]], str]]:
    """Start a one-thread server whose handler writes whatever bytes a test wants."""
    servers: list[socket.socket] = []

    def start(handler: Callable[[socket.socket], None]) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        servers.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    with contextlib.suppress(OSError):
                        handler(conn)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}/v1"

    yield start
    for listener in servers:
        listener.close()


def _answer(
    conn: socket.socket, body: bytes, content_type: str = "application/json", length: int = 0
) -> None:
    head = (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {length or len(body)}\r\nConnection: close\r\n\r\n"
    )
    conn.sendall(head.encode() + body)


def test_timeout_bounds_a_whole_trickling_answer(raw_server):
    def trickle(conn: socket.socket) -> None:
        body = b'{"choices": [{"message": {"content": "' + b"x" * 200 + b'"}}]}'
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for byte in body:
            conn.sendall(bytes([byte]))
            threading.Event().wait(0.1)

    url = raw_server(trickle)
    client = GrokClient(base_url=url, api_key="k" * 20, timeout=1.0, max_retries=0)
    with pytest.raises(APITimeoutError, match="within 1 s"):
        client.chat(HI, model="grok-4.3")


def test_an_html_page_where_a_stream_belongs_is_named(raw_server):
    url = raw_server(lambda conn: _answer(conn, b"<html>Sign in to the Wi-Fi</html>", "text/html"))
    client = GrokClient(base_url=url, api_key="k" * 20, max_retries=0)
    with pytest.raises(UnexpectedResponseError, match="expected an event stream, got text/html"):
        client.stream_chat(HI, model="grok-4.3")


@pytest.mark.parametrize(
    "body",
    [
        b"null",
        b"[]",
        b'{"choices": [null]}',
        b'{"choices": [], "usage": "x"}',
        b'{"choices": [{"message": {"content": 5}}]}',
    ],
)
def test_json_of_the_wrong_shape_is_a_typed_error(raw_server, body):
    url = raw_server(lambda conn: _answer(conn, body))
    with pytest.raises(UnexpectedResponseError, match="wrong shape"):
        GrokClient(base_url=url, api_key="k" * 20, max_retries=0).chat(HI, model="grok-4.3")


@pytest.mark.parametrize("delta", [b'"x"', b'{"content": 5}'])
def test_a_chunk_of_the_wrong_shape_keeps_the_text_so_far(raw_server, delta):
    good = b'data: {"id":"a","choices":[{"index":0,"delta":{"content":"kept "}}]}\n\n'
    bad = b'data: {"id":"a","choices":[{"index":0,"delta":' + delta + b"}]}\n\n"
    url = raw_server(lambda conn: _answer(conn, good + bad, "text/event-stream"))
    client = GrokClient(base_url=url, api_key="k" * 20, max_retries=0)
    with pytest.raises(UnexpectedResponseError, match="wrong shape") as info:
        list(client.stream_chat(HI, model="grok-4.3"))
    assert info.value.partial.text == "kept "


def test_a_stream_cut_inside_a_utf8_character_raises_with_the_text_so_far(raw_server):
    good = 'data: {"id":"a","choices":[{"index":0,"delta":{"content":"olá "}}]}\n\n'.encode()
    cut = 'data: {"id":"a","choices":[{"index":0,"delta":{"content":"ça'.encode()[:-1]
    url = raw_server(lambda conn: _answer(conn, good + cut, "text/event-stream", length=len(good + cut) + 40))
    stream = GrokClient(base_url=url, api_key="k" * 20, max_retries=0).stream_chat(HI, model="grok-4.3")
    with pytest.raises(StreamInterruptedError) as info:
        list(stream)
    assert info.value.text == "olá "


def test_a_whole_body_cut_inside_a_utf8_character_is_a_typed_error(raw_server):
    body = '{"choices": [{"message": {"content": "ça"}}]}'.encode()
    url = raw_server(lambda conn: _answer(conn, body[:-24], length=len(body)))
    with pytest.raises((ServerError, APIConnectionError)):
        GrokClient(base_url=url, api_key="k" * 20, max_retries=0).chat(HI, model="grok-4.3")


# -- what bounds a stream: the first byte and every silence, not the whole stream --------------


def test_a_stream_whose_first_byte_never_comes_times_out(grok_server):
    grok_server.enqueue(Reply.text("late", first_byte_delay=3))
    client = _client(grok_server, timeout=0.5, max_retries=0)
    with pytest.raises(APITimeoutError):
        client.stream_chat(HI, model="grok-4.3")


def test_a_stream_that_falls_silent_raises_with_the_text_so_far(grok_server):
    grok_server.enqueue(Reply.text(["one ", "two ", "three"], chunk_delay=1.5))
    client = _client(grok_server, timeout=0.5, max_retries=0)
    with pytest.raises(StreamInterruptedError, match="fell silent for longer than the timeout") as info:
        list(client.stream_chat(HI, model="grok-4.3"))
    assert info.value.text == "one "


def test_a_long_stream_with_short_silences_is_not_cut_by_the_timeout(grok_server):
    # 1.5 s of stream under a 1 s timeout, with 0.9 s to spare per silence on a busy machine
    grok_server.enqueue(Reply.text([f"{i} " for i in range(15)], chunk_delay=0.1))
    client = _client(grok_server, timeout=1.0, max_retries=0)
    with client.stream_chat(HI, model="grok-4.3") as stream:
        assert "".join(d.text for d in stream if d.kind == "text") == "".join(f"{i} " for i in range(15))
