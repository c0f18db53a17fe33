"""What the test server says: the scripted :class:`Reply` type and the built-in default reply.

A :class:`Reply` describes an answer, not bytes. The same object renders as a ``chat.completion``
or as an SSE stream depending on the request's ``stream`` flag, so one script serves both code
paths of a client. Faults (a slow first byte, a cut stream, a delay between events) are options
of the reply because they belong to one answer, not to the server.

The default reply exists so that tests which do not care about the words still get an answer that
the framework under test accepts. In order of precedence:

1. a tool call, when tools are offered, ``tool_choice`` is not ``"none"`` and the last message is
   from the user: a named ``tool_choice`` calls that tool; otherwise every tool the message
   mentions (its name, or a word of four or more letters from its description) is called, only
   the first with ``parallel_tool_calls: false``; ``"required"`` falls back to the first tool.
   Arguments validate against the tool's ``parameters``;
2. after ``tool`` results, a call to any tool the user's message still asks for and that was not
   called yet (how the real API walks through ``parallel_tool_calls: false``, one call per turn),
   else a text quoting each result since the user's message, naming the function behind it;
3. a schema-valid JSON instance under ``response_format`` ``json_schema`` (a small object for
   ``json_object``);
4. a short lowercase line that echoes the user's first words (witty, with an emoji, on grokinc).

Models that return ``reasoning_content`` (grok-3-mini, grok-4.3, grok-code-fast-1 per the
catalogue) also get a short reasoning text. The reply is a pure function of the request body, so
the same request always gets the same words and the same tool-call ids.

Two options exist for the Responses API (``/v1/responses``) only, where xAI reports them:

* ``citations``: sources the answer cites. The Responses answer carries each as a
  ``[[n]](url)`` marker in the text (appended when the text does not hold one already) with a
  ``url_citation`` annotation pointing at it. Chat completions leave the text alone and list
  the URLs in a top-level ``citations`` array (the chat spec's field; only non-streamed).
* ``server_tools``: server-side tool runs (:class:`ServerToolRun`: web search, X search, code
  execution) reported as ``web_search_call`` / ``x_search_call`` / ``code_interpreter_call``
  items before the answer. Chat completions ignore them. :meth:`Reply.web_search`,
  :meth:`Reply.x_search` and :meth:`Reply.code_execution` are shorthands that chain runs in
  front of the answer that follows them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from ..catalogue import ModelInfo
from .schema_instance import arguments_for, instance_for

__all__ = [
    "Citation",
    "Reply",
    "ServerToolRun",
    "ToolCall",
    "default_reply",
    "explanation",
    "message_text",
    "reasoning_for",
    "split_words",
]

_WORDS = re.compile(r"\s*\S+|\s+")
_JSON_COMPACT = (",", ":")


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


def _check_delay(name: str, value: float) -> float:
    if value < 0:
        raise ValueError(f"{name} must be >= 0")
    return float(value)


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


SERVER_TOOL_KINDS = ("web_search", "x_search", "code_interpreter")
"""The server-side tools a reply can report; ``code_execution`` is taken as ``code_interpreter``."""


@dataclass(frozen=True)
class ServerToolRun:
    """One server-side tool run, reported on ``/v1/responses`` before the answer.

    ``type`` is ``web_search``, ``x_search`` or ``code_interpreter``. For a search, ``query`` is
    the query and ``sources`` the URLs it looked at; for code execution, ``query`` is the code and
    ``output`` what it printed.
    """

    type: str
    query: str = ""
    sources: tuple[str, ...] = ()
    output: str | None = None

    def __post_init__(self) -> None:
        if self.type == "code_execution":
            object.__setattr__(self, "type", "code_interpreter")
        if self.type not in SERVER_TOOL_KINDS:
            raise ValueError(
                f"unknown server tool {self.type!r}; expected one of {', '.join(SERVER_TOOL_KINDS)}"
            )


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


def _server_tools(
    values: Sequence[ServerToolRun | Mapping[str, Any]] | None,
) -> tuple[ServerToolRun, ...]:
    """Accept :class:`ServerToolRun` objects or ``{"type", "query", "sources", "output"}``."""
    runs = []
    for value in values or ():
        if isinstance(value, ServerToolRun):
            runs.append(value)
        elif isinstance(value, Mapping) and isinstance(value.get("type"), str):
            sources = value.get("sources") or ()
            if isinstance(sources, str):
                sources = (sources,)
            output = value.get("output")
            runs.append(
                ServerToolRun(
                    value["type"],
                    str(value.get("query", "")),
                    tuple(str(u) for u in sources),
                    None if output is None else str(output),
                )
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

    Responses-API options, accepted by :meth:`text`, :meth:`json` and :meth:`tool_calls` (see
    the module docstring): ``citations`` (URLs or ``{"url", "title"}``) and ``server_tools``
    (:class:`ServerToolRun` or ``{"type", "query", "sources", "output"}``).
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

    # constructors ------------------------------------------------------------------------

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
        ``usage`` entries override the computed usage. ``citations`` and ``server_tools`` are
        described in the module docstring.
        """
        return cls(
            "text",
            content_pieces=_pieces(content) or (),
            reasoning_pieces=_pieces(reasoning),
            finish_reason=finish_reason,
            model=model,
            usage=dict(usage) if usage is not None else None,
            first_byte_delay=_check_delay("first_byte_delay", first_byte_delay),
            cut_after=cut_after,
            chunk_delay=_check_delay("chunk_delay", chunk_delay),
            citations=_citations(citations),
            server_tools=_server_tools(server_tools),
        )

    @classmethod
    def tool_calls(
        cls,
        calls: Sequence[Mapping[str, Any]],
        *,
        content: str = "",
        reasoning: str | Sequence[str] | None = None,
        model: str | None = None,
        usage: Mapping[str, Any] | None = None,
        first_byte_delay: float = 0.0,
        cut_after: int | None = None,
        chunk_delay: float = 0.0,
        citations: Sequence[str | Mapping[str, Any] | Citation] | None = None,
        server_tools: Sequence[ServerToolRun | Mapping[str, Any]] | None = None,
    ) -> Reply:
        """Function calls; each ``{"name", "arguments": dict | str, "id": optional}``.

        Missing ids become ``call_`` plus 8 digits derived from the request (``call-<uuid>-<n>``
        on ``/v1/responses``, as grok-4.3 writes them), so the same request gets the same ids
        (and different calls in one reply get different ones). ``server_tools`` run before the
        calls, as an agentic model searches first and then asks for a function.
        """
        parsed = []
        for call in calls:
            if "name" not in call:
                raise ValueError("every tool call needs a 'name'")
            arguments = call.get("arguments", {})
            if not isinstance(arguments, str):
                arguments = json.dumps(arguments, separators=_JSON_COMPACT, ensure_ascii=False)
            parsed.append(ToolCall(str(call["name"]), arguments, call.get("id")))
        if not parsed:
            raise ValueError("Reply.tool_calls needs at least one call")
        return cls(
            "tool_calls",
            content_pieces=split_words(content),
            reasoning_pieces=_pieces(reasoning),
            calls=tuple(parsed),
            finish_reason="tool_calls",
            model=model,
            usage=dict(usage) if usage is not None else None,
            first_byte_delay=_check_delay("first_byte_delay", first_byte_delay),
            cut_after=cut_after,
            chunk_delay=_check_delay("chunk_delay", chunk_delay),
            citations=_citations(citations),
            server_tools=_server_tools(server_tools),
        )

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
        return cls._after_run(
            ServerToolRun("web_search", query, tuple(sources)), then, f'i searched the web for "{query}".'
        )

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
        return cls(
            "error",
            status=status,
            message=message,
            code=code,
            retry_after=retry_after,
            body=raw,
            first_byte_delay=_check_delay("first_byte_delay", first_byte_delay),
        )

    @classmethod
    def malformed_json(cls, *, first_byte_delay: float = 0.0) -> Reply:
        """HTTP 200 ``application/json`` with a truncated body; streamed: a ``data: {not json`` event."""
        return cls("malformed", first_byte_delay=_check_delay("first_byte_delay", first_byte_delay))

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
        """HTTP 200 whose body is xAI's flat error object (WIRE_FACTS §10, "200 (!)").

        Streamed, ``after`` content chunks of the default answer come first, then a
        ``data: {"code":…,"error":…}`` event, then the stream ends cleanly (no ``[DONE]``).
        """
        return cls(
            "error_in_body",
            message=message,
            code=code,
            after=after,
            first_byte_delay=_check_delay("first_byte_delay", first_byte_delay),
            chunk_delay=_check_delay("chunk_delay", chunk_delay),
        )

    # derived -----------------------------------------------------------------------------

    @property
    def content(self) -> str:
        """The whole answer text."""
        return "".join(self.content_pieces)

    @property
    def reasoning(self) -> str | None:
        """The whole reasoning text, if any."""
        return None if self.reasoning_pieces is None else "".join(self.reasoning_pieces)

    @cached_property
    def encoded_content(self) -> tuple[str, ...]:
        """Each content piece as a JSON string literal, computed once per reply.

        A sticky benchmark reply streams thousands of pieces per request; encoding them once
        keeps the per-chunk cost at a string concatenation.
        """
        return tuple(json.dumps(p, ensure_ascii=False) for p in self.content_pieces)

    @cached_property
    def encoded_reasoning(self) -> tuple[str, ...]:
        """Each reasoning piece as a JSON string literal (see :attr:`encoded_content`)."""
        return tuple(json.dumps(p, ensure_ascii=False) for p in self.reasoning_pieces or ())


