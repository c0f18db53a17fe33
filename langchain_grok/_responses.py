"""Responses-API answers (``POST /v1/responses``) as LangChain messages.

``ChatGrok`` takes this path when a server-side tool is bound (``web_search``, ``x_search``,
code execution…), as ``ChatXAI`` does, or always with ``use_responses_api=True``. The transport
(:mod:`grok_transport.responses`) translates the request and parses the answer; this module maps
the parsed :class:`~grok_transport.responses.Response` and its stream events onto the same
message shape the chat-completions path produces, plus what only this API has:

* ``additional_kwargs["citations"]``: ``{"url", "title", "start_index", "end_index"}`` per cited
  source (v1 ``Citation`` annotations through the ``grok`` block translator);
* ``additional_kwargs["server_tool_calls"]``: the server's tool runs (id, type, name, status,
  query, sources; code and outputs for code execution), the same dicts ``llama_index_grok`` uses;
* ``additional_kwargs["responses_output"]``: the raw output items, encrypted reasoning included.
  Sent back with the next turn, they let a conversation with server tools continue without
  ``store=True`` (xAI keeps nothing).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_core.messages.tool import tool_call_chunk

from langchain_grok._blocks import PROVIDER
from langchain_grok._convert import answer_metadata, tool_calls, usage_to_metadata

if TYPE_CHECKING:
    from grok_transport.responses import Response, ResponseEvent

__all__ = ["response_to_message", "event_to_chunk", "final_response_chunk"]


def _extras(response: Response) -> dict[str, Any]:
    """What the Responses API adds to a message's ``additional_kwargs``."""
    extras: dict[str, Any] = {}
    if response.reasoning:
        extras["reasoning_content"] = response.reasoning
    if response.citations:
        extras["citations"] = [c.as_dict() for c in response.citations]
    if response.server_tool_calls:
        extras["server_tool_calls"] = [call.as_dict() for call in response.server_tool_calls]
    if response.output:
        extras["responses_output"] = response.output
    return extras


def _metadata(response: Response, *, include_headers: bool) -> dict[str, Any]:
    return answer_metadata(
        model=response.model,
        response_id=response.id,
        finish_reason=response.finish_reason,
        usage=response.usage,
        headers=response.headers,
        include_headers=include_headers,
    )


def response_to_message(response: Response, *, include_headers: bool = False) -> AIMessage:
    """A whole Responses answer as an ``AIMessage``."""
    valid, invalid = tool_calls(response.tool_calls)
    return AIMessage(
        content=response.text,
        additional_kwargs=_extras(response),
        tool_calls=valid,
        invalid_tool_calls=invalid,
        usage_metadata=usage_to_metadata(response.usage) if response.usage else None,
        response_metadata=_metadata(response, include_headers=include_headers),
    )


def event_to_chunk(event: ResponseEvent, calls_so_far: list[str]) -> AIMessageChunk | None:
    """One stream event as a delta, or ``None`` for events that add nothing to the message.

    Function calls are taken whole from ``response.output_item.done``; ``calls_so_far`` (one per
    stream) numbers them so each gets its own index.
    """
    kind = event.type
    if kind == "response.output_text.delta":
        return AIMessageChunk(content=event.delta, response_metadata={"model_provider": PROVIDER})
    if kind == "response.reasoning_summary_text.delta":
        return AIMessageChunk(
            content="",
            additional_kwargs={"reasoning_content": event.delta},
            response_metadata={"model_provider": PROVIDER},
        )
    if kind == "response.output_item.done":
        item = event.data.get("item") or {}
        if item.get("type") == "function_call":
            call_id = item.get("call_id") or item.get("id") or ""
            calls_so_far.append(call_id)
            return AIMessageChunk(
                content="",
                tool_call_chunks=[
                    tool_call_chunk(
                        name=item.get("name"),
                        args=item.get("arguments") or "",
                        id=call_id or None,
                        index=len(calls_so_far) - 1,
                    )
                ],
                response_metadata={"model_provider": PROVIDER},
            )
    return None


def final_response_chunk(
    response: Response, *, reasoning_streamed: bool, include_headers: bool = False
) -> AIMessageChunk:
    """The closing chunk: usage, metadata, citations, server tool runs and the output items.

    The reasoning is repeated here only if no piece of it was streamed (some models send it only
    inside the final ``response`` object).
    """
    extras = _extras(response)
    if reasoning_streamed:
        extras.pop("reasoning_content", None)
    return AIMessageChunk(
        content="",
        additional_kwargs=extras,
        usage_metadata=usage_to_metadata(response.usage) if response.usage else None,
        response_metadata=_metadata(response, include_headers=include_headers),
        chunk_position="last",
    )
