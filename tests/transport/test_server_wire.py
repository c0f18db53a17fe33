"""Chat completions from the local server against real xAI recordings, byte for byte where it counts.

Each recorded request body is replayed unchanged; the answer must have the recorded structure:
the same keys in the same order, the same sequence of chunk kinds, the same error bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema
import pytest

from grok_transport.testing import GrokTestServer, Reply
from tests.transport.server_wire import chat_events, recorded, replay, ruby_llm, runs, shape

pytestmark = pytest.mark.wire

TEXT_STREAM = "chat_streaming_responses_xai_grok-4-fast-non-reasoning_supports_streaming_responses"
REASONING_STREAM = (
    "activerecord_actsas_extended_thinking_persistence_xai_grok-3-mini_persists_"
    "thinking_data_and_replays_it_across_turns"
)  # grok-4.3, Jun 2026
OLD_REASONING_STREAM = "chat_streaming_responses_xai_grok-3-mini_supports_streaming_responses"
TOOL_STREAM = (
    "chat_function_calling_xai_grok-4-fast-non-reasoning_can_use_tools_with_multi-turn_"
    "streaming_conversations"
)
PARALLEL = "chat_function_calling_xai_grok-4-fast-non-reasoning_can_use_parallel_tool_calls"
BASIC_REASONING = "chat_basic_chat_functionality_xai_grok-3-mini_can_have_a_basic_conversation"
AUTH_ERROR = "chat_error_handling_with_xai_grok-4-fast-non-reasoning_raises_appropriate_auth_error"
CONTEXT_ERROR = "chat_real_error_scenarios_xai_grok-3-mini_handles_context_length_exceeded_errors"
CAPACITY = "chat_tool_choice_and_parallel_control_xai_grok-4-fast-non-reasoning_respects_choice_none"


@pytest.fixture(scope="module")
def load():
    return ruby_llm()


@pytest.fixture(scope="module")
def server():
    with GrokTestServer("xai") as running:
        yield running


@pytest.fixture
def client(server):
    server.clear()
    with httpx.Client(
        base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {server.api_key}"}
    ) as c:
        yield c


def kind(chunk: Any) -> str:
    """Name a chunk by what it carries, keeping the delta's key order ("content+role")."""
    if chunk == "[DONE]":
        return "done"
    if not chunk["choices"]:
        return "usage"
    choice = chunk["choices"][0]
    if "finish_reason" in choice:
        return "finish" if choice["delta"] == {} else "finish-with-delta"
    return "+".join(choice["delta"])


def kinds(chunks: list[Any]) -> list[str]:
    return runs([kind(c) for c in chunks])


def assert_same_stream_structure(ours: list[Any], real: list[Any], *, usage: bool = True):
    assert kinds(ours) == kinds(real)
    by_kind_real = {kind(c): c for c in real if c != "[DONE]"}
    for chunk in ours:
        if chunk == "[DONE]":
            continue
        model = by_kind_real[kind(chunk)]
        if kind(chunk) == "usage" and not usage:
            assert list(chunk)[:5] == list(model)[:5]
            continue
        assert shape(chunk) == shape(model), kind(chunk)
    envelope = {
        (c["id"], c["object"], c["created"], c["model"], c["system_fingerprint"])
        for c in ours
        if c != "[DONE]"
    }
    assert len(envelope) == 1
    assert next(iter(envelope))[1] == "chat.completion.chunk"


# streams -----------------------------------------------------------------------------------------


