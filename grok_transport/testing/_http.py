"""HTTP/1.1 on asyncio, framed by ``h11``, served from a daemon thread.

Not :mod:`http.server`: a thread per connection and headers parsed through :mod:`email` give a
few hundred requests per second, and the benchmarks keep hundreds of keep-alive connections busy.
One :class:`asyncio.Protocol` per connection over ``h11`` (the HTTP/1.1 state machine httpx is
built on) gets keep-alive, pipelining, chunked bodies, ``Expect: 100-continue`` and HTTP/1.0
right. Measured on a shared 2-core machine with 200 keep-alive connections: about 200 µs of
server CPU per short chat request, 3,500-5,000 requests/s (a hand-written parser managed
6,000-13,000), over twice what the fastest benchmarked client reaches (about 2,000/s).

The application is ``app(Request) -> Response | StreamResponse``, run on the loop thread; it
must not block, so the waits a fault asks for (a slow first byte, a delay between events) are
carried by the returned object and performed here, never holding up another connection.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate
from functools import partial
from http import HTTPStatus

import h11

__all__ = ["Refused", "Request", "Response", "ServerThread", "StreamResponse"]

logger = logging.getLogger("grok_transport.testing")

_MAX_HEAD = 64 * 1024
_MAX_BODY = 256 * 1024 * 1024


@dataclass(slots=True)
class Request:
    """One parsed request. Header names are lower-case; repeated headers are joined by ", "."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Response:
    """A response written in one go, maybe late; ``declared_length`` > ``len(body)``: cut mid-body."""

    status: int
    body: bytes = b""
    content_type: str | None = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)
    first_byte_delay: float = 0.0
    declared_length: int | None = None


@dataclass(slots=True)
class StreamResponse:
    """A chunked response, one chunk per event; ``cut_after`` drops the connection after that many."""

    status: int
    events: list[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)
    first_byte_delay: float = 0.0
    chunk_delay: float = 0.0
    cut_after: int | None = None


App = Callable[[Request], "Response | StreamResponse"]


