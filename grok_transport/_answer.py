"""One answer and one stream delta, whichever endpoint served the call.

xAI serves a chat turn from two endpoints, ``/v1/chat/completions`` and ``/v1/responses``, with
different JSON. The readers (:mod:`grok_transport._chat_reader`, :mod:`grok_transport._responses_reader`)
turn either into the types here, so an adapter has exactly one ``Answer → message`` and one
``Delta → chunk`` conversion and never asks which endpoint answered.

What both adapters attach to a message beyond its text (reasoning, citations, server-side tool
runs, the raw output items to replay) is decided here too, in :meth:`Answer.extras` and
:meth:`Answer.metadata`, so the two frameworks show the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from grok_transport._ratelimit import RateLimitInfo
from grok_transport._wire import ToolCall, Usage

__all__ = ["Answer", "Citation", "Delta", "DeltaKind", "ServerToolRun"]


@dataclass(slots=True)
class Citation:
    """A source the answer cites, with the span of the text it supports (when known).

    Chat completions give a bare URL list; the Responses API gives ``url_citation`` annotations
    with a title and character offsets into the answer text.
    """

    url: str
    title: str | None = None
    start_index: int | None = None
    end_index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """The plain form both adapters put in ``additional_kwargs["citations"]``."""
        return {
            "url": self.url,
            "title": self.title,
            "start_index": self.start_index,
            "end_index": self.end_index,
        }


@dataclass(slots=True)
class ServerToolRun:
    """One tool run the server did itself (``web_search_call``, ``x_search_call``, code execution…).

    A remote MCP server's call (``mcp_call``) keeps its ``server_label``, the MCP tool's ``name``,
    its ``arguments`` (a JSON string), ``output`` and ``error`` in ``action``.
    """

    id: str
    type: str
    status: str | None = None
    action: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The tool's name as bound (``web_search`` for ``web_search_call``)."""
        return self.type.removesuffix("_call")

    @property
    def sources(self) -> list[str]:
        """URLs the tool looked at, when it reports them."""
        return [s["url"] for s in self.action.get("sources") or () if isinstance(s, dict) and "url" in s]

    def as_dict(self) -> dict[str, Any]:
        """The plain form both adapters put in ``additional_kwargs["server_tool_calls"]``.

        A search has a ``query`` and the ``sources`` it read; code execution has no query but
        the ``code`` it ran and its ``outputs``, added when present.
        """
        run: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "name": self.name,
            "status": self.status,
            "query": self.action.get("query"),
            "sources": self.sources,
        }
        if "results" in self.action:  # a collections search: the chunks it found
            run["results"] = self.action["results"]
        if "code" in self.action:
            run["code"] = self.action["code"]
            run["outputs"] = self.action.get("outputs") or []
        if self.type.startswith("mcp_"):  # a remote MCP server's tool: which one, with what, and its result
            run.update(self.action)
            run["tool_name"] = run.pop("name", None)
            run["name"] = self.name
        return run


@dataclass(slots=True)
class Answer:
    """One whole answer: received at once, or accumulated from a stream (possibly cut short)."""

    id: str = ""
    model: str = ""
    text: str = ""
    reasoning: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    server_tool_runs: list[ServerToolRun] = field(default_factory=list)
    usage: Usage | None = None
    finish_reason: str | None = None
    logprobs: Any = None
    system_fingerprint: str | None = None
    refusal: str | None = None
    service_tier: str | None = None
    created: int | None = None
    output: list[dict[str, Any]] = field(default_factory=list)
    """The Responses API's raw output items: sent back on the next turn, they continue a
    conversation (encrypted reasoning included) without ``store=True``."""
    raw: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    """Response headers (lower-case names): request id, rate limits."""

    @property
    def request_id(self) -> str | None:
        """The server's ``X-Request-Id``, when it sent one."""
        return self.headers.get("x-request-id")

    def extras(self) -> dict[str, Any]:
        """What both adapters attach to the message besides text, tool calls and usage."""
        extras: dict[str, Any] = {}
        if self.reasoning:
            extras["reasoning_content"] = self.reasoning
        if self.refusal:
            extras["refusal"] = self.refusal
        if self.citations:
            extras["citations"] = [citation.as_dict() for citation in self.citations]
        if self.server_tool_runs:
            extras["server_tool_calls"] = [run.as_dict() for run in self.server_tool_runs]
        if self.output:
            extras["responses_output"] = self.output
        return extras

    def metadata(self, *, include_headers: bool = False) -> dict[str, Any]:
        """The answer-wide facts both adapters report (model, id, finish reason, usage, cost…).

        ``include_headers`` adds the response headers and the parsed ``X-Ratelimit-*`` limits.
        """
        metadata: dict[str, Any] = {"model_name": self.model}
        if self.id:
            metadata["id"] = self.id
        if self.finish_reason:
            metadata["finish_reason"] = self.finish_reason
        if self.system_fingerprint:
            metadata["system_fingerprint"] = self.system_fingerprint
        if self.service_tier:
            metadata["service_tier"] = self.service_tier
        if self.logprobs is not None:
            metadata["logprobs"] = self.logprobs
        if self.usage is not None:
            metadata["token_usage"] = self.usage.raw
            if self.usage.cost_in_usd_ticks is not None:
                metadata["cost_in_usd_ticks"] = self.usage.cost_in_usd_ticks
        if include_headers and self.headers:
            metadata["headers"] = dict(self.headers)
            limits = RateLimitInfo.from_headers(self.headers)
            if limits is not None:
                metadata["rate_limits"] = limits.as_dict()
        return metadata


DeltaKind = Literal["text", "reasoning", "tool_call", "server_tool", "done"]


@dataclass(slots=True)
class Delta:
    """What one step of a stream adds.

    ``text`` for ``"text"`` and ``"reasoning"``; ``tool_call`` for ``"tool_call"`` (whole on xAI,
    a fragment with its ``index`` from proxies that split calls: merge by index); ``server_tool``
    for a finished server-side tool run; ``answer`` for ``"done"``, the last delta of every
    stream, holding the whole answer (usage, finish reason, citations).
    """

    kind: DeltaKind
    text: str = ""
    tool_call: ToolCall | None = None
    server_tool: ServerToolRun | None = None
    answer: Answer | None = None
    logprobs: Any = None
