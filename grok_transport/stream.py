"""Streamed chat completions: chunks out, the whole answer accumulated alongside.

The accumulator is tolerant of every quirk in the recordings (WIRE_FACTS §4, §12.3):

* the role arrives on the first content / reasoning / tool-call chunk, never alone;
* tool calls arrive whole, keyed by ``index``; proxies that fragment them (OpenAI style) or
  repeat the id in every fragment are merged by index too;
* ``finish_reason`` may share a chunk with the tool calls (grok-2-1212);
* usage comes in a trailing ``choices: []`` chunk, or (older servers) in every chunk; the last
  one wins;
* empty ``delta: {}`` chunks are fine;
* an error object (``{"code", "error"}``) may arrive as an event; it raises the typed error.

Nothing is lost silently: a connection that breaks, or a body that ends before the answer
finished, raises :class:`~grok_transport.errors.StreamInterruptedError` whose ``partial``
holds everything received so far.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

import httpx

from grok_transport.errors import (
    StreamInterruptedError,
    error_from_payload,
)
from grok_transport.sse import ServerSentEvent, SSEDecoder
from grok_transport.wire import ChatCompletion, ChatCompletionChunk, ToolCall, Usage

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["ChatAccumulator", "EventStream", "AsyncEventStream", "ChatStream", "AsyncChatStream"]

_DONE = "[DONE]"
_Item = TypeVar("_Item", covariant=True)


class ChatAccumulator:
    """Folds chunks into one :class:`ChatCompletion`; usable on its own by adapters."""

    __slots__ = (
        "_calls",
        "_content",
        "_reasoning",
        "chunks",
        "created",
        "finish_reason",
        "id",
        "model",
        "system_fingerprint",
        "usage",
    )

    def __init__(self) -> None:
        self._content: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, ToolCall] = {}
        self.id = ""
        self.model = ""
        self.created: int | None = None
        self.system_fingerprint: str | None = None
        self.finish_reason: str | None = None
        self.usage: Usage | None = None
        self.chunks = 0

    def add(self, chunk: ChatCompletionChunk) -> None:
        """Fold one chunk in."""
        self.chunks += 1
        if not self.id:
            self.id, self.model, self.created = chunk.id, chunk.model, chunk.created
        if chunk.system_fingerprint:
            self.system_fingerprint = chunk.system_fingerprint
        if chunk.usage is not None:
            self.usage = chunk.usage
        if chunk.finish_reason:
            self.finish_reason = chunk.finish_reason
        delta = chunk.delta
        if delta is None:
            return
        if delta.content:
            self._content.append(delta.content)
        if delta.reasoning_content:
            self._reasoning.append(delta.reasoning_content)
        if delta.tool_calls:
            for call in delta.tool_calls:
                self._merge_call(call)

    def _merge_call(self, call: ToolCall) -> None:
        index = call.index if call.index is not None else len(self._calls)
        known = self._calls.get(index)
        if known is None:
            self._calls[index] = ToolCall(call.id, call.name, call.arguments, index, call.type)
            return
        if call.id and not known.id:
            known.id = call.id
        if call.name and not known.name:
            known.name = call.name
        known.arguments += call.arguments

    @property
    def content(self) -> str:
        """The text so far."""
        return "".join(self._content)

    @property
    def reasoning_content(self) -> str:
        """The reasoning text so far."""
        return "".join(self._reasoning)

    @property
    def tool_calls(self) -> list[ToolCall]:
        """The tool calls so far, in index order."""
        return [self._calls[i] for i in sorted(self._calls)]

    def result(self, headers: dict[str, str] | None = None) -> ChatCompletion:
        """The answer as accumulated so far."""
        return ChatCompletion(
            id=self.id,
            model=self.model,
            created=self.created,
            content=self.content if self._content or not self._calls else "",
            reasoning_content=self.reasoning_content or None,
            tool_calls=self.tool_calls,
            finish_reason=self.finish_reason,
            usage=self.usage,
            system_fingerprint=self.system_fingerprint,
            headers=headers or {},
        )


class _ChunkReader:
    """Turns SSE events into chunks; the part the sync and async streams share."""

    __slots__ = ("accumulator", "decoder", "done", "headers", "secret")

    def __init__(self, headers: dict[str, str], secret: str | None) -> None:
        self.accumulator = ChatAccumulator()
        self.decoder = SSEDecoder()
        self.done = False
        self.headers = headers
        self.secret = secret

    def read(self, event: ServerSentEvent) -> ChatCompletionChunk | None:
        data = event.data
        if data == _DONE:
            self.done = True
            return None
        try:
            payload: Any = json.loads(data)
        except ValueError:
            raise self.interrupted(f"malformed event in stream: {data[:200]!r}") from None
        if not isinstance(payload, dict):
            raise self.interrupted(f"unexpected event in stream: {data[:200]!r}")
        if "error" in payload and "choices" not in payload:
            error = error_from_payload(200, payload, headers=self.headers, secret=self.secret)
            error.partial = self.accumulator.result(self.headers)
            raise error
        chunk = ChatCompletionChunk.from_dict(payload)
        self.accumulator.add(chunk)
        return chunk

    def finish(self) -> None:
        """The body ended: complete only if ``[DONE]`` or a finish reason was seen."""
        if not self.done and self.accumulator.finish_reason is None:
            raise self.interrupted("stream ended before the answer finished")

    def interrupted(self, why: str, cause: BaseException | None = None) -> StreamInterruptedError:
        detail = f"{why}: {cause}" if cause else why
        return StreamInterruptedError(
            detail,
            partial=self.accumulator.result(self.headers),
            request_id=self.headers.get("x-request-id"),
        )


class _Reader(Protocol[_Item]):
    """What a stream needs from its reader: decode, turn events into items, judge the end."""

    decoder: SSEDecoder
    done: bool

    def read(self, event: ServerSentEvent) -> _Item | None: ...

    def finish(self) -> None: ...

    def interrupted(self, why: str, cause: BaseException | None = None) -> StreamInterruptedError: ...


class EventStream(Generic[_Item]):
    """An SSE answer over an open response, read by a reader into items (chunks or events).

    Use it as a context manager (or iterate to the end) so the connection goes back to the pool.
    A connection that breaks, or a body that ends early, raises the reader's
    :class:`~grok_transport.errors.StreamInterruptedError` with what had arrived.
    """

    def __init__(self, response: httpx.Response, reader: _Reader[_Item]) -> None:
        self.http_response = response
        self._reader = reader

    def __iter__(self) -> Iterator[_Item]:
        reader = self._reader
        try:
            for raw in self.http_response.iter_bytes():
                for event in reader.decoder.feed(raw):
                    item = reader.read(event)
                    if item is not None:
                        yield item
                    elif reader.done:
                        return
            for event in reader.decoder.flush():
                item = reader.read(event)
                if item is not None:
                    yield item
            reader.finish()
        except httpx.HTTPError as exc:
            raise reader.interrupted("connection lost mid-stream", exc) from exc
        finally:
            self.http_response.close()

    def close(self) -> None:
        """Release the connection."""
        self.http_response.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncEventStream(Generic[_Item]):
    """The async twin of :class:`EventStream`."""

    def __init__(self, response: httpx.Response, reader: _Reader[_Item]) -> None:
        self.http_response = response
        self._reader = reader

    async def __aiter__(self) -> AsyncIterator[_Item]:
        reader = self._reader
        try:
            async for raw in self.http_response.aiter_bytes():
                for event in reader.decoder.feed(raw):
                    item = reader.read(event)
                    if item is not None:
                        yield item
                    elif reader.done:
                        return
            for event in reader.decoder.flush():
                item = reader.read(event)
                if item is not None:
                    yield item
            reader.finish()
        except httpx.HTTPError as exc:
            raise reader.interrupted("connection lost mid-stream", exc) from exc
        finally:
            await self.http_response.aclose()

    async def aclose(self) -> None:
        """Release the connection."""
        await self.http_response.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _lower(response: httpx.Response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}


class ChatStream(EventStream[ChatCompletionChunk]):
    """A streamed chat completion. Iterate for chunks; ``completion`` accumulates."""

    def __init__(self, response: httpx.Response, *, secret: str | None = None) -> None:
        self.headers = _lower(response)
        super().__init__(response, _ChunkReader(self.headers, secret))

    @property
    def completion(self) -> ChatCompletion:
        """Everything received so far, as one answer."""
        return self._reader.accumulator.result(self.headers)  # type: ignore[attr-defined]


class AsyncChatStream(AsyncEventStream[ChatCompletionChunk]):
    """The async twin of :class:`ChatStream`."""

    def __init__(self, response: httpx.Response, *, secret: str | None = None) -> None:
        self.headers = _lower(response)
        super().__init__(response, _ChunkReader(self.headers, secret))

    @property
    def completion(self) -> ChatCompletion:
        """Everything received so far, as one answer."""
        return self._reader.accumulator.result(self.headers)  # type: ignore[attr-defined]
