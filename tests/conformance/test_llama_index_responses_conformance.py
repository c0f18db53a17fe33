"""Every recorded ``/v1/responses`` exchange, replayed through LlamaIndex's ``Grok``.

What is asserted is what a LlamaIndex user reads: the message text (and, streamed, the deltas
adding up to it), the function calls as agents get them (``get_tool_calls_from_response``), the
citations (``additional_kwargs["citations"]`` and ``CitationBlock``s), the server-side tool runs,
the reasoning summary as a ``ThinkingBlock``, the token counts (``raw["usage"]`` for
``TokenCountingHandler``, and ``additional_kwargs``), and the typed error of a recorded failure.
Expectations come from the independent reading in ``wire_cassettes``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CitationBlock, ThinkingBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

from grok_transport import AuthenticationError, GrokError
from llama_index_grok import Grok
from tests.conformance.wire_cassettes import (
    ExpectedResponse,
    load_responses,
    replay,
    require_shared_wire,
    responses_cassette_params,
)

MESSAGES = [ChatMessage(role="user", content="hello")]


def _llm(handler: TokenCountingHandler | None = None, **kwargs: Any) -> Grok:
    return Grok(
        api_key="xai-replay",
        base_url="https://api.x.ai/v1",
        use_responses_api=True,
        callback_manager=CallbackManager([handler] if handler else []),
        **kwargs,
    )


def _cassette(fragment: str) -> Path:
    require_shared_wire()
    (path,) = [p.values[0] for p in responses_cassette_params() if fragment in str(p.values[0])]
    return path


def test_responses_recordings_are_present() -> None:
    require_shared_wire()
    assert len(responses_cassette_params()) >= 30


def _reasoning(response: ChatResponse) -> str | None:
    thinking = [b.content or "" for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    return "".join(thinking) or None


def _check(llm: Grok, expected: ExpectedResponse, response: ChatResponse) -> None:
    message = response.message
    assert message.role == "assistant"
    assert message.content == expected.text
    calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == expected.function_calls
    assert all(c.tool_id.startswith("call") for c in calls), "the call_id, which the result must name"
    extra = message.additional_kwargs
    assert [c["url"] for c in extra.get("citations", [])] == expected.citations
    assert [b.source for b in message.blocks if isinstance(b, CitationBlock)] == expected.citations
    assert [t["type"] for t in extra.get("server_tool_calls", [])] == expected.server_tools
    assert _reasoning(response) == expected.reasoning
    assert extra["response_id"] == expected.response_id
    assert extra["responses_output"], "the output items are kept for the next turn"
    assert isinstance(response.raw, dict) and response.raw["model"] == expected.model
    usage = expected.usage
    assert response.raw["usage"] == usage
    counts = response.additional_kwargs
    assert counts["prompt_tokens"] == usage["input_tokens"]
    assert counts["completion_tokens"] + counts["reasoning_tokens"] == usage["output_tokens"]
    assert counts["reasoning_tokens"] == usage["output_tokens_details"]["reasoning_tokens"]
    assert counts["total_tokens"] == usage["total_tokens"]
    assert counts["cached_tokens"] == usage["input_tokens_details"]["cached_tokens"]
    assert counts.get("num_server_side_tools_used") == usage.get("num_server_side_tools_used")
    assert counts.get("cost_in_usd_ticks") == usage.get("cost_in_usd_ticks")


@pytest.mark.wire
@pytest.mark.parametrize("path", responses_cassette_params())
def test_replay(path: Path) -> None:
    handler = TokenCountingHandler()
    llm = _llm(handler)
    with replay(path):
        for expected in load_responses(path):
            handler.reset_counts()
            try:
                if expected.streamed:
                    responses = list(llm.stream_chat(MESSAGES))
                    response = responses[-1]
                    assert "".join(r.delta or "" for r in responses) == expected.text
                    thinking = "".join(r.additional_kwargs.get("thinking_delta", "") for r in responses)
                    assert (thinking or None) == expected.reasoning
                    if expected.function_calls:  # a call shows before the stream ends
                        assert responses[-2].message.additional_kwargs["tool_calls"]
                else:
                    response = llm.chat(MESSAGES)
            except GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                assert isinstance(error, AuthenticationError)
                assert error.status_code == expected.status and error.message == expected.error_message
                assert "xai-replay" not in str(error)
            else:
                assert not expected.is_error, "a recorded error must raise"
                _check(llm, expected, response)
                # TokenCountingHandler reads raw["usage"]; there output_tokens includes reasoning.
                assert handler.prompt_llm_token_count == expected.usage["input_tokens"]
                assert handler.completion_llm_token_count == expected.usage["output_tokens"]


def test_web_search_citations_and_sources_reach_the_message() -> None:
    path = _cassette("searches_cites")
    with replay(path):
        response = _llm(server_tools=["web_search"]).chat(MESSAGES)
    message = response.message
    (citation,) = message.additional_kwargs["citations"]
    assert citation["url"] == "https://www.ruby-lang.org/en/downloads/"
    assert message.content[citation["start_index"] : citation["end_index"]].startswith("[[1]]")
    (block,) = [b for b in message.blocks if isinstance(b, CitationBlock)]
    assert block.source == citation["url"]
    assert block.cited_content.text.startswith("[[1]]")
    assert block.additional_location_info == {
        "start_index": citation["start_index"],
        "end_index": citation["end_index"],
    }
    searches = message.additional_kwargs["server_tool_calls"]
    assert [s["name"] for s in searches] == ["web_search", "web_search"]
    assert searches[0]["query"] == "latest stable Ruby version"
    assert "https://www.ruby-lang.org/en/downloads/" in searches[0]["sources"]
    assert response.additional_kwargs["num_server_side_tools_used"] == 2


def test_a_search_turn_is_replayed_so_the_conversation_continues() -> None:
    """The second request carries the first answer's output items, as the recording's does."""
    path = _cassette("replays_search_turns")
    recorded = [json.loads(i["request"]["body"]) for i in yaml.safe_load(path.read_text())["interactions"]]
    sent: list[dict[str, Any]] = []
    client = httpx.Client(event_hooks={"request": [lambda r: sent.append(json.loads(r.content))]})
    llm = _llm(server_tools=["web_search"], store=False, http_client=client)
    first = ChatMessage(role="user", content="Search the web: what is the latest stable Ruby version?")
    with replay(path):
        answer = llm.chat([first])
        follow_up = llm.chat(
            [first, answer.message, ChatMessage(role="user", content="Thanks. Now just say OK.")]
        )
    assert sent[0]["include"] == ["reasoning.encrypted_content"] and sent[0]["store"] is False
    assert sent[0]["tools"] == [{"type": "web_search"}]
    assert sent[0]["input"] == recorded[0]["input"]
    assert sent[1]["input"] == recorded[1]["input"], "reasoning, searches and the cited answer replayed"
    assert follow_up.message.content.strip().rstrip(".").upper() == "OK"


def test_a_function_call_round_trip_sends_the_result_as_function_call_output() -> None:
    path = _cassette("can_use_tools_in_multi-turn")
    sent: list[dict[str, Any]] = []
    client = httpx.Client(event_hooks={"request": [lambda r: sent.append(json.loads(r.content))]})
    llm = _llm(http_client=client)
    history = [ChatMessage(role="user", content="What's the weather in Berlin?")]
    with replay(path):
        response = llm.chat(history)
        (call,) = llm.get_tool_calls_from_response(response)
        history += [
            response.message,
            ChatMessage(role="tool", content="15°C", additional_kwargs={"tool_call_id": call.tool_id}),
        ]
        final = llm.chat(history)
    assert final.message.content
    items = sent[1]["input"]
    calls = [i for i in items if i.get("type") == "function_call"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    assert [c["call_id"] for c in calls] == [call.tool_id]
    assert outputs == [{"type": "function_call_output", "call_id": call.tool_id, "output": "15°C"}]
