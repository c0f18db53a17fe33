"""What a test scripts the server to say: :class:`Reply` and the parts it is built from.

A :class:`Reply` describes an answer, not bytes: the server renders it for whichever endpoint and
streaming mode the request asked for, so one script serves every code path of a client. Faults
(a slow first byte, a cut stream, a delay between events) are options of the one answer.

On ``/v1/responses`` each citation becomes a ``[[n]](url)`` marker (appended if the text lacks
it) with a ``url_citation`` annotation, and each :class:`ServerToolRun` an output item before the
answer; chat completions list cited URLs in a top-level ``citations`` array (non-streamed) and do
not show the runs, as xAI does (docs/wire.md, "Responses API").
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Citation", "Reply", "ServerToolRun", "ToolCall", "split_words"]

_WORDS = re.compile(r"\s*\S+|\s+")
SERVER_TOOL_TYPES = (
    "web_search",
    "x_search",
    "code_interpreter",
    "code_execution",
    "file_search",
    "collections_search",
    "document_search",
    "mcp",
)
"""Every server-side tool ``/v1/responses`` takes, in serde's order: the one table of their names."""
SEARCH_TOOLS = SERVER_TOOL_TYPES[:2]
"""The searches the stand-in simulates when they are offered."""
SERVER_TOOL_KINDS = (*SEARCH_TOOLS, "code_interpreter", "file_search")
"""The server-side tools a reply can report; ``code_execution`` is taken as ``code_interpreter``."""


def split_words(text: str) -> tuple[str, ...]:
    """Split into stream pieces the way Grok does: each word carries its leading space."""
    return tuple(_WORDS.findall(text))


