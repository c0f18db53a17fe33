"""Every recorded ``/v1/chat/completions`` exchange, replayed through LlamaIndex's ``Grok``.

What is asserted is what a LlamaIndex user reads: the message text (the last streamed chunk's
accumulated content), the tool calls as agents get them (``get_tool_calls_from_response``), the
reasoning as a ``ThinkingBlock``, the token counts in ``raw["usage"]`` (which
``TokenCountingHandler`` reads) and in ``additional_kwargs``, and the typed error of a recorded
failure. Expectations come from the independent reading in ``wire_cassettes``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, ThinkingBlock
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

from grok_transport import AuthenticationError, ContextLengthExceededError, GrokError
from llama_index_grok import Grok
from tests.conformance.wire_cassettes import Expected, cassette_params, load, replay, require_shared_wire

MESSAGES = [ChatMessage(role="user", content="hello")]


def test_recordings_are_present() -> None:
    folder = require_shared_wire()
    assert len(cassette_params()) >= 70, folder


def _llm(handler: TokenCountingHandler | None = None) -> Grok:
    return Grok(
        model="grok-4",
        api_key="xai-replay",
        base_url="https://api.x.ai/v1",
        max_retries=3,
        callback_manager=CallbackManager([handler] if handler else []),
    )


def _reasoning(response: ChatResponse) -> str | None:
    thinking = [b.content for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    return "".join(t or "" for t in thinking) or None


def _check(llm: Grok, expected: Expected, response: ChatResponse) -> None:
    assert response.message.role == "assistant"
    assert response.message.content == expected.content
    assert _reasoning(response) == expected.reasoning
    calls = llm.get_tool_calls_from_response(response, error_on_no_tool_call=False)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == expected.tool_calls
    assert all(c.tool_id for c in calls), "tool call ids are kept for the tool results"
    assert len(response.message.additional_kwargs.get("tool_calls") or []) == len(expected.tool_calls)
    assert isinstance(response.raw, dict)
    if expected.usage is None:
        assert not response.raw.get("usage")
        assert "prompt_tokens" not in response.additional_kwargs
    else:
        assert response.raw["usage"] == expected.usage
        counts = response.additional_kwargs
        assert counts["prompt_tokens"] == expected.prompt_tokens
        assert counts["completion_tokens"] + counts["reasoning_tokens"] == expected.output_tokens
        assert counts["total_tokens"] == expected.usage["total_tokens"]
        assert counts["cached_tokens"] == expected.cached_tokens


def _check_error(expected: Expected, error: GrokError) -> None:
    assert error.status_code == expected.status
    assert error.message == expected.error_message
    assert "xai-replay" not in str(error)
    if "API key" in (expected.error_message or ""):
        assert isinstance(error, AuthenticationError)
    if "maximum prompt length" in (expected.error_message or ""):
        assert isinstance(error, ContextLengthExceededError)


@pytest.mark.wire
@pytest.mark.parametrize("path", cassette_params())
def test_replay(path: Path) -> None:
    cassette = load(path)
    handler = TokenCountingHandler()
    llm = _llm(handler)
    with replay(path):
        for expected in cassette.calls:
            handler.reset_counts()
            try:
                if expected.streamed:
                    responses = list(llm.stream_chat(MESSAGES))
                    assert responses, "a recorded stream yields responses"
                    response = responses[-1]
                    assert "".join(r.delta or "" for r in responses) == (expected.content or "")
                else:
                    response = llm.chat(MESSAGES)
            except GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                _check_error(expected, error)
            else:
                assert not expected.is_error, "a recorded error must raise"
                _check(llm, expected, response)
                if expected.usage:
                    # TokenCountingHandler reads raw["usage"] of the (last) response.
                    assert handler.prompt_llm_token_count == expected.prompt_tokens
                    assert handler.completion_llm_token_count == expected.usage["completion_tokens"]
