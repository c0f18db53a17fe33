"""Every recorded ``/v1/responses`` exchange, replayed through ``GrokClient``."""

from __future__ import annotations

from pathlib import Path

import pytest

from grok_transport import Answer, AuthenticationError, GrokClient, GrokError
from tests.conformance.wire_cassettes import (
    ExpectedResponse,
    load_responses,
    replay,
    require_shared_wire,
    responses_cassette_params,
)

MESSAGES = [{"role": "user", "content": "hello"}]


def test_responses_recordings_are_present() -> None:
    require_shared_wire()
    assert len(responses_cassette_params()) >= 30


def _check(expected: ExpectedResponse, response: Answer) -> None:
    assert response.id == expected.response_id
    assert response.model == expected.model
    assert response.text == expected.text
    assert [(c.name, c.parsed_arguments()) for c in response.tool_calls] == expected.function_calls
    assert [c.url for c in response.citations] == expected.citations
    assert [t.type for t in response.server_tool_runs] == expected.server_tools
    assert response.reasoning == expected.reasoning
    usage, raw = response.usage, expected.usage
    assert usage.input_tokens == raw["input_tokens"]
    assert usage.output_tokens == raw["output_tokens"]
    assert usage.input_tokens + usage.output_tokens == raw["total_tokens"]
    assert usage.reasoning_tokens == raw["output_tokens_details"]["reasoning_tokens"]
    assert usage.cached_tokens == raw["input_tokens_details"]["cached_tokens"]
    assert usage.cost_in_usd_ticks == raw.get("cost_in_usd_ticks")
    assert usage.num_server_side_tools_used == raw.get("num_server_side_tools_used")


@pytest.mark.wire
@pytest.mark.parametrize("path", responses_cassette_params())
def test_replay(path: Path) -> None:
    client = GrokClient(api_key="xai-replay")
    with replay(path):
        for expected in load_responses(path):
            try:
                if expected.streamed:
                    with client.stream_chat(MESSAGES, model="grok-4.3", use_responses_api=True) as stream:
                        deltas = list(stream)
                    response = stream.answer
                    assert deltas[-1].kind == "done" and deltas[-1].answer == response
                    text = "".join(d.text for d in deltas if d.kind == "text")
                    assert text == expected.text, "the streamed deltas add up to the final text"
                else:
                    response = client.chat(MESSAGES, model="grok-4.3", use_responses_api=True)
            except GrokError as error:
                assert expected.is_error, repr(error)
                assert error.status_code == expected.status and error.message == expected.error_message
                assert isinstance(error, AuthenticationError)
            else:
                assert not expected.is_error
                _check(expected, response)


def test_web_search_citations_point_into_the_text() -> None:
    require_shared_wire()
    (path,) = [p.values[0] for p in responses_cassette_params() if "searches_cites" in str(p.values[0])]
    with replay(path):
        response = GrokClient(api_key="xai-replay").chat(
            MESSAGES, model="grok-4.3", tools=[{"type": "web_search"}]
        )
    citation = response.citations[0]
    assert citation.url == "https://www.ruby-lang.org/en/downloads/"
    assert response.text[citation.start_index : citation.end_index].startswith("[[1]]")
    assert response.server_tool_runs[0].name == "web_search"
    assert "https://www.ruby-lang.org/en/downloads/" in response.server_tool_runs[0].sources