def _pieces(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return split_words(value)
    pieces = tuple(value)
    if not all(isinstance(piece, str) for piece in pieces):
        raise TypeError("stream pieces must be strings")
    return pieces


@dataclass(frozen=True)
class ToolCall:
    """One function call in a reply. ``arguments`` is the JSON text sent on the wire."""

    name: str
    arguments: str = "{}"
    id: str | None = None


@dataclass(frozen=True)
class Citation:
    """A source the answer cites. ``title`` None renders as the marker's number, as xAI does."""

    url: str
    title: str | None = None


@dataclass(frozen=True)
class ServerToolRun:
    """One server-side tool run, reported on ``/v1/responses`` before the answer.

    ``type`` is ``web_search``, ``x_search`` or ``code_interpreter``. For a search, ``query`` is
    the query and ``sources`` the URLs it looked at; for code execution, ``query`` is the code and
    ``output`` what it printed. A ``file_search`` (collections) run has its chunks in ``results``.
    """

    type: str
    query: str = ""
    sources: tuple[str, ...] = ()
    output: str | None = None
    results: tuple[Mapping[str, Any], ...] = ()

    def __post_init__(self) -> None:
        if self.type == "code_execution":
            object.__setattr__(self, "type", "code_interpreter")
        if self.type not in SERVER_TOOL_KINDS:
            expected = ", ".join(SERVER_TOOL_KINDS)
            raise ValueError(f"unknown server tool {self.type!r}; expected one of {expected}")


def _citations(values: Sequence[str | Mapping[str, Any] | Citation] | None) -> tuple[Citation, ...]:
    """Accept URLs, ``{"url", "title"}`` mappings or :class:`Citation` objects."""
    cited = []
    for value in values or ():
        if isinstance(value, Citation):
            cited.append(value)
        elif isinstance(value, str):
            cited.append(Citation(value))
        elif isinstance(value, Mapping) and isinstance(value.get("url"), str):
            title = value.get("title")
            cited.append(Citation(value["url"], None if title is None else str(title)))
        else:
            raise TypeError("citations are URLs, {'url', 'title'} mappings or Citation objects")
    return tuple(cited)


def _server_tools(values: Sequence[ServerToolRun | Mapping[str, Any]] | None) -> tuple[ServerToolRun, ...]:
    """Accept :class:`ServerToolRun` objects or ``{"type", "query", "sources", "output"}``."""
    runs = []
    for value in values or ():
        if isinstance(value, ServerToolRun):
            runs.append(value)
        elif isinstance(value, Mapping) and isinstance(value.get("type"), str):
            sources, output = value.get("sources") or (), value.get("output")
            urls = (sources,) if isinstance(sources, str) else tuple(str(u) for u in sources)
            runs.append(
                ServerToolRun(value["type"], str(value.get("query", "")), urls, output and str(output))
            )
        else:
            raise TypeError("server_tools are ServerToolRun objects or {'type', 'query', ...}")
    return tuple(runs)


@dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the classmethods, not the constructor.

    Fault options, accepted by :meth:`text`, :meth:`tool_calls`, :meth:`json` (and where they make
    sense by the other constructors):

    * ``first_byte_delay``: seconds to wait before sending anything, headers included.
    * ``cut_after``: streamed, send that many SSE events and drop the connection (no terminating
      chunk, no ``[DONE]``); non-streamed, announce the full ``Content-Length``, send only the first
      ``cut_after`` bytes of the body and drop the connection.
    * ``chunk_delay``: seconds between SSE events.

    ``citations`` (URLs or ``{"url", "title"}``) and ``server_tools`` (:class:`ServerToolRun` or
    ``{"type", "query", "sources", "output"}``) are described in the module docstring.
    """

    kind: str
    content_pieces: tuple[str, ...] = ()
    reasoning_pieces: tuple[str, ...] | None = None
    calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    model: str | None = None
    usage: Mapping[str, Any] | None = field(default=None, hash=False)
    status: int = 200
    message: str | None = None
    code: str | None = None
    retry_after: float | None = None
    body: bytes | None = None
    after: int = 0
    first_byte_delay: float = 0.0
    cut_after: int | None = None
    chunk_delay: float = 0.0
    citations: tuple[Citation, ...] = ()
    server_tools: tuple[ServerToolRun, ...] = ()

    def __post_init__(self) -> None:
        for name in ("first_byte_delay", "chunk_delay"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0")

    @classmethod
    def text(
        cls,
        content: str | Sequence[str],
        *,
        reasoning: str | Sequence[str] | None = None,
        finish_reason: str = "stop",
        model: str | None = None,
        usage: Mapping[str, Any] | None = None,
        first_byte_delay: float = 0.0,
        cut_after: int | None = None,
        chunk_delay: float = 0.0,
        citations: Sequence[str | Mapping[str, Any] | Citation] | None = None,
        server_tools: Sequence[ServerToolRun | Mapping[str, Any]] | None = None,
    ) -> Reply:
        """A text answer. A list gives the exact stream chunks; a string streams word by word.

        ``reasoning`` is sent as ``reasoning_content`` (streamed before the content, as
        grok-3-mini and grok-4.3 do); on ``/v1/responses`` it is the reasoning summary.
        ``usage`` entries override the computed usage (in the wire's own keys).
        """
        return cls(
            "text",
            content_pieces=_pieces(content) or (),
            reasoning_pieces=_pieces(reasoning),
            finish_reason=finish_reason,
            model=model,
            usage=dict(usage) if usage is not None else None,
            first_byte_delay=first_byte_delay,
            cut_after=cut_after,
            chunk_delay=chunk_delay,
            citations=_citations(citations),
            server_tools=_server_tools(server_tools),
        )

    @classmethod
    def tool_calls(cls, calls: Sequence[Mapping[str, Any]], *, content: str = "", **options: Any) -> Reply:
        """Function calls; each ``{"name", "arguments": dict | str, "id": optional}``.

        Missing ids become ``call_`` plus 8 digits derived from the request (``call-<uuid>-<n>``
        on ``/v1/responses``, as grok-4.3 writes them), so the same request gets the same ids
        (and different calls in one reply get different ones). ``server_tools`` run before the
        calls, as an agentic model searches first and then asks for a function. The other
        options are :meth:`text`'s.
        """
        parsed = []
        for call in calls:
            if "name" not in call:
                raise ValueError("every tool call needs a 'name'")
            arguments = call.get("arguments", {})
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, separators=(",", ":"), ensure_ascii=False)
            parsed.append(ToolCall(str(call["name"]), arguments, call.get("id")))
        if not parsed:
            raise ValueError("Reply.tool_calls needs at least one call")
        text = cls.text(content, **options)
        return replace(text, kind="tool_calls", calls=tuple(parsed), finish_reason="tool_calls")

    @classmethod
    def json(cls, obj: Any, **options: Any) -> Reply:
        """A text answer whose content is ``json.dumps(obj)`` (structured output)."""
        return cls.text(json.dumps(obj, ensure_ascii=False), **options)

    @classmethod
    def web_search(cls, query: str, sources: Sequence[str] = (), *, then: Reply | None = None) -> Reply:
        """A web search the server ran, then the answer ``then`` (a text or tool-call reply).

        Without ``then`` the answer is a short line citing the first two sources. Chain them
        for several searches: ``Reply.web_search("a", [...], then=Reply.web_search("b", ...))``.
        Only ``/v1/responses`` shows the search; chat completions render ``then`` alone.
        """
        run = ServerToolRun("web_search", query, tuple(sources))
        return cls._after_run(run, then, f'i searched the web for "{query}".')

    @classmethod
    def x_search(cls, query: str, sources: Sequence[str] = (), *, then: Reply | None = None) -> Reply:
        """An X (Twitter) search the server ran, then ``then``; see :meth:`web_search`."""
        return cls._after_run(
            ServerToolRun("x_search", query, tuple(sources)), then, f'i searched x for "{query}".'
        )

    @classmethod
    def code_execution(cls, code: str, output: str = "", *, then: Reply | None = None) -> Reply:
        """Code the server ran and what it printed, then ``then`` (default: the output)."""
        run = ServerToolRun("code_interpreter", code, (), output)
        return cls._after_run(run, then, f"the code printed: {output.strip() or '(nothing)'}")

    @classmethod
    def _after_run(cls, run: ServerToolRun, then: Reply | None, line: str) -> Reply:
        if then is None:
            then = cls.text(line, citations=run.sources[:2])
        if then.kind not in ("text", "tool_calls"):
            raise ValueError("a server tool run must be followed by a text or tool-call reply")
        return replace(then, server_tools=(run, *then.server_tools))

    @classmethod
    def error(
        cls,
        status: int,
        message: str | None = None,
        *,
        code: str | None = None,
        retry_after: float | None = None,
        body: bytes | str | None = None,
        first_byte_delay: float = 0.0,
    ) -> Reply:
        """An HTTP error in the server's dialect, or with ``body`` sent verbatim.

        A raw ``body`` that is not JSON is sent as ``text/plain`` (like xAI's 422s).
        """
        if not 400 <= status <= 599:
            raise ValueError("Reply.error status must be 4xx or 5xx")
        raw = body.encode() if isinstance(body, str) else body
        error = cls("error", status=status, message=message, code=code, retry_after=retry_after, body=raw)
        return replace(error, first_byte_delay=first_byte_delay)

    @classmethod
    def malformed_json(cls, *, first_byte_delay: float = 0.0) -> Reply:
        """HTTP 200 ``application/json`` with a truncated body; streamed: an undecodable event."""
        return cls("malformed", first_byte_delay=first_byte_delay)

    @classmethod
    def error_in_body(
        cls,
        message: str = "Timed out waiting for first token",
        code: str = "The service is currently unavailable",
        *,
        after: int = 0,
        first_byte_delay: float = 0.0,
        chunk_delay: float = 0.0,
    ) -> Reply:
        """HTTP 200 whose body is xAI's flat error object (docs/wire.md, "Errors").

        Streamed, ``after`` content chunks of the default answer come first, then a
        ``data: {"code":…,"error":…}`` event, then the stream ends cleanly (no ``[DONE]``).
        """
        error = cls("error_in_body", message=message, code=code, after=after, chunk_delay=chunk_delay)
        return replace(error, first_byte_delay=first_byte_delay)

    @property
    def content(self) -> str:
        """The whole answer text."""
        return "".join(self.content_pieces)
