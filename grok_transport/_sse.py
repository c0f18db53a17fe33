r"""Server-sent events, decoded straight from the response bytes.

Why not ``httpx-sse``: it decodes through ``iter_text`` and a generic line decoder and builds a
``ServerSentEvent`` per line, which on a 2,000-chunk stream costs more than everything else this
package does per chunk. Grok servers send a narrow, well-behaved subset of the format
(``data:`` lines and, on ``/v1/responses``, ``event:`` lines; docs/wire.md, "Streaming"), so a
small byte-level decoder that splits on line ends does the job at the cost of one ``bytes.split``
per network read. It still follows the spec where it matters: ``\r\n``/``\r``/``\n`` line ends
(a ``\r\n`` split between two reads is one line end, not two), multi-line ``data``, comments
(``:``) ignored, an event dispatched on a blank line, and a last event without its trailing
blank line still delivered when the body ends.

Bytes are decoded as UTF-8 one whole line at a time, so a character split between two reads
waits for the rest of it. A line that is not valid UTF-8 (a corrupt body, or one cut inside a
character) raises :class:`SSEDecodeError`, an ``httpx.DecodingError``: stream readers already
turn ``httpx`` errors into a typed error that keeps what had arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

__all__ = ["SSEDecodeError", "SSEDecoder", "ServerSentEvent"]


class SSEDecodeError(httpx.DecodingError):
    """An event-stream line is not valid UTF-8."""


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
        held = b""
        if b"\r" in buffer:
            if buffer[-1:] == b"\r":  # maybe the first half of a "\r\n": wait for the next byte
                buffer, held = buffer[:-1], b"\r"
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = buffer.split(b"\n")
        self._buffer = lines.pop() + held  # the unterminated tail waits for the next read
        events: list[ServerSentEvent] = []
        for line in lines:
            self._line(line, events)
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of body: deliver whatever is pending, terminated or not."""
        events: list[ServerSentEvent] = []
        tail, self._buffer = self._buffer.rstrip(b"\r"), b""
        if tail:
            self._line(tail, events)
        self._line(b"", events)
        return events

    def _line(self, line: bytes, events: list[ServerSentEvent]) -> None:
        if not line:
            if self._data:
                events.append(ServerSentEvent("\n".join(self._data), self._event))
            self._data = []
            self._event = None
            return
        try:
            if line.startswith(b"data:"):
                value = line[5:]
                self._data.append((value[1:] if value[:1] == b" " else value).decode("utf-8"))
            elif line.startswith(b"event:"):
                self._event = line[6:].strip().decode("utf-8")
            # ':' comments, 'id:' and 'retry:' carry nothing a Grok client needs.
        except UnicodeDecodeError as exc:
            raise SSEDecodeError(
                f"the event stream is not valid UTF-8 ({exc.reason} at byte {exc.start} of a "
                f"{len(line)}-byte line); the body may have been cut inside a character"
            ) from None