def test_text_stream_matches_recording(load, client):
    (interaction,) = load(TEXT_STREAM)
    response = replay(client, interaction)
    assert response.headers["content-type"] == "text/event-stream"
    real = chat_events(recorded(interaction))
    ours = chat_events(response.text)
    assert kinds(real) == ["content+role", "content", "finish", "usage", "done"]
    assert_same_stream_structure(ours, real)
    usage = ours[-2]["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_reasoning_stream_matches_grok_4_3_recording(load, client):
    interaction = load(REASONING_STREAM)[0]
    real = chat_events(recorded(interaction))
    ours = chat_events(replay(client, interaction).text)
    assert kinds(real) == [
        "reasoning_content+role",
        "reasoning_content",
        "content",
        "finish",
        "usage",
        "done",
    ]
    assert_same_stream_structure(ours, real)
    assert ours[0]["service_tier"] == "default"
    usage = ours[-2]["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning


def test_reasoning_stream_matches_grok_3_mini_recording(load, client):
    (interaction,) = load(OLD_REASONING_STREAM)
    real = chat_events(recorded(interaction))
    ours = chat_events(replay(client, interaction).text)
    # Sep 2025 usage had no cost_in_usd_ticks yet; everything else is the same shape.
    assert_same_stream_structure(ours, real, usage=False)
    assert set(real[-2]["usage"]) <= set(ours[-2]["usage"])


def test_tool_call_stream_matches_recording(load, client):
    first = load(TOOL_STREAM)[0]
    real = chat_events(recorded(first))
    ours = chat_events(replay(client, first).text)
    assert kinds(real) == ["role+tool_calls", "finish", "usage", "done"]
    assert_same_stream_structure(ours, real)
    call = ours[0]["choices"][0]["delta"]["tool_calls"][0]
    assert call["function"]["name"] == "weather"
    schema = json.loads(first["request"]["body"])["tools"][0]["function"]["parameters"]
    jsonschema.validate(json.loads(call["function"]["arguments"]), schema)
    assert ours[1]["choices"][0]["finish_reason"] == "tool_calls"


# non-streamed ------------------------------------------------------------------------------------


def test_parallel_tool_calls_and_follow_up_match_recording(load, client):
    for interaction in load(PARALLEL):
        response = replay(client, interaction)
        real = json.loads(recorded(interaction))
        ours = response.json()
        assert shape(ours) == shape(real)
        real_calls = real["choices"][0]["message"].get("tool_calls", [])
        our_calls = ours["choices"][0]["message"].get("tool_calls", [])
        assert [c["function"]["name"] for c in our_calls] == [c["function"]["name"] for c in real_calls]
        assert ours["choices"][0]["finish_reason"] == real["choices"][0]["finish_reason"]
        recorded_headers = {h.lower() for h in interaction["response"]["headers"]}
        xai_headers = {h for h in recorded_headers if h.startswith("x-ratelimit")} | {
            "x-request-id",
            "x-zero-data-retention",
            "content-type",
        }
        assert xai_headers <= set(response.headers)


def test_reasoning_content_response_matches_recording(load, client):
    (interaction,) = load(BASIC_REASONING)
    real = json.loads(recorded(interaction))
    ours = replay(client, interaction).json()
    assert list(ours["choices"][0]["message"]) == list(real["choices"][0]["message"])
    real["usage"]["cost_in_usd_ticks"] = 0  # Sep 2025 had no cost yet; 2026 answers do
    assert shape(ours) == shape(real)


@pytest.mark.parametrize(
    "name",
    [
        "chat_tool_choice_and_calls_control_xai_grok-4-fast-non-reasoning_respects_calls_one_for_"
        "sequential_execution",
        "chat_tool_choice_and_calls_control_xai_grok-4-fast-non-reasoning_respects_choice_none",
        "chat_tool_choice_and_calls_control_xai_grok-4-fast-non-reasoning_respects_choice_required_"
        "for_unrelated_queries",
        "chat_tool_choice_and_calls_control_xai_grok-4-fast-non-reasoning_respects_specific_tool_choice",
        "chat_function_calling_xai_grok-4-fast-non-reasoning_can_use_tools_in_multi-turn_conversations",
        "chat_function_calling_xai_grok-4-fast-non-reasoning_can_use_tools_without_parameters",
        "chat_function_calling_xai_grok-4-fast-non-reasoning_handles_anyof_params",
        "chat_function_calling_xai_grok-4-fast-non-reasoning_handles_array_params",
        "chat_function_calling_xai_grok-4-fast-non-reasoning_handles_object_params",
    ],
)
def test_default_replies_call_the_tools_the_real_model_called(load, client, name):
    for interaction in load(name):
        request = json.loads(interaction["request"]["body"])
        real = json.loads(recorded(interaction))
        ours = replay(client, interaction).json()
        real_names = [c["function"]["name"] for c in real["choices"][0]["message"].get("tool_calls") or []]
        our_calls = ours["choices"][0]["message"].get("tool_calls") or []
        assert [c["function"]["name"] for c in our_calls] == real_names
        schemas = {
            t["function"]["name"]: t["function"].get("parameters") or {} for t in request.get("tools", [])
        }
        for call in our_calls:
            jsonschema.validate(json.loads(call["function"]["arguments"]), schemas[call["function"]["name"]])


# errors ------------------------------------------------------------------------------------------


def test_invalid_key_error_is_byte_identical(load, server):
    (interaction,) = load(AUTH_ERROR)
    request = interaction["request"]
    response = httpx.post(
        f"{server.base_url}/chat/completions",
        content=request["body"].encode(),
        headers={"Authorization": "Bearer invalid-key", "Content-Type": "application/json"},
    )
    assert response.status_code == interaction["response"]["status"]["code"] == 400
    assert response.text == recorded(interaction)
    assert response.headers["content-length"] == interaction["response"]["headers"]["Content-Length"][0]


def test_context_length_error_matches_recording(load, client):
    (interaction,) = load(CONTEXT_ERROR)
    real = json.loads(recorded(interaction))
    response = client.post(
        "/v1/chat/completions",
        json={"model": "grok-3-mini", "messages": [{"role": "user", "content": "x" * 600_000}]},
    )
    assert response.status_code == interaction["response"]["status"]["code"]
    ours = response.json()
    pattern = r"This model's maximum prompt length is 131072 but the request contains \d+ tokens\."
    assert re.fullmatch(pattern, real["error"]) and re.fullmatch(pattern, ours["error"])
    assert ours["code"] == real["code"]
    assert not [h for h in response.headers if h.startswith("x-ratelimit")]


def test_capacity_503_then_retry_matches_recording(load, client, server):
    failed, retried = load(CAPACITY)
    server.enqueue(Reply.error(503))
    response = replay(client, failed)
    assert response.status_code == 503
    assert response.text == recorded(failed)
    after = replay(client, retried).json()
    assert shape(after) == shape(json.loads(recorded(retried)))
    assert "tool_calls" not in after["choices"][0]["message"]
