"""Every recorded ``/v1/chat/completions`` exchange, replayed through ``ChatGrok``.

Each logical call of a recording is made the way it was recorded (``invoke`` for a JSON answer,
``stream`` aggregated with ``+`` for SSE), sync and async, and the LangChain message is compared
with an independent reading of the recorded bytes (``wire_cassettes``): text, tool calls,
reasoning, usage (xAI's arithmetic: ``total == input + output`` with reasoning counted in output),
``response_metadata``, or the typed error, which must also be a ``langchain_core`` model error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAuthenticationError,
    ModelError,
    ModelInvalidRequestError,
)
from langchain_core.messages import AIMessage, AIMessageChunk

import grok_transport
from langchain_grok import ChatGrok
from tests.conformance.wire_cassettes import (
    Expected,
    ExpectedResponse,
    cassette_params,
    load,
    load_responses,
    replay,
    require_shared_wire,
    responses_cassette_params,
)


def _model() -> ChatGrok:
    return ChatGrok(api_key="xai-replay", base_url="https://api.x.ai/v1", max_retries=3)


def _recorded_fingerprints(path: Path) -> list[str | None]:
    """``system_fingerprint`` of each successful chat answer, in order (the last one a stream sent)."""
    fingerprints: list[str | None] = []
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        if not interaction["request"]["uri"].endswith("/v1/chat/completions"):
            continue
        if interaction["response"]["status"]["code"] >= 400:
            continue
        text = interaction["response"]["body"]["string"]
        if isinstance(text, bytes):
            text = text.decode()
        if text.lstrip().startswith("{"):
            fingerprints.append(json.loads(text).get("system_fingerprint"))
            continue
        found = None
        for block in text.split("\n\n"):
            data = block.strip().removeprefix("data:").strip()
            if data.startswith("{"):
                found = json.loads(data).get("system_fingerprint") or found
        fingerprints.append(found)
    return fingerprints


def _check(expected: Expected, message: AIMessage, fingerprint: str | None) -> None:
    assert message.content == (expected.content or "")
    assert message.additional_kwargs.get("reasoning_content") == expected.reasoning
    assert [(c["name"], c["args"]) for c in message.tool_calls] == expected.tool_calls
    assert message.invalid_tool_calls == []
    metadata = message.response_metadata
    assert metadata["model_name"] == expected.model
    assert metadata["model_provider"] == "grok"
    assert metadata.get("finish_reason") == expected.finish_reason
    assert metadata.get("id") == (expected.response_id or None)
    assert metadata.get("system_fingerprint") == fingerprint
    if expected.usage is None:
        assert message.usage_metadata is None
        return
    usage = message.usage_metadata
    assert usage["input_tokens"] == expected.prompt_tokens
    assert usage["output_tokens"] == expected.output_tokens
    assert (
        usage["total_tokens"]
        == usage["input_tokens"] + usage["output_tokens"]
        == expected.usage["total_tokens"]
    )
    assert usage.get("input_token_details", {}).get("cache_read", 0) == expected.cached_tokens
    assert usage.get("output_token_details", {}).get("reasoning", 0) == expected.reasoning_tokens
    assert metadata["token_usage"] == expected.usage
    assert metadata.get("cost_in_usd_ticks") == expected.usage.get("cost_in_usd_ticks")


def _check_error(expected: Expected, error: grok_transport.GrokError) -> None:
    assert isinstance(error, ModelError), "every error ChatGrok raises is a langchain_core model error"
    assert error.status_code == expected.status
    assert error.message == expected.error_message
    if "API key" in (expected.error_message or ""):
        assert isinstance(error, grok_transport.AuthenticationError)
        assert isinstance(error, ModelAuthenticationError)
    if "maximum prompt length" in (expected.error_message or ""):
        assert isinstance(error, grok_transport.ContextLengthExceededError)
        assert isinstance(error, ContextOverflowError) and isinstance(error, ModelInvalidRequestError)


def _aggregate(chunks: list[AIMessageChunk]) -> AIMessageChunk:
    assert chunks, "a recorded stream yields chunks"
    assert chunks[-1].chunk_position == "last"
    assert sum(1 for c in chunks if c.usage_metadata and c.usage_metadata["input_tokens"]) <= 1
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return full


def test_recordings_are_present() -> None:
    require_shared_wire()
    assert len(cassette_params()) >= 70


@pytest.mark.wire
@pytest.mark.parametrize("path", cassette_params())
def test_sync_replay(path: Path) -> None:
    cassette = load(path)
    fingerprints = iter(_recorded_fingerprints(path))
    model = _model()
    with replay(path):
        for expected in cassette.calls:
            try:
                if expected.streamed:
                    message: Any = _aggregate(list(model.stream("hello")))
                else:
                    message = model.invoke("hello")
            except grok_transport.GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                _check_error(expected, error)
            else:
                assert not expected.is_error, "a recorded error must raise"
                _check(expected, message, next(fingerprints))


@pytest.mark.wire
@pytest.mark.parametrize("path", cassette_params())
async def test_async_replay(path: Path) -> None:
    cassette = load(path)
    fingerprints = iter(_recorded_fingerprints(path))
    model = _model()
    with replay(path):
        for expected in cassette.calls:
            try:
                if expected.streamed:
                    message: Any = _aggregate([chunk async for chunk in model.astream("hello")])
                else:
                    message = await model.ainvoke("hello")
            except grok_transport.GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                _check_error(expected, error)
            else:
                assert not expected.is_error
                _check(expected, message, next(fingerprints))


# -- the Responses API ---------------------------------------------------------------------------


def _check_response(expected: ExpectedResponse, message: AIMessage) -> None:
    assert message.content == expected.text
    assert [(c["name"], c["args"]) for c in message.tool_calls] == expected.function_calls
    extras = message.additional_kwargs
    assert [c["url"] for c in extras.get("citations", [])] == expected.citations
    assert [t["type"] for t in extras.get("server_tool_calls", [])] == expected.server_tools
    assert extras.get("reasoning_content") == expected.reasoning
    assert extras["responses_output"], "the output items travel with the message, for the next turn"
    metadata = message.response_metadata
    assert metadata["model_name"] == expected.model and metadata.get("id") == expected.response_id
    usage, raw = message.usage_metadata, expected.usage
    assert usage["input_tokens"] == raw["input_tokens"]
    assert usage["output_tokens"] == raw["output_tokens"]
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"] == raw["total_tokens"]
    assert usage["output_token_details"]["reasoning"] == raw["output_tokens_details"]["reasoning_tokens"]
    assert usage["input_token_details"]["cache_read"] == raw["input_tokens_details"]["cached_tokens"]
    if expected.citations:  # as v1 blocks: Citation annotations on the text
        (text,) = [b for b in message.content_blocks if b["type"] == "text"]
        assert [a["url"] for a in text["annotations"]] == expected.citations


@pytest.mark.wire
@pytest.mark.parametrize("path", responses_cassette_params())
async def test_responses_replay(path: Path) -> None:
    model = ChatGrok(api_key="xai-replay", base_url="https://api.x.ai/v1", use_responses_api=True)
    with replay(path):
        for expected in load_responses(path):
            try:
                if expected.streamed:
                    message: Any = _aggregate([chunk async for chunk in model.astream("hello")])
                else:
                    message = model.invoke("hello")
            except grok_transport.GrokError as error:
                assert expected.is_error, repr(error)
                assert error.status_code == expected.status and error.message == expected.error_message
                assert isinstance(error, grok_transport.AuthenticationError)
                assert isinstance(error, ModelAuthenticationError)
            else:
                assert not expected.is_error
                _check_response(expected, message)


def test_a_bound_server_tool_routes_to_responses_and_the_search_turn_replays() -> None:
    require_shared_wire()
    (path,) = [p.values[0] for p in responses_cassette_params() if "replays_search_turns" in str(p.values[0])]
    model = ChatGrok(api_key="xai-replay", base_url="https://api.x.ai/v1", model="grok-4.3")
    searching = model.bind_tools([{"type": "web_search"}])
    recorded = yaml.safe_load(path.read_text())["interactions"]
    with replay(path) as cassette:
        first = searching.invoke("Search the web: what is the latest stable Ruby version?")
        second = searching.invoke(
            [
                ("human", "Search the web: what is the latest stable Ruby version?"),
                first,
                ("human", "Thanks!"),
            ]
        )
        sent = [json.loads(request.body) for request in cassette.requests]
    assert len(recorded) == 2 and second.content
    assert sent[0]["tools"] == [{"type": "web_search"}]
    assert first.additional_kwargs["server_tool_calls"][0]["type"] == "web_search_call"
    kinds = [block["type"] for block in first.content_blocks]
    assert kinds[0] == "reasoning" and kinds[-1] == "text" and "server_tool_call" in kinds
    search = next(b for b in first.content_blocks if b["type"] == "server_tool_call")
    assert search["name"] == "web_search" and search["args"]["query"]
    # The second turn carries the first answer's output items (reasoning and search calls
    # included), which is how the conversation continues with nothing stored server-side.
    replayed = [item for item in sent[1]["input"] if item.get("type") == "web_search_call"]
    assert replayed and replayed == [
        item for item in first.additional_kwargs["responses_output"] if item.get("type") == "web_search_call"
    ]