# default reply -------------------------------------------------------------------------------


def message_text(message: Any) -> str:
    """The text of a message's ``content``: a string, or the text parts of a parts list."""
    if not isinstance(message, Mapping):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            part.get("text", "")
            for part in content
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        )
    return ""


def _digest(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


def _snippet(text: str, words: int = 8) -> str:
    parts = text.lower().split()
    short = " ".join(parts[:words])
    return short + ("…" if len(parts) > words else "")


_GROKINC_LINES = (
    'lol, "{s}"? say less. 😎',
    'ok so "{s}" — bold move. i respect it. ✌️',
    'hmm, "{s}"... the vibes are immaculate tbh. 🌊',
    '"{s}"? easy. i got you, fam. 🤙',
    'wait, "{s}"? you had me at hello. 😏',
)
_GROKINC_HELLO = "hey hey. what's good? 😎"
_PLAIN_LINE = '"{s}" — got it. this is a short reply from the local grok test server.'
_PLAIN_HELLO = "hello from the local grok test server."


def _voice(text: str, provider: str) -> str:
    """A short lowercase line; Grok Inc's is witty with an emoji (seed 000's persona)."""
    snippet = _snippet(text)
    if provider == "grokinc":
        if not snippet:
            return _GROKINC_HELLO
        return _GROKINC_LINES[_digest(text) % len(_GROKINC_LINES)].format(s=snippet)
    return _PLAIN_LINE.format(s=snippet) if snippet else _PLAIN_HELLO


def explanation(conversation: Any, last_response: str) -> str:
    """Grok Inc's in-character explanation of its own last answer (``/v1/chat/explain``)."""
    question = ""
    if isinstance(conversation, list):
        for message in reversed(conversation):
            if isinstance(message, Mapping) and message.get("role") == "user":
                question = message_text(message)
                break
    asked = f'you asked "{_snippet(question)}" and ' if question.strip() else ""
    return (
        f'{asked}i went with "{_snippet(last_response, 10)}" because short, playful and a little '
        "cheeky is kinda my whole thing. no deep lore, just vibes. 😎"
    )


def _tools(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [
        t["function"]
        for t in tools
        if isinstance(t, Mapping)
        and isinstance(t.get("function"), Mapping)
        and isinstance(t["function"].get("name"), str)
    ]


_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "for",
        "from",
        "get",
        "gets",
        "how",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "that",
        "the",
        "this",
        "to",
        "use",
        "used",
        "uses",
        "using",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "you",
        "your",
    }
)
_TOKEN = re.compile(r"[a-z0-9]+")


