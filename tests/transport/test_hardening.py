"""Production hardening of the transport's leaf modules (issue 12), over real sockets.

Byte-level faults that ``GrokTestServer`` does not make (a ``\\r\\n`` split between two TCP
writes, a body cut inside a UTF-8 character, a reset after the whole request was read, an HTTP
date in ``Retry-After``) come from :class:`RawServer`, a few dozen lines of socket code below.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import re
import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from pydantic import SecretStr

import grok_transport
from grok_transport import (
    PROVIDERS,
    Answer,
    APIConnectionError,
    APITimeoutError,
    AsyncGrokClient,
    Connection,
    ContextLengthExceededError,
    GrokClient,
    GrokError,
    InvalidAPIKeyError,
    InvalidMessageError,
    InvalidParameterError,
    InvalidToolError,
    MissingAPIKeyError,
    PromptTooLongError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    resolve_connection,
)
from grok_transport._errors import error_from_response, error_from_transport
from grok_transport._ratelimit import SlidingWindowLimiter
from grok_transport._retry import RetryPolicy
from grok_transport._sse import SSEDecodeError, SSEDecoder
from grok_transport._validate import MAX_CHARS_PER_TOKEN, check_messages, check_tools
from grok_transport.testing import Reply

RESET = object()
"""A scripted answer: read the request whole, then reset the connection without answering."""

Scripted = bytes | list[bytes] | object


class RawServer:
    """An HTTP/1.1 server on 127.0.0.1 that answers each request with scripted raw bytes.

    An answer is ``bytes`` (sent at once), a list of ``bytes`` (sent as separate TCP writes with
    a pause between them, so the client reads them apart) or :data:`RESET`. Each request is read
    whole (headers and ``Content-Length`` body) before it is answered and counted.
    """

    def __init__(self, *answers: Scripted) -> None:
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
                    try:
                        for i, piece in enumerate(answer if isinstance(answer, list) else [answer]):
                            if i:
                                time.sleep(0.05)  # let the client read the previous write on its own
                            conn.sendall(piece)
                    except OSError:  # the client hung up first
                        break

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
        GrokClient(api_key="raw-server-test-key", base_url=server.url, max_retries=0) as client,
        pytest.raises(StreamInterruptedError) as info,
    ):
        list(client.stream_chat([{"role": "user", "content": "hi"}], model="grok-4.3"))
    assert info.value.text == "bonjour "
    assert "not valid UTF-8" in str(info.value)
    assert len(server.requests) == 1


def test_invalid_utf8_inside_a_stream_is_a_typed_error_not_unicode_decode_error():
    with (
        RawServer(sse_answer(chunk("ok "), b'data: {"bad":"\xff"}\n\n')) as server,
        GrokClient(api_key="raw-server-test-key", base_url=server.url, max_retries=0) as client,
        pytest.raises(StreamInterruptedError) as info,
    ):
        list(client.stream_chat([{"role": "user", "content": "hi"}], model="grok-4.3"))
    assert info.value.text == "ok "
    assert isinstance(info.value.__cause__, SSEDecodeError)


# -- 3. the key never rides along in an error ----------------------------------------------------


def _strings(value):
    """Every string an error carries, nested ones included, as one text to search."""
    return json.dumps(value, default=repr)


def test_an_error_body_echoing_the_key_is_redacted_everywhere_even_pickled(grok_server):
    key = grok_server.api_key
    echo = {
        "code": f"bad-key-{key}",
        "error": f"Incorrect API key provided: {key}",
        "seen": {"auth": [f"Bearer {key}"]},
    }
    grok_server.enqueue(Reply.error(400, body=json.dumps(echo)))
    with GrokClient(api_key=key, base_url=grok_server.base_url) as client, pytest.raises(GrokError) as info:
        client.chat([{"role": "user", "content": "hi"}], model="grok-4.3")
    error = info.value
    carried = _strings([str(error), repr(error), error.args, error.__dict__])
    assert key not in carried
    assert error.body == {
        "code": "bad-key-***",
        "error": "Incorrect API key provided: ***",
        "seen": {"auth": ["Bearer ***"]},
    }
    assert key.encode() not in pickle.dumps(error)
    assert len(grok_server.requests) == 1


def test_a_short_key_is_not_scrubbed_out_of_ordinary_words(grok_server_factory):
    server = grok_server_factory("xai", api_keys=["k"])
    server.enqueue(Reply.error(500, "talking to the kitchen failed"))
    with (
        GrokClient(api_key="k", base_url=server.base_url, max_retries=0) as client,
        pytest.raises(ServerError) as info,
    ):
        client.chat([{"role": "user", "content": "hi"}], model="grok-4.3")
    assert info.value.message == "talking to the kitchen failed"


def _every_error_class():
    return [getattr(grok_transport, name) for name in grok_transport.__all__ if name.endswith("Error")]


_OWN_KEYWORDS = {  # errors whose constructor asks for their own fields
    "VideoGenerationError": {"status": "failed", "request_id": "vid-1", "body": {"error": "went wrong"}},
    "JobTimeoutError": {"job_id": "batch-1", "last_status": {"state": "running"}},
    "BatchItemError": {"index": 3, "batch_request_id": "3", "body": {"error": "went wrong"}},
    "BatchSubmitError": {"batch_id": "batch-1", "submitted": 100},
    "DeferredResultNotFoundError": {"deferred_id": "req-1", "status_code": 404, "request_id": "r-1"},
    "DeferredResultLostError": {"deferred_id": "req-1", "request_id": "r-1"},
    "DocumentIndexingError": {"collection_id": "collection_1", "file_id": "file_1", "body": {"error": "bad"}},
}


@pytest.mark.parametrize("cls", _every_error_class(), ids=lambda cls: cls.__name__)
def test_every_error_pickles_with_all_its_attributes(cls):
    common = {"status_code": 503, "code": "unavailable", "body": {"error": "went wrong"}, "request_id": "r-1"}
    error = cls("went wrong", **_OWN_KEYWORDS.get(cls.__name__, common))
    error.partial = Answer(id="x", model="m", text="half an answer")
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert copy.__dict__ == error.__dict__
    assert (str(copy), copy.args, copy.retryable) == (str(error), error.args, error.retryable)


def test_a_rate_limit_and_a_stream_error_keep_their_own_fields_through_pickle(grok_server):
    grok_server.enqueue(Reply.error(429, retry_after=120), Reply.text("half an answer", cut_after=2))
    with GrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
        with pytest.raises(RateLimitError) as limited:
            client.chat([{"role": "user", "content": "hi"}], model="grok-4.3")
        with pytest.raises(StreamInterruptedError) as cut:
            list(client.stream_chat([{"role": "user", "content": "hi"}], model="grok-4.3"))
    assert pickle.loads(pickle.dumps(limited.value)).retry_after == 120
    restored = pickle.loads(pickle.dumps(cut.value))
    assert restored.text == cut.value.text == "half an"
    assert restored.request_sent is True


# -- 2. Retry-After as an HTTP date; no replay of a request that changes state --------------------

COMPLETION = json.dumps(
    {
        "id": "c1",
        "object": "chat.completion",
        "model": "grok-4.3",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "done"}, "finish_reason": "stop"}
        ],
    }
).encode()


def _in(seconds: float) -> str:
    return format_datetime(datetime.now(timezone.utc) + timedelta(seconds=seconds), usegmt=True)


def test_retry_after_as_an_http_date_beyond_the_cap_is_raised_not_retried_early():
    limited = http_answer(429, b'{"code":"x","error":"slow down"}', f"Retry-After: {_in(600)}")
    with (
        RawServer(limited, limited, limited) as server,
        GrokClient(api_key="raw-server-test-key", base_url=server.url, max_retries=2) as client,
        pytest.raises(RateLimitError) as info,
    ):
        client.chat([{"role": "user", "content": "hi"}], model="grok-4.3")
    assert 590 < info.value.retry_after <= 600
    assert len(server.requests) == 1  # not retried after 0.4 s only to earn another 429


def test_retry_after_as_an_http_date_within_the_cap_is_the_delay():
    error = error_from_response(429, b'{"error":"slow down"}', {"retry-after": _in(30)})
    assert 25 < RetryPolicy().delay(error, 1) <= 30
    assert RetryPolicy().delay(error, 1, idempotent=False) == error.retry_after


def _transport_error(send: Callable[[httpx.Client], object], secret: str | None = None) -> GrokError:
    with httpx.Client(timeout=2) as http, pytest.raises(httpx.HTTPError) as info:
        send(http)
    return error_from_transport(info.value, "http://where/v1/x", secret=secret)


def test_a_reset_after_the_request_was_read_is_not_replayed_for_a_request_that_changes_state():
    with RawServer(RESET) as server:
        error = _transport_error(
            lambda http: http.post(server.url + "/keys/generate", json={"user_identifier": "me"})
        )
    assert len(server.requests) == 1  # the server read the whole request before the reset
    assert isinstance(error, APIConnectionError) and error.request_sent
    assert RetryPolicy().delay(error, 1) is not None  # chat may go again
    assert RetryPolicy().delay(error, 1, idempotent=False) is None  # a second key may not


def test_a_refused_connection_is_retried_even_for_a_request_that_changes_state():
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    error = _transport_error(lambda http: http.post(f"http://127.0.0.1:{port}/v1/keys/delete", json={}))
    assert isinstance(error, APIConnectionError) and not error.request_sent
    assert RetryPolicy().delay(error, 1, idempotent=False) is not None


def test_a_pool_timeout_means_nothing_was_sent():
    with RawServer(sse_answer(b"data: 1\n\n", b"data: 2\n\n")) as server:
        limits = httpx.Limits(max_connections=1)
        with (
            httpx.Client(limits=limits, timeout=httpx.Timeout(5, pool=0.05)) as http,
            http.stream("GET", server.url),
            pytest.raises(httpx.PoolTimeout) as info,
        ):
            http.get(server.url)
        error = error_from_transport(info.value, server.url, secret=None)
    assert isinstance(error, APITimeoutError) and not error.request_sent
    assert len(server.requests) == 1
    assert RetryPolicy().delay(error, 1, idempotent=False) is not None


def test_an_illegal_header_is_neither_retried_nor_quoted_with_the_key():
    key = "fake-" + "s3cr3t" * 4
    with RawServer() as server:
        error = _transport_error(
            lambda http: http.get(server.url, headers={"Authorization": f"Bearer {key}\n"}), key
        )
    assert key not in str(error) and "Illegal header value" in str(error)
    assert error.retryable is False and error.request_sent is False
    assert server.requests == []


@pytest.mark.parametrize(
    ("status", "retried"), [(408, True), (429, True), (503, True), (500, False), (502, False)]
)
def test_a_request_that_changes_state_is_retried_only_on_statuses_that_say_it_was_not_handled(
    status, retried
):
    error = error_from_response(status, b'{"error":"nope"}')
    assert RetryPolicy().delay(error, 1) is not None
    assert (RetryPolicy().delay(error, 1, idempotent=False) is not None) is retried


# -- 4. key hygiene at construction -------------------------------------------------------------


def test_a_key_read_from_a_file_with_its_trailing_newline_works(grok_server, tmp_path):
    (tmp_path / "key").write_text(grok_server.api_key + "\n")
    key = (tmp_path / "key").read_text()
    with GrokClient(api_key=key, base_url=grok_server.base_url) as client:
        answer = client.chat([{"role": "user", "content": "hi"}], model="grok-4.3")
    assert answer.text
    assert len(grok_server.requests) == 1


def test_a_key_with_a_trailing_newline_in_the_environment_works(grok_server, monkeypatch):
    monkeypatch.setenv("GROK_API_KEY", f"  {grok_server.api_key}\r\n")
    with GrokClient(base_url=grok_server.base_url) as client:
        assert client.chat([{"role": "user", "content": "hi"}], model="grok-4.3").text
    assert len(grok_server.requests) == 1


@pytest.mark.parametrize(
    "inner", ["\n", " ", "\t", "\x00", "\u201d"], ids=["newline", "space", "tab", "nul", "quote"]
)
def test_a_key_with_inner_whitespace_or_control_characters_is_refused_before_any_request(grok_server, inner):
    key = grok_server.api_key
    broken = key[:8] + inner + key[8:]
    with pytest.raises(InvalidAPIKeyError) as info:
        GrokClient(api_key=broken, base_url=grok_server.base_url)
    shown = _strings([str(info.value), repr(info.value), info.value.__dict__])
    assert key[:8] not in shown and key[8:] not in shown
    assert "position 8" in str(info.value) and "api_key" in str(info.value)
    assert grok_server.requests == []


def test_a_broken_key_in_the_environment_is_named_by_its_variable(monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", "fake-abc\ndef-ghi")
    with pytest.raises(InvalidAPIKeyError, match="XAI_API_KEY contains whitespace"):
        resolve_connection()


@pytest.mark.parametrize("blank", ["", "  ", "\n"])
def test_a_blank_key_fails_like_a_missing_one_even_with_a_key_in_the_environment(blank, monkeypatch):
    monkeypatch.setenv("XAI_API_KEY", "fake-key-from-the-environment")
    with pytest.raises(MissingAPIKeyError, match="api_key= is blank"):
        GrokClient(api_key=blank)


def test_a_blank_environment_variable_is_skipped_for_the_next_one():
    connection = resolve_connection(environ={"XAI_API_KEY": " \n", "GROK_API_KEY": "generic-key\n"})
    assert connection.api_key.get_secret_value() == "generic-key"


def test_a_connection_built_by_hand_is_cleaned_too():
    connection = Connection(
        PROVIDERS["xai"], "https://api.x.ai/v1", SecretStr("fake-key-from-file\n"), "bearer"
    )
    assert connection.auth_headers() == {"Authorization": "Bearer fake-key-from-file"}
    with pytest.raises(InvalidAPIKeyError):
        Connection(PROVIDERS["xai"], "https://api.x.ai/v1", SecretStr("fake-key\nfrom-file"), "bearer")


# -- 5. the Grok Inc limiter says it waits, and not past the timeout ----------------------------


def test_the_grokinc_limiter_refuses_a_wait_longer_than_the_timeout(grok_server_factory):
    server = grok_server_factory("grokinc")
    hi = [{"role": "user", "content": "hi"}]
    with GrokClient(
        provider="grokinc", base_url=server.base_url, api_key=server.api_key, timeout=2
    ) as client:
        for _ in range(5):
            client.chat(hi, model="grok-lite")
        with pytest.raises(
            RateLimitError, match=r"next slot is free in \d+\.\d s, longer than the 2 s timeout"
        ) as info:
            client.chat(hi, model="grok-lite")
    assert 50 < info.value.retry_after <= 60
    assert info.value.retryable is False
    assert len(server.requests) == 5  # the sixth never left: the server would have said 429


def test_the_async_client_refuses_too_long_a_wait_as_well(grok_server_factory):
    server = grok_server_factory("grokinc")
    hi = [{"role": "user", "content": "hi"}]

    async def six_calls() -> None:
        async with AsyncGrokClient(
            provider="grokinc", base_url=server.base_url, api_key=server.api_key, timeout=0.5
        ) as client:
            for _ in range(6):
                await client.chat(hi, model="grok-lite")

    with pytest.raises(RateLimitError, match=r"longer than the 0\.5 s timeout"):
        asyncio.run(six_calls())
    assert len(server.requests) == 5


def test_a_wait_for_the_limiter_is_logged_with_its_length(caplog):
    limiter = SlidingWindowLimiter(1, period=0.05)
    limiter.acquire()
    with caplog.at_level(logging.INFO, logger="grok_transport"):
        limiter.acquire(timeout=5)
    [record] = [r for r in caplog.records if r.name == "grok_transport"]
    assert record.levelno == logging.INFO
    assert re.search(r"rate limit of 1 requests per 0\.05 s reached; waiting \d\.\d s", record.getMessage())


# -- 6. bad input is refused before any request ------------------------------------------------

USER = {"role": "user", "content": "hi"}


def test_a_well_formed_conversation_with_every_kind_of_part_passes():
    check_messages(
        [
            {"role": "system", "content": "be brief"},
            {"role": "developer", "content": "really"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "what is this?"},
                    {
                        "type": "image_url",
                        "image_url": {"url": "https://example.com/cat.png", "detail": "low"},
                    },
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                    {"type": "input_file", "file_id": "file-1"},
                    {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0="}},
                ],
            },
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "42"},
            {"role": "function", "name": "f", "content": "42"},
        ],
        context_window=131_072,
    )


@pytest.mark.parametrize(
    ("messages", "expected"),
    [
        ([USER, {"role": "wizard", "content": "abracadabra"}], r"messages\[1\] has role 'wizard'"),
        ([{"content": "no role"}], r"messages\[0\] has role None"),
        ([USER, "hi"], r"messages\[1\] must be a mapping with a role"),
        (
            [{"role": "user", "content": [{"type": "text", "text": 5}]}],
            r"messages\[0\]\.content\[0\] is a text part whose text is int",
        ),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "/tmp/cat.png"}}]}],
            r"messages\[0\]\.content\[0\] is an image whose URL is '/tmp/cat.png'; .* http\(s\) URL or a data: URL",
        ),
        (
            [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "ftp://x/cat.png"}}]}],
            r"image whose URL is 'ftp://x/cat.png'",
        ),
        (
            [{"role": "user", "content": [{"text": "no type"}]}],
            r"content\[0\] must be a mapping with a 'type'",
        ),
        (
            [{"role": "user", "content": b"raw bytes"}],
            r"messages\[0\]\.content is bytes; .*decode it to text",
        ),
        ([{"role": "user", "content": 42}], r"messages\[0\]\.content is int; it must be a string or a list"),
        (
            [{"role": "user", "content": [{"type": "file", "file": {"file_data": b"%PDF"}}]}],
            r"messages\[0\]\.content\[0\]\.file\.file_data is bytes, which JSON cannot carry",
        ),
        (
            [
                USER,
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [{"id": "c1", "function": {"name": "f", "arguments": b"{}"}}],
                },
            ],
            r"messages\[1\]\.tool_calls\[0\]\.function\.arguments is bytes",
        ),
        ([{"role": "user", "content": "hi", "metadata": {1, 2}}], r"messages\[0\]\.metadata is set"),
    ],
)
def test_a_message_grok_cannot_take_is_refused_with_what_and_where(messages, expected):
    with pytest.raises(InvalidMessageError, match=expected):
        check_messages(messages, context_window=131_072)


def test_bytes_content_is_a_typed_error_where_json_dumps_raised_a_bare_type_error():
    messages = [{"role": "user", "content": b"raw bytes"}]
    with pytest.raises(TypeError):
        json.dumps(messages)
    with pytest.raises(InvalidParameterError):  # what a caller already catches for bad input
        check_messages(messages, context_window=None)


def test_a_conversation_that_cannot_fit_the_context_window_is_refused_as_a_context_length_error():
    window = 8_000
    bound = window * MAX_CHARS_PER_TOKEN
    just_fits = [{"role": "user", "content": "x" * (bound - 2)}, {"role": "assistant", "content": "ok"}]
    check_messages(just_fits, context_window=window)
    too_long = [*just_fits, {"role": "user", "content": [{"type": "text", "text": "!"}]}]
    with pytest.raises(PromptTooLongError, match=f"{bound + 1:,} characters of text") as info:
        check_messages(too_long, context_window=window)
    assert isinstance(info.value, ContextLengthExceededError)
    check_messages(too_long, context_window=None)  # no window known: the server judges


def test_images_do_not_count_as_text_towards_the_context_window():
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 200_000}}
    check_messages([{"role": "user", "content": [image]}], context_window=8_000)


FUNCTION = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def test_function_and_server_side_tools_pass():
    check_tools(None)
    check_tools(
        [
            FUNCTION,
            {"type": "function", "function": {"name": "now"}},  # no parameters: takes none
            {"type": "function", "name": "flat", "parameters": {"type": "object", "properties": {}}},
            {"type": "web_search"},
            {"type": "x_search", "allowed_x_handles": ["xai"]},
        ]
    )


@pytest.mark.parametrize(
    ("tool", "expected"),
    [
        (
            {"type": "function", "function": {"name": "f", "parameters": {"type": "string"}}},
            r"tools\[1\] \(f\): parameters must be a JSON Schema object .*not \{'type': 'string'\}",
        ),
        (
            {"type": "function", "function": {"name": "f", "parameters": [{"name": "city"}]}},
            r"tools\[1\] \(f\): parameters must be a JSON Schema object",
        ),
        (
            {"type": "function", "name": "flat", "parameters": "object"},
            r"tools\[1\] \(flat\): parameters must be",
        ),
        (
            {"type": "function", "function": {"parameters": {"type": "object"}}},
            r"tools\[1\] is a function tool without a name",
        ),
        ("web_search", r"tools\[1\] must be a mapping with a 'type'"),
        (
            {
                "type": "function",
                "function": {"name": "f", "parameters": {"type": "object", "default": b"x"}},
            },
            r"tools\[1\]\.function\.parameters\.default is bytes",
        ),
    ],
)
def test_a_tool_grok_cannot_take_is_refused_with_what_and_where(tool, expected):
    with pytest.raises(InvalidToolError, match=expected):
        check_tools([FUNCTION, tool])


# -- 7. every typed error is importable from the package ---------------------------------------


def test_every_typed_error_is_exported_from_grok_transport():
    defined = {
        name
        for name, value in vars(grok_transport._errors).items()
        if isinstance(value, type) and issubclass(value, GrokError)
    }
    assert defined <= set(grok_transport.__all__)
