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
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import httpx

from grok_transport._answer import Answer, Delta
from grok_transport.errors import GrokError, StreamInterruptedError
from grok_transport.sse import SSEDecoder

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
        return StreamInterruptedError(
            f"{why}: {cause}" if cause else why,
            partial=self.reader.answer(),
            request_id=self.reader.answer().request_id,
        )

    def failed(self, error: BaseException) -> GrokError:
        """Any failure mid-stream as a typed error that keeps what arrived."""
        if isinstance(error, GrokError):
            if error.partial is None:
                error.partial = self.reader.answer()
            return error
        if isinstance(error, httpx.HTTPError):
            return self.interrupted("connection lost mid-stream", error)
        return self.interrupted("undecodable bytes in stream", error)  # UnicodeDecodeError


_FAILURES = (GrokError, httpx.HTTPError, UnicodeDecodeError)


class AnswerStream:
    """A streamed answer over an open response. Iterate for :class:`~grok_transport.Delta`\\ s.

    Use it as a context manager (or iterate to the end) so the connection goes back to the pool.
    """

    def __init__(self, response: httpx.Response, reader: StreamReader) -> None:
        self.http_response = response
        self._events = _Events(reader)

    @property
    def answer(self) -> Answer:
        """Everything received so far (the whole answer once the stream is done)."""
        return self._events.reader.answer()

    def __iter__(self) -> Iterator[Delta]:
        events = self._events
        try:
            for raw in self.http_response.iter_bytes():
                yield from events.feed(raw)
                if events.done:
                    break
            yield from events.finish()
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

    def __init__(self, response: httpx.Response, reader: StreamReader) -> None:
        self.http_response = response
        self._events = _Events(reader)

    @property
    def answer(self) -> Answer:
        """Everything received so far (the whole answer once the stream is done)."""
        return self._events.reader.answer()

    async def __aiter__(self) -> AsyncIterator[Delta]:
        events = self._events
        try:
            async for raw in self.http_response.aiter_bytes():
                for delta in events.feed(raw):
                    yield delta
                if events.done:
                    break
            for delta in events.finish():
                yield delta
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
