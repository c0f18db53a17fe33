"""A minimal HTTP/1.1 server on asyncio, run in a daemon thread.

Why not :mod:`http.server`: it spends a thread per connection and parses headers through
:mod:`email`, which caps it at a few hundred requests per second, and benchmarks drive the test
server with hundreds of concurrent keep-alive connections. An :class:`asyncio.Protocol` that only
understands what a JSON API client sends (a request line, headers, a ``Content-Length`` or chunked
body) serves thousands of requests per second from one thread.

The application is a plain callable ``app(Request) -> Response | StreamResponse``. It runs on the
event-loop thread and must not block; the waits a fault asks for (a slow first byte, a delay
between events) are expressed in the returned object and performed here, so one slow reply never
holds up another connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus

__all__ = ["Request", "Response", "StreamResponse", "ServerThread"]

logger = logging.getLogger("grok_transport.testing")

_MAX_HEAD = 64 * 1024
_MAX_BODY = 256 * 1024 * 1024
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; repeated headers are joined by ", "."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool = True


@dataclass(slots=True)
class Response:
    """A complete response written in one go, optionally late or short.

    ``declared_length`` larger than ``len(body)`` announces more bytes than are sent; the
    connection is then closed, which is how a body cut off mid-transfer looks to a client.
    """

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    first_byte_delay: float = 0.0
    declared_length: int | None = None


@dataclass(slots=True)
class StreamResponse:
    """A ``Transfer-Encoding: chunked`` response; each item of ``events`` is one chunk.

    ``cut_after`` closes the connection after that many events without the terminating
    zero-length chunk, so the client sees a stream that dies mid-way.
    """

    status: int
    events: list[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after: int | None = None


App = Callable[[Request], "Response | StreamResponse"]

_date_cache: list = [0, ""]


def _http_date() -> str:
    """The ``Date`` header value, formatted once per second (strftime is locale-dependent)."""
    now = int(time.time())
    if _date_cache[0] != now:
        t = time.gmtime(now)
        _date_cache[0] = now
        _date_cache[1] = (
            f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT"
        )
    return _date_cache[1]


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _head(
    status: int,
    headers: list[tuple[str, str]],
    *,
    content_type: str | None = None,
    length: int | None = None,
    close: bool = False,
) -> bytes:
    """Serialise a status line and headers; ``length=None`` means a chunked body."""
    lines = [f"HTTP/1.1 {status} {_reason(status)}", f"Date: {_http_date()}"]
    if content_type:
        lines.append(f"Content-Type: {content_type}")
    if length is None:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {length}")
    lines.append("Connection: close" if close else "Connection: keep-alive")
    lines.extend(f"{name}: {value}" for name, value in headers)
    lines.append("\r\n")
    return "\r\n".join(lines).encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _HTTPProtocol(asyncio.Protocol):
    """One connection: parse requests in order, answer each before reading the next."""

    def __init__(self, app: App, connections: set[_HTTPProtocol]) -> None:
        self._app = app
        self._connections = connections
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._task: asyncio.Task | None = None
        self._busy = False
        self._closed = False
        self._head: tuple[str, str, str, dict[str, str], bool] | None = None
        self._continue_sent = False

    # asyncio callbacks ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._connections.discard(self)
        if self._task is not None:
            self._task.cancel()

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self._busy:
            self._serve_buffered()

    # request handling ----------------------------------------------------------------------

    def close(self) -> None:
        """Drop the connection now (server shutdown)."""
        if self._transport is not None and not self._closed:
            self._transport.abort()

    def _serve_buffered(self) -> None:
        """Answer every complete request in the buffer, stopping at the first one that waits."""
        while not self._closed:
            try:
                request = self._next_request()
            except _BadRequest as exc:
                self._write_and_close(exc.status, str(exc))
                return
            if request is None:
                return
            try:
                response = self._app(request)
            except Exception:
                logger.exception("grok test server: handler failed for %s %s", request.method, request.path)
                response = Response(500, b'{"error":"internal error in the grok test server"}')
            if isinstance(response, Response):
                if response.first_byte_delay > 0:
                    self._defer(self._send_late(response, request.keep_alive))
                    return
                self._send(response, request.keep_alive)
            else:
                if response.first_byte_delay > 0 or response.chunk_delay > 0:
                    self._defer(self._stream_slowly(response, request.keep_alive))
                    return
                self._stream(response, request.keep_alive)

    def _defer(self, coro: object) -> None:
        self._busy = True
        self._task = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._task.add_done_callback(self._resume)

    def _resume(self, task: asyncio.Task) -> None:
        self._busy = False
        self._task = None
        if not task.cancelled() and task.exception() is not None:
            logger.error("grok test server: writing a response failed", exc_info=task.exception())
            self.close()
        elif not self._closed:
            self._serve_buffered()

    def _next_request(self) -> Request | None:
        """Pop one complete request off the buffer, or return None until more bytes arrive."""
        buffer = self._buffer
        if self._head is None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise _BadRequest(431, "Request Header Fields Too Large")
                return None
            self._head = self._parse_head(bytes(buffer[:end]).decode("latin-1"))
            del buffer[: end + 4]
            self._continue_sent = False
        method, path, query, headers, keep_alive = self._head
        if "chunked" in headers.get("transfer-encoding", "").lower():
            parsed = _dechunk(buffer)
            if parsed is None:
                self._maybe_continue(headers)
                return None
            body, used = parsed
        else:
            try:
                length = int(headers.get("content-length", "0"))
            except ValueError:
                raise _BadRequest(400, "Invalid Content-Length") from None
            if length < 0 or length > _MAX_BODY:
                raise _BadRequest(413, "Payload Too Large")
            if len(buffer) < length:
                self._maybe_continue(headers)
                return None
            body, used = bytes(buffer[:length]), length
        del buffer[:used]
        self._head = None
        return Request(method, path, query, headers, body, keep_alive)

    def _maybe_continue(self, headers: dict[str, str]) -> None:
        """Answer ``Expect: 100-continue`` (curl sends it for bodies over 1 KiB)."""
        if not self._continue_sent and headers.get("expect", "").lower() == "100-continue":
            self._continue_sent = True
            self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")  # type: ignore[union-attr]

    @staticmethod
    def _parse_head(text: str) -> tuple[str, str, str, dict[str, str], bool]:
        lines = text.split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise _BadRequest(400, "Bad Request")
        method, target, version = parts
        if target.startswith(("http://", "https://")):
            slash = target.find("/", target.find("//") + 2)
            target = target[slash:] if slash >= 0 else "/"
        path, _, query = target.partition("?")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise _BadRequest(400, "Bad Request")
            name = name.strip().lower()
            value = value.strip()
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        connection = headers.get("connection", "").lower()
        # HTTP/1.1 keeps the connection unless told to close; HTTP/1.0 only if asked to keep it.
        keep_alive = "keep-alive" in connection if version == "HTTP/1.0" else "close" not in connection
        return method, path, query, headers, keep_alive

    # writing -------------------------------------------------------------------------------

    def _send(self, response: Response, keep_alive: bool) -> None:
        body = response.body
        declared = len(body) if response.declared_length is None else response.declared_length
        close = not keep_alive or declared != len(body)
        head = _head(
            response.status,
            response.headers,
            content_type=response.content_type,
            length=declared,
            close=close,
        )
        self._transport.write(head + body)  # type: ignore[union-attr]
        if close:
            self._finish()

    async def _send_late(self, response: Response, keep_alive: bool) -> None:
        await asyncio.sleep(response.first_byte_delay)
        if not self._closed:
            self._send(response, keep_alive)

    def _stream(self, response: StreamResponse, keep_alive: bool) -> None:
        events = response.events
        cut = response.cut_after is not None
        if cut:
            events = events[: max(0, response.cut_after)]  # type: ignore[operator]
        parts = [_head(response.status, response.headers, close=cut or not keep_alive)]
        parts.extend(_chunk(event) for event in events)
        if not cut:
            parts.append(b"0\r\n\r\n")
        self._transport.write(b"".join(parts))  # type: ignore[union-attr]
        if cut or not keep_alive:
            self._finish()

    async def _stream_slowly(self, response: StreamResponse, keep_alive: bool) -> None:
        if response.first_byte_delay > 0:
            await asyncio.sleep(response.first_byte_delay)
            if self._closed:
                return
        events = response.events
        cut = response.cut_after is not None
        if cut:
            events = events[: max(0, response.cut_after)]  # type: ignore[operator]
        transport = self._transport
        pending = _head(response.status, response.headers, close=cut or not keep_alive)
        for index, event in enumerate(events):
            if index and response.chunk_delay > 0:
                transport.write(pending)  # type: ignore[union-attr]
                pending = b""
                await asyncio.sleep(response.chunk_delay)
                if self._closed:
                    return
            pending += _chunk(event)
        if not cut:
            pending += b"0\r\n\r\n"
        if self._closed:
            return
        transport.write(pending)  # type: ignore[union-attr]
        if cut or not keep_alive:
            self._finish()

    def _write_and_close(self, status: int, message: str) -> None:
        body = message.encode()
        head = _head(status, [], content_type="text/plain; charset=utf-8", length=len(body), close=True)
        self._transport.write(head + body)  # type: ignore[union-attr]
        self._finish()

    def _finish(self) -> None:
        """Close after the buffered bytes are flushed (``close``, not ``abort``, keeps them)."""
        self._closed = True
        self._transport.close()  # type: ignore[union-attr]


def _dechunk(buffer: bytearray) -> tuple[bytes, int] | None:
    """Decode a chunked request body, or return None if it is not complete yet."""
    body = bytearray()
    pos = 0
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = bytes(buffer[pos:eol]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise _BadRequest(400, "Invalid chunk size") from None
        pos = eol + 2
        if size == 0:
            end = buffer.find(b"\r\n\r\n", pos - 2)  # skip any trailers
            if end < 0:
                return None
            return bytes(body), end + 4
        if len(buffer) < pos + size + 2:
            return None
        body += buffer[pos : pos + size]
        if len(body) > _MAX_BODY:
            raise _BadRequest(413, "Payload Too Large")
        pos += size + 2


class ServerThread:
    """Own an event loop in a daemon thread and serve ``app`` on it.

    A daemon thread, so a test that forgets ``stop()`` cannot hang the interpreter at exit.
    """

    def __init__(self, app: App, host: str, port: int) -> None:
        self._app = app
        self._host = host
        self._requested_port = port
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[_HTTPProtocol] = set()

    @property
    def running(self) -> bool:
        """Whether the loop thread is alive and listening."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and start serving; returns once the socket listens (raises if binding fails)."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)  # this thread's own loop; the caller's is untouched
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    loop.create_server(
                        lambda: _HTTPProtocol(self._app, self._connections),
                        self._host,
                        self._requested_port,
                        backlog=4096,
                    )
                )
                self.port = self._server.sockets[0].getsockname()[1]
            except BaseException as exc:  # report to start(), whatever it is
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._thread = threading.Thread(target=run, name="grok-test-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread = None
            raise failure[0]

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every connection, then end the loop thread. Idempotent."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            self._thread = None
            return

        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for connection in list(self._connections):
                connection.close()
            loop.call_soon(loop.stop)

        with contextlib.suppress(RuntimeError):  # the loop closed on its own already
            loop.call_soon_threadsafe(shutdown)
        thread.join(timeout)
        self._thread = None
