r"""Server-sent events, decoded straight from the response bytes.

Why not ``httpx-sse``: it decodes through ``iter_text`` and a generic line decoder and builds a
``ServerSentEvent`` per line, which on a 2,000-chunk stream costs more than everything else this
package does per chunk. Grok servers send a narrow, well-behaved subset of the format
(``data:`` lines and, on ``/v1/responses``, ``event:`` lines; WIRE_FACTS §4), so a small
byte-level decoder that splits on line ends does the job at the cost of one ``bytes.split``
per network read. It still follows the spec where it matters: ``\\r\\n``/``\\r``/``\\n`` line
ends, multi-line ``data``, comments (``:``) ignored, an event dispatched on a blank line, and a
last event without its trailing blank line still delivered when the body ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass

__all__ = ["ServerSentEvent", "SSEDecoder", "iter_events", "aiter_events"]


@dataclass(slots=True)
class ServerSentEvent:
    """One dispatched event: its ``event`` name (``None`` when absent) and its ``data`` text."""

    data: str
    event: str | None = None


class SSEDecoder:
    """Incremental decoder: feed it bytes as they arrive, get whole events back."""

    __slots__ = ("_buffer", "_data", "_event")

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []
        self._event: str | None = None

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        """Consume ``chunk``; return the events it completed (often none or one)."""
        buffer = self._buffer + chunk if self._buffer else chunk
        if b"\r" in buffer:
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop()  # the unterminated tail waits for the next read
        events: list[ServerSentEvent] = []
        for line in lines:
            self._line(line, events)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of body: deliver whatever is pending, terminated or not."""
        events: list[ServerSentEvent] = []
        if self._buffer:
            self._line(self._buffer, events)
            self._buffer = b""
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            if self._data:
                events.append(ServerSentEvent("\n".join(self._data), self._event))
            self._data = []
            self._event = None
            return
        if line.startswith(b"data:"):
            value = line[5:]
            self._data.append((value[1:] if value[:1] == b" " else value).decode("utf-8"))
        elif line.startswith(b"event:"):
            self._event = line[6:].strip().decode("utf-8")
        # ':' comments, 'id:' and 'retry:' carry nothing a Grok client needs.


def iter_events(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode a byte stream into events."""
    decoder = SSEDecoder()
    for chunk in chunks:
        yield from decoder.feed(chunk)
    yield from decoder.flush()


async def aiter_events(chunks: AsyncIterator[bytes]) -> AsyncIterator[ServerSentEvent]:
    """Decode an async byte stream into events."""
    decoder = SSEDecoder()
    async for chunk in chunks:
        for event in decoder.feed(chunk):
            yield event
    for event in decoder.flush():
        yield event