class Refused(Exception):
    """Raised by the application to answer with ``response`` (an error) instead."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


_date = (0, b"")
_CONTINUE = h11.InformationalResponse(status_code=100, headers=[], reason=b"Continue")


def _head(
    status: int, headers: list[tuple[str, str]], content_type: str | None, length: int | None
) -> h11.Response:
    """The status line and headers; ``length=None`` lets h11 choose chunked framing."""
    global _date
    if _date[0] != int(time.time()):  # the Date header, formatted once per second
        _date = (int(time.time()), formatdate(int(time.time()), usegmt=True).encode())
    raw = [(b"Date", _date[1])]
    if content_type:
        raw.append((b"Content-Type", content_type.encode()))
    if length is not None:
        raw.append((b"Content-Length", str(length).encode()))
    raw += [(name.encode(), value.encode("latin-1")) for name, value in headers]
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Unknown"
    return h11.Response(status_code=status, headers=raw, reason=reason.encode())


class _Connection(asyncio.Protocol):
    """One connection: read requests in order, answer each before reading the next."""

    def __init__(self, app: App, connections: set[_Connection]) -> None:
        self._app, self._connections = app, connections
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        self._transport: asyncio.Transport | None = None
        self._task: asyncio.Task[None] | None = None
        self._request: h11.Request | None = None
        self._body: list[bytes] = []
        self._continued = self._closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._connections.discard(self)
        if self._task is not None:
            self._task.cancel()

    def data_received(self, data: bytes) -> None:
        self._h11.receive_data(data)
        if self._task is None:
            self._serve()

    def close(self) -> None:
        """Drop the connection now (server shutdown)."""
        if self._transport is not None and not self._closed:
            self._transport.abort()

    def _serve(self) -> None:
        """Answer every complete request received, stopping at the first answer that waits."""
        while not self._closed:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                return self._refuse(exc.error_status_hint, str(exc))
            if event is h11.NEED_DATA:
                if self._h11.they_are_waiting_for_100_continue and not self._continued:
                    self._continued = True  # curl waits for this before a body over 1 KiB
                    self._write(self._h11.send(_CONTINUE))
                return
            if isinstance(event, h11.Request):
                self._request, self._body, self._continued = event, [], False
            elif isinstance(event, h11.Data):
                self._body.append(event.data)
                if sum(map(len, self._body)) > _MAX_BODY:
                    return self._refuse(413, "Payload Too Large")
            elif not isinstance(event, h11.EndOfMessage):  # ConnectionClosed
                return self._finish()
            elif self._respond():  # answered later, after a delay
                return
            else:
                self._next_cycle()

    def _next_cycle(self) -> None:
        """After an answer: ready the connection for the next request, or close it."""
        if self._h11.our_state is h11.DONE and self._h11.their_state is h11.DONE:
            self._h11.start_next_cycle()
        elif not self._closed:
            self._finish()

    def _respond(self) -> bool:
        """Run the app on the request just read; True when the answer is sent later."""
        head = self._request
        assert head is not None
        path, _, query = head.target.decode("latin-1").partition("?")
        headers: dict[str, str] = {}
        for name, value in head.headers:
            key, text = name.decode("latin-1"), value.decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        request = Request(head.method.decode("latin-1"), path, query, headers, b"".join(self._body))
        try:
            response = self._app(request)
        except Exception:
            logger.exception("grok test server: handler failed for %s %s", request.method, path)
            response = Response(500, b'{"error":"internal error in the grok test server"}')
        frames, clean = self._frames(response)
        gap = response.chunk_delay if isinstance(response, StreamResponse) else 0.0
        if response.first_byte_delay <= 0 and (gap <= 0 or len(frames) == 1):
            self._write(b"".join(frames), clean)
            return False
        delay = response.first_byte_delay
        self._task = asyncio.get_running_loop().create_task(self._slowly(frames, clean, delay, gap))
        self._task.add_done_callback(self._resume)
        return True

    def _resume(self, task: asyncio.Task[None]) -> None:
        self._task = None
        if not task.cancelled() and task.exception() is not None:
            logger.error("grok test server: writing a response failed", exc_info=task.exception())
            self.close()
        elif not self._closed:
            self._next_cycle()
            self._serve()

    def _frames(self, response: Response | StreamResponse) -> tuple[list[bytes], bool]:
        """The bytes written between delays (the head with the first), and whether they end cleanly."""
        send = self._h11.send
        if isinstance(response, Response):
            body = response.body
            declared = len(body) if response.declared_length is None else response.declared_length
            head = send(_head(response.status, response.headers, response.content_type, declared)) or b""
            clean = declared == len(body)
            frames = [head + (send(h11.Data(data=body)) or b"" if body else b"")]
        else:
            clean = response.cut_after is None
            events = response.events if clean else response.events[: max(0, response.cut_after or 0)]
            head = send(_head(response.status, response.headers, None, None)) or b""
            # Chunk framing written here, not by h11.send(Data) per event: it is the same bytes and
            # h11 keeps no count for chunked bodies, but a 2,000-event stream costs 1 ms, not 6.
            frames = [b"%x\r\n%s\r\n" % (len(event), event) for event in events if event] or [b""]
            frames[0] = head + frames[0]
        if clean:
            frames[-1] += send(h11.EndOfMessage()) or b""
        return frames, clean

    def _write(self, data: bytes | None, clean: bool = True) -> None:
        if data and self._transport is not None:
            self._transport.write(data)
        if not clean:
            self._finish()

    async def _slowly(self, frames: list[bytes], clean: bool, delay: float, gap: float) -> None:
        await asyncio.sleep(delay)
        for index, frame in enumerate(frames):
            if index and gap > 0:
                await asyncio.sleep(gap)
            if self._closed:
                return
            self._write(frame)
        self._write(None, clean)

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request h11 could not read, then close."""
        if self._h11.our_state in (h11.IDLE, h11.SEND_RESPONSE):
            plain = Response(status, message.encode(), "text/plain; charset=utf-8", [("Connection", "close")])
            self._write(b"".join(self._frames(plain)[0]))
        self._finish()

    def _finish(self) -> None:
        """Close after the buffered bytes are flushed (``close``, not ``abort``, keeps them)."""
        self._closed = True
        if self._transport is not None:
            self._transport.close()


class ServerThread:
    """Serve ``app`` on a loop of its own, in a daemon thread: a forgotten ``stop()`` cannot hang exit."""

    def __init__(self, app: App, host: str, port: int) -> None:
        self._app, self._host, self._requested_port = app, host, port
        self.port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.AbstractServer | None = None
        self._connections: set[_Connection] = set()

    @property
    def running(self) -> bool:
        """Whether the loop thread is alive and listening."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Bind and start serving; returns once the socket listens (raises if binding fails)."""
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=self._run, args=(loop,), name="grok-test-server", daemon=True)
        thread.start()
        connection = partial(_Connection, self._app, self._connections)
        listen = loop.create_server(connection, self._host, self._requested_port, backlog=4096)
        try:
            server = asyncio.run_coroutine_threadsafe(listen, loop).result()
        except BaseException:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            raise
        self.port = server.sockets[0].getsockname()[1]
        self._loop, self._thread, self._server = loop, thread, server

    @staticmethod
    def _run(loop: asyncio.AbstractEventLoop) -> None:
        asyncio.set_event_loop(loop)  # this thread's own loop; the caller's is untouched
        try:
            loop.run_forever()
        finally:  # let cancelled answers finish cancelling, then close
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    def stop(self, timeout: float = 5.0) -> None:
        """Close the listener and every connection, then end the loop thread. Idempotent."""
        loop, thread, self._thread = self._loop, self._thread, None
        if loop is None or thread is None or not thread.is_alive():
            return

        def shutdown() -> None:
            if self._server is not None:
                self._server.close()
            for connection in list(self._connections):
                connection.close()
            loop.stop()

        loop.call_soon_threadsafe(shutdown)
        thread.join(timeout)
