"""Every recorded ``/v1/chat/completions`` exchange, replayed through ``GrokClient``."""

from __future__ import annotations

from pathlib import Path

import pytest

from grok_transport import (
    Answer,
    AsyncGrokClient,
    AuthenticationError,
    ContextLengthExceededError,
    GrokClient,
    GrokError,
)
from tests.conformance.wire_cassettes import Expected, cassette_params, load, replay, require_shared_wire

MESSAGES = [{"role": "user", "content": "hello"}]


def test_recordings_are_present() -> None:
    """Under CI a missing recordings folder fails here instead of silently skipping everything."""
    folder = require_shared_wire()
    assert len(cassette_params()) >= 70, folder


def _check(expected: Expected, completion: Answer) -> None:
    assert completion.text == (expected.content or "")
    assert completion.reasoning == (expected.reasoning or None)
    assert [(c.name, c.parsed_arguments()) for c in completion.tool_calls] == expected.tool_calls
    assert completion.finish_reason == expected.finish_reason
    assert completion.model == expected.model
    assert completion.id == expected.response_id
    if expected.usage is None:
        assert completion.usage is None
    else:
        usage = completion.usage
        assert usage.prompt_tokens == expected.prompt_tokens
        assert usage.output_tokens == expected.output_tokens
        assert usage.reasoning_tokens == expected.reasoning_tokens
        assert usage.cached_tokens == expected.cached_tokens
        # xAI's total counts reasoning; the sum the frameworks report must match it.
        assert usage.input_tokens + usage.output_tokens == expected.usage["total_tokens"]


def _check_error(expected: Expected, error: GrokError) -> None:
    assert error.status_code == expected.status
    assert error.message == expected.error_message
    if "API key" in (expected.error_message or ""):
        assert isinstance(error, AuthenticationError)
    if "maximum prompt length" in (expected.error_message or ""):
        assert isinstance(error, ContextLengthExceededError)


@pytest.mark.wire
@pytest.mark.parametrize("path", cassette_params())
def test_sync_replay(path: Path) -> None:
    cassette = load(path)
    client = GrokClient(api_key="xai-replay", max_retries=3)
    with replay(path):
        for expected in cassette.calls:
            try:
                if expected.streamed:
                    with client.stream_chat(MESSAGES, model="grok-4") as stream:
                        chunks = list(stream)
                    completion = stream.answer
                    assert chunks[-1].kind == "done" and chunks[-1].answer == stream.answer
                else:
                    completion = client.chat(MESSAGES, model="grok-4")
            except GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                _check_error(expected, error)
            else:
                assert not expected.is_error, "a recorded error must raise"
                _check(expected, completion)


@pytest.mark.wire
@pytest.mark.parametrize("path", cassette_params())
async def test_async_replay(path: Path) -> None:
    cassette = load(path)
    client = AsyncGrokClient(api_key="xai-replay", max_retries=3)
    with replay(path):
        for expected in cassette.calls:
            try:
                if expected.streamed:
                    stream = await client.stream_chat(MESSAGES, model="grok-4")
                    async with stream:
                        chunks = [chunk async for chunk in stream]
                    completion = stream.answer
                    assert chunks[-1].kind == "done" and chunks[-1].answer == stream.answer
                else:
                    completion = await client.chat(MESSAGES, model="grok-4")
            except GrokError as error:
                assert expected.is_error, f"unexpected {error!r}"
                _check_error(expected, error)
            else:
                assert not expected.is_error
                _check(expected, completion)