def _mentions(function: Mapping[str, Any], text: str, words: set[str]) -> bool:
    """Decide whether the user's message mentions the tool (the ``auto`` heuristic).

    It does when it contains the tool's name (``get_weather``, or ``get weather`` with spaces) or
    any word of four or more letters from the tool's description that is not a stop word.
    """
    name = function["name"].lower()
    if name in text or name.replace("_", " ").replace("-", " ") in text:
        return True
    description = function.get("description")
    if isinstance(description, str):
        for word in _TOKEN.findall(description.lower()):
            if len(word) >= 4 and word not in _STOPWORDS and word in words:
                return True
    return False


def _choose_tools(
    body: Mapping[str, Any], user_text: str, *, done: frozenset[str] = frozenset()
) -> list[Mapping[str, Any]]:
    """The functions the default reply calls (empty for a text answer).

    ``done`` names the functions already called since the user's message: after their results
    come back, only what the message still asks for is called (this is how the real API walks
    through ``parallel_tool_calls: false`` one call per turn), and ``required`` no longer forces a
    call, so a conversation always ends in text.
    """
    functions = _tools(body)
    if not functions:
        return []
    choice = body.get("tool_choice", "auto")
    if choice == "none":
        return []
    if isinstance(choice, Mapping):
        wanted = (
            choice.get("function", {}).get("name")
            if isinstance(choice.get("function"), Mapping)
            else choice.get("name")
        )
        named = [f for f in functions if f["name"] == wanted] or [{"name": str(wanted)}]
        return [f for f in named if f["name"] not in done]
    text = user_text.lower()
    words = set(_TOKEN.findall(text))
    matches = [f for f in functions if _mentions(f, text, words) and f["name"] not in done]
    if not matches and choice == "required" and not done:
        matches = functions[:1]
    if body.get("parallel_tool_calls") is False:
        matches = matches[:1]
    return matches


