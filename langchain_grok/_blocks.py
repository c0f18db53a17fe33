"""The v1 content-block translator for ``model_provider="grok"``.

``AIMessage.content_blocks`` (and every ``output_version="v1"`` message or stream) asks the
translator registered for the message's ``response_metadata["model_provider"]``. Core ships none
for Grok, so without this module reasoning would only come out by best-effort parsing and
citations not at all.

Why ``"grok"`` and not ``"xai"``: ``ChatGrok`` also speaks to Grok Inc, grokapi.io and custom
proxies, and ``"xai"`` belongs to ``langchain-xai`` (should it ever register a translator, the two
packages must not overwrite each other's). The same name is ``ls_provider`` in traces.

Streamed blocks need an ``index`` that is unique *across block types*: core merges v1 chunks by
index, so a tool call that reused the API's index 0 after a reasoning or text block at index 0
would be merged into that block and vanish (ChatXAI's ``test_tool_calling[v1]`` failure). The
layout here is fixed and stateless, so it needs no bookkeeping per stream: reasoning is block 0,
text block 1, and the API's tool call ``i`` is block ``2 + i``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.messages.block_translators import register_translator

if TYPE_CHECKING:
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.messages import content as types

__all__ = ["PROVIDER", "translate_content", "translate_content_chunk"]

PROVIDER = "grok"
REASONING_INDEX = 0
TEXT_INDEX = 1
TOOL_INDEX_OFFSET = 2


def _text_block(message: AIMessage, index: int | None) -> types.TextContentBlock | None:
    text = message.content
    if not isinstance(text, str):
        # Not this package's shape (e.g. content set by hand); core's best-effort parser copes.
        raise NotImplementedError
    if not text:
        return None
    block: dict[str, Any] = {"type": "text", "text": text}
    citations = message.additional_kwargs.get("citations")
    if citations:
        block["annotations"] = [_citation(c) for c in citations]
    if index is not None:
        block["index"] = index
    return block  # type: ignore[return-value]


def _citation(citation: str | dict[str, Any]) -> dict[str, Any]:
    """A v1 ``Citation`` annotation from a cited URL or a citation dict (unknown fields left out)."""
    if isinstance(citation, str):
        return {"type": "citation", "url": citation}
    return {"type": "citation", **{k: v for k, v in citation.items() if v is not None}}


def _reasoning_block(message: AIMessage, index: int | None) -> types.ReasoningContentBlock | None:
    reasoning = message.additional_kwargs.get("reasoning_content")
    if not isinstance(reasoning, str) or not reasoning:
        return None
    block: dict[str, Any] = {"type": "reasoning", "reasoning": reasoning}
    if index is not None:
        block["index"] = index
    return block  # type: ignore[return-value]


def _server_tool_blocks(message: AIMessage) -> list[dict[str, Any]]:
    """Server-side tool runs (Responses API): each a call (its query or code) and its result."""
    blocks: list[dict[str, Any]] = []
    for item in message.additional_kwargs.get("server_tool_calls") or ():
        call_id = item.get("id") or ""
        args = {
            key: item[key]
            for key in ("query", "code", "server_label", "tool_name", "arguments")
            if item.get(key)
        }
        blocks.append({"type": "server_tool_call", "id": call_id, "name": item.get("name", ""), "args": args})
        result: dict[str, Any] = {
            "type": "server_tool_result",
            "tool_call_id": call_id,
            "status": "success"
            if item.get("status") in (None, "completed") and not item.get("error")
            else "error",
        }
        output = (  # MCP: the server's text; file_search: its results
            item.get("sources") or item.get("outputs") or item.get("output") or item.get("results")
        )
        if output:
            result["output"] = output
        blocks.append(result)
    return blocks


def _finished(message: AIMessage, index: bool) -> list[types.ContentBlock]:
    blocks: list[Any] = [_reasoning_block(message, REASONING_INDEX if index else None)]
    blocks.extend(_server_tool_blocks(message))
    blocks.append(_text_block(message, TEXT_INDEX if index else None))
    blocks = [b for b in blocks if b is not None]
    blocks.extend(
        {"type": "tool_call", "id": call.get("id"), "name": call["name"], "args": call["args"]}
        for call in message.tool_calls
    )
    return blocks


def translate_content(message: AIMessage) -> list[types.ContentBlock]:
    """Blocks of a whole answer: reasoning, server tool runs, text (with citations), tool calls."""
    return _finished(message, index=False)


def translate_content_chunk(chunk: AIMessageChunk) -> list[types.ContentBlock]:
    """Blocks of one stream delta, indexed so that merging keeps them apart."""
    if chunk.chunk_position == "last":  # an aggregate: tool calls are parsed by now
        return _finished(chunk, index=True)
    blocks: list[Any] = [_reasoning_block(chunk, REASONING_INDEX), _text_block(chunk, TEXT_INDEX)]
    blocks = [b for b in blocks if b is not None]
    for call in chunk.tool_call_chunks:
        block: dict[str, Any] = {
            "type": "tool_call_chunk",
            "id": call.get("id"),
            "name": call.get("name"),
            "args": call.get("args"),
        }
        if (index := call.get("index")) is not None:
            block["index"] = TOOL_INDEX_OFFSET + index
        blocks.append(block)
    return blocks


register_translator(PROVIDER, translate_content, translate_content_chunk)
