"""Production hardening of the transport's leaf modules (issue 12), over real sockets.

Byte-level faults that ``GrokTestServer`` does not make (a ``\\r\\n`` split between two TCP
writes, a body cut inside a UTF-8 character, a reset after the whole request was read, an HTTP
date in ``Retry-After``) come from :class:`RawServer`, a few dozen lines of socket code below.
"""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from grok_transport import GrokClient, StreamInterruptedError
from grok_transport.sse import SSEDecodeError, SSEDecoder

RESET = object()
"""A scripted answer: read the request whole, then reset the connection without answering."""

Answer = bytes | list[bytes] | object


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 that answers each request with scripted raw bytes.

    An answer is ``bytes`` (sent at once), a list of ``bytes`` (sent as separate TCP writes with
    a pause between them, so the client reads them apart) or :data:`RESET`. Each request is read
    whole (headers and ``Content-Length`` body) before it is answered and counted.
    """

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/v1"

    def close(self) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        self._listener.close()
        self._thread.join(5)

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with conn:
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                while self.answers and self._read_request(conn):
                    answer = self.answers.pop(0)
                    if answer is RESET:
                        conn.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                        )
                        break
                    for i, piece in enumerate(answer if isinstance(answer, list) else [answer]):
                        if i:
                            time.sleep(0.05)  # let the client read the previous write on its own
                        conn.sendall(piece)

    def _read_request(self, conn: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        while len(body) < length:
            body += conn.recv(65536)
        self.requests.append(head + b"\r\n\r\n" + body)
        return True


def http_answer(status: int, body: bytes, *headers: str, content_type: str = "application/json") -> bytes:
    head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def sse_answer(*pieces: bytes) -> list[bytes]:
    """A chunked event-stream answer whose pieces reach the client as separate reads."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
    chunks = [b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces]
    return [head + chunks[0], *chunks[1:], b"0\r\n\r\n"]


def chunk(content: str, finish: str | None = None) -> bytes:
    payload = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "model": "grok-4.3",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(payload, ensure_ascii=False).encode() + b"\n\n"


def events_from(server: RawServer) -> list[tuple[str | None, str]]:
    """Stream the server's answer through httpx and the decoder, read by read."""
    decoder = SSEDecoder()
    events = []
    with httpx.stream("GET", server.url) as response:
        for raw in response.iter_raw():
            events.extend(decoder.feed(raw))
    events.extend(decoder.flush())
    return [(event.event, event.data) for event in events]


# -- 1. SSE: line ends and UTF-8 split between reads ---------------------------------------------


def test_crlf_split_between_two_reads_keeps_event_names_and_multiline_data():
    with RawServer(
        sse_answer(
            b"event: response.output_text.delta\r",
            b'\ndata: {"delta":\r',
            b'\ndata: "hi"}\r\n\r',
            b"\n",
        )
    ) as server:
        events = events_from(server)
    assert events == [("response.output_text.delta", '{"delta":\n"hi"}')]


def test_character_split_between_two_reads_waits_for_its_second_half():
    body = 'data: {"c":"日本"}\n\n'.encode()
    cut = body.index("本".encode()) + 1
    with RawServer(sse_answer(body[:cut], body[cut:])) as server:
        assert events_from(server) == [(None, '{"c":"日本"}')]


def test_stream_cut_inside_a_character_is_a_typed_error_that_keeps_the_text():
    whole = chunk("café")
    cut = whole[: whole.index("é".encode()) + 1]  # the body ends after the first byte of "é"
    with (
        RawServer(sse_answer(chunk("bonjour "), cut)) as server,
        GrokClient(api_key="xai-raw-server-key", base_url=server.url, max_retries=0) as client,
        pytest.raises(StreamInterruptedError) as info,
    ):
        list(client.stream_chat([{"role": "user", "content": "hi"}], model="grok-4.3"))
    assert info.value.text == "bonjour "
    assert "not valid UTF-8" in str(info.value)
    assert len(server.requests) == 1


def test_invalid_utf8_inside_a_stream_is_a_typed_error_not_unicode_decode_error():
    with (
        RawServer(sse_answer(chunk("ok "), b'data: {"bad":"\xff"}\n\n')) as server,
        GrokClient(api_key="xai-raw-server-key", base_url=server.url, max_retries=0) as client,
        pytest.raises(StreamInterruptedError) as info,
    ):
        list(client.stream_chat([{"role": "user", "content": "hi"}], model="grok-4.3"))
    assert info.value.text == "ok "
    assert isinstance(info.value.__cause__, SSEDecodeError)