def _called_since_user(messages: list[Any]) -> frozenset[str]:
    """Names of the functions the assistant called after the last user message."""
    called: set[str] = set()
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") == "user":
            break
        for call in message.get("tool_calls") or ():
            if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                called.add(str(call["function"].get("name")))
    return frozenset(called)


def _tool_results_reply(messages: list[Any]) -> str:
    """Text quoting every tool result since the user spoke, naming the function behind each."""
    names: dict[str, str] = {}
    for message in messages:
        if isinstance(message, Mapping) and message.get("role") == "assistant":
            for call in message.get("tool_calls") or []:
                if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                    names[str(call.get("id"))] = str(call["function"].get("name", "the tool"))
    results = []
    for message in reversed(messages):
        if not isinstance(message, Mapping) or message.get("role") == "user":
            break
        if message.get("role") != "tool":
            continue
        result = message_text(message).strip()
        if len(result) > 200:
            result = result[:200] + "…"
        name = names.get(str(message.get("tool_call_id")), "the tool")
        results.append(f'{name} returned "{result}"')
    results.reverse()
    return "here's what i found: " + "; ".join(results) + "."


def reasoning_for(text: str) -> str:
    """The default reasoning text for a question (shared with the Responses renderer)."""
    snippet = _snippet(text)
    if not snippet:
        return "no question yet. a friendly hello fits."
    return f'the user wrote "{snippet}". a short, direct answer fits here.'


def default_reply(body: Mapping[str, Any], *, provider: str, info: ModelInfo) -> Reply:
    """The built-in answer to a chat request, a pure function of the request body."""
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    last = messages[-1] if messages else {}
    role = last.get("role") if isinstance(last, Mapping) else None
    user_text = message_text(last) if role == "user" else ""
    if not user_text:
        for message in reversed(messages):
            if isinstance(message, Mapping) and message.get("role") == "user":
                user_text = message_text(message)
                break
    reasoning = reasoning_for(user_text) if info.reasoning_content else None

    if role in ("user", "tool"):
        done = _called_since_user(messages) if role == "tool" else frozenset()
        chosen = _choose_tools(body, user_text, done=done)
        if chosen:
            hint = " ".join(user_text.split()[:12]) or None
            calls = [
                {"name": f["name"], "arguments": arguments_for(f.get("parameters"), hint=hint)}
                for f in chosen
            ]
            return Reply.tool_calls(calls, reasoning=reasoning)
    if role == "tool":
        return Reply.text(_tool_results_reply(messages), reasoning=reasoning)

    response_format = body.get("response_format")
    if isinstance(response_format, Mapping):
        if response_format.get("type") == "json_schema":
            spec = response_format.get("json_schema")
            schema = spec.get("schema") if isinstance(spec, Mapping) else None
            return Reply.json(instance_for(schema or {"type": "object"}), reasoning=reasoning)
        if response_format.get("type") == "json_object":
            return Reply.json({"answer": _voice(user_text, provider)}, reasoning=reasoning)
    return Reply.text(_voice(user_text, provider), reasoning=reasoning)
