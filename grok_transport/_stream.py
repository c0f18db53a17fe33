"""A streamed answer: deltas out, the whole :class:`~grok_transport.Answer` accumulated alongside.

One class per I/O style serves both endpoints; the endpoint's reader
(:mod:`grok_transport._chat_reader` or :mod:`grok_transport._responses_reader`) turns each SSE
payload into deltas. The last delta of every complete stream is ``Delta("done", answer=…)``.

Nothing is lost silently: a connection that breaks, bytes that are not UTF-8 or JSON, or a body
that ends before the answer finished raise :class:`~grok_transport.StreamInterruptedError` (or
the typed error the server sent inside the stream) whose ``partial`` holds everything received
so far. What bounds a stream in time: the client's timeout applies to the wait for the first
byte and to every silence between two reads, not to the whole stream, which may legitimately
run for minutes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from grok_transport._answer import Answer, Delta
from grok_transport._errors import GrokError, StreamInterruptedError
from grok_transport._sse import SSEDecodeError, SSEDecoder

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["AnswerStream", "AsyncAnswerStream"]


class StreamReader(Protocol):
    """What a stream needs from an endpoint's reader."""

    @property
    def finished(self) -> bool: ...

    def read(self, payload: Any, event: str | None) -> Sequence[Delta]: ...

    def answer(self) -> Answer: ...


class _Events:
    """Bytes in, deltas out: the part the sync and async streams share."""

    __slots__ = ("decoder", "done", "reader")

    def __init__(self, reader: StreamReader) -> None:
        self.reader = reader
        self.decoder = SSEDecoder()
        self.done = False

    def feed(self, raw: bytes) -> Iterator[Delta]:
        for event in self.decoder.feed(raw):
            yield from self._event(event.data, event.event)

    def finish(self) -> Iterator[Delta]:
        """The body ended: deliver what is pending, then the whole answer, or raise."""
        for event in self.decoder.flush():
            yield from self._event(event.data, event.event)
        if not (self.done or self.reader.finished):
            raise self.interrupted("stream ended before the answer finished")
        yield Delta("done", answer=self.reader.answer())

    def _event(self, data: str, name: str | None) -> Sequence[Delta]:
        if data == "[DONE]":
            self.done = True
            return ()
        try:
            payload = json.loads(data)
        except ValueError:
            raise self.interrupted(f"malformed event in stream: {data[:200]!r}") from None
        return self.reader.read(payload, name)

    def interrupted(self, why: str, cause: BaseException | None = None) -> StreamInterruptedError:
        partial = self.reader.answer()
        return StreamInterruptedError(
            f"{why}: {cause}" if cause else why, partial=partial, request_id=partial.request_id
        )

    def failed(self, error: BaseException) -> GrokError:
        """Any failure mid-stream as a typed error that keeps what arrived."""
        if isinstance(error, GrokError):
            if error.partial is None:
                error.partial = self.reader.answer()
            return error
        if isinstance(error, SSEDecodeError):
            return self.interrupted("undecodable bytes in stream", error)
        if isinstance(error, httpx.TimeoutException):  # the timeout bounds every silence
            return self.interrupted("the stream fell silent for longer than the timeout", error)
        return self.interrupted("connection lost mid-stream", error)


_FAILURES = (GrokError, httpx.HTTPError)


class AnswerStream:
    r"""A streamed answer over an open response. Iterate for :class:`~grok_transport.Delta`\ s.

    The client reads up to the first delta before handing the stream over (:meth:`_prime`), so
    an error the server sends instead of an answer — xAI's ``{"code", "error"}`` event inside a
    200 — is raised, and retried, while nothing has reached the caller yet. Use it as a context
    manager (or iterate to the end) so the connection goes back to the pool.

    The stream holds the client that opened it (``owner``): a client used inline
    (``for d in GrokClient(...).stream_chat(...)``) is otherwise dropped at once, and its
    finalizer would close the pool under the stream.
    """

    def __init__(
        self,
        response: httpx.Response,
        reader: StreamReader,
        owner: object = None,
        on_end: Callable[[Answer], None] | None = None,
    ) -> None:
        self.http_response = response
        self._owner = owner  # the client whose pool the response reads from: alive while we are
        self._events = _Events(reader)
        self._raw = response.iter_bytes()
        self._ready: list[Delta] = []
        self._on_end = on_end  # the rate budget's correction from the final usage

    @property
    def answer(self) -> Answer:
        """Everything received so far (the whole answer once the stream is done)."""
        return self._events.reader.answer()

    def _prime(self) -> None:
        """Read until the first delta arrives (or the stream ends)."""
        events = self._events
        try:
            while not self._ready:
                raw = next(self._raw, None)
                if raw is None or events.done:
                    self._ready.extend(events.finish())
                    return
                self._ready.extend(events.feed(raw))
        except _FAILURES as error:
            self.http_response.close()
            raise events.failed(error) from error

    def __iter__(self) -> Iterator[Delta]:
        events = self._events
        try:
            yield from self._ready
            if not (self._ready and self._ready[-1].kind == "done"):
                for raw in self._raw:
                    yield from events.feed(raw)
                    if events.done:
                        break
                yield from events.finish()
            if self._on_end is not None:
                self._on_end(self.answer)
        except _FAILURES as error:
            raise events.failed(error) from error
        finally:
            self.http_response.close()

    def close(self) -> None:
        """Release the connection."""
        self.http_response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncAnswerStream:
    """The async twin of :class:`AnswerStream`."""

    def __init__(
        self,
        response: httpx.Response,
        reader: StreamReader,
        owner: object = None,
        on_end: Callable[[Answer], Awaitable[None]] | None = None,
    ) -> None:
        self.http_response = response
        self._owner = owner  # the client whose pool the response reads from: alive while we are
        self._events = _Events(reader)
        self._raw = response.aiter_bytes()
        self._ready: list[Delta] = []
        self._on_end = on_end

    @property
    def answer(self) -> Answer:
        """Everything received so far (the whole answer once the stream is done)."""
        return self._events.reader.answer()

    async def _prime(self) -> None:
        """Read until the first delta arrives (or the stream ends)."""
        events = self._events
        try:
            while not self._ready:
                raw = await anext(self._raw, None)
                if raw is None or events.done:
                    self._ready.extend(events.finish())
                    return
                self._ready.extend(events.feed(raw))
        except _FAILURES as error:
            await self.http_response.aclose()
            raise events.failed(error) from error

    async def __aiter__(self) -> AsyncIterator[Delta]:
        events = self._events
        try:
            for delta in self._ready:
                yield delta
            if not (self._ready and self._ready[-1].kind == "done"):
                async for raw in self._raw:
                    for delta in events.feed(raw):
                        yield delta
                    if events.done:
                        break
                for delta in events.finish():
                    yield delta
            if self._on_end is not None:
                await self._on_end(self.answer)
        except _FAILURES as error:
            raise events.failed(error) from error
        finally:
            await self.http_response.aclose()

    async def aclose(self) -> None:
        """Release the connection."""
        await self.http_response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
