"""The settings ``Grok`` shares with LangChain's ``ChatGrok``, checked on what the server received.

Each test runs against its own local server (``grok_server``) over a real socket and asserts the
request as it arrived (headers, body) and how many were made.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.tools import FunctionTool

from grok_transport import (
    APITimeoutError,
    InvalidParameterError,
    RateLimitError,
    ServerError,
    UnsupportedParameterWarning,
)
from grok_transport.testing import GrokTestServer, Reply
from llama_index_grok import Grok

HELLO = [ChatMessage(role="user", content="Hello there")]


def _grok(server: GrokTestServer, **kwargs: Any) -> Grok:
    kwargs.setdefault("max_retries", 0)
    return Grok(api_key=server.api_key, base_url=server.base_url, **kwargs)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


# -- conversation_id --------------------------------------------------------------------------------


def test_conversation_id_is_the_cache_routing_header_on_chat_completions(grok_server) -> None:
    llm = _grok(grok_server, conversation_id="conv-42")
    llm.chat(HELLO)
    list(llm.stream_chat(HELLO))
    llm.chat(HELLO, conversation_id="conv-other")
    sent = grok_server.requests
    assert [r.headers.get("x-grok-conv-id") for r in sent] == ["conv-42", "conv-42", "conv-other"]
    assert [r.path for r in sent] == ["/v1/chat/completions"] * 3
    assert not any("prompt_cache_key" in r.json for r in sent)


def test_conversation_id_is_also_the_prompt_cache_key_on_the_responses_api(grok_server) -> None:
    llm = _grok(grok_server, conversation_id="conv-42", use_responses_api=True)
    asyncio.run(llm.achat(HELLO))
    (request,) = grok_server.requests
    assert request.path == "/v1/responses"
    assert request.headers["x-grok-conv-id"] == "conv-42"
    assert request.json["prompt_cache_key"] == "conv-42"


def test_no_conversation_header_unless_asked(grok_server) -> None:
    _grok(grok_server).chat(HELLO)
    assert "x-grok-conv-id" not in grok_server.requests[-1].headers


# -- API parameters ---------------------------------------------------------------------------------


SAMPLING = {
    "top_p": 0.5,
    "stop": ["END"],
    "seed": 7,
    "frequency_penalty": 0.1,
    "presence_penalty": 0.2,
    "logprobs": True,
    "top_logprobs": 2,
    "user": "user-1",
}


def test_every_sampling_parameter_is_sent_under_its_api_name(grok_server) -> None:
    llm = _grok(grok_server, model="grok-2-1212", **SAMPLING)
    llm.chat(HELLO)
    list(llm.stream_chat(HELLO))
    for request in grok_server.requests:
        assert {name: request.json[name] for name in SAMPLING} == SAMPLING
    assert len(grok_server.requests) == 2


def test_a_calls_own_parameters_win_over_the_models(grok_server) -> None:
    _grok(grok_server, model="grok-2-1212", seed=7, top_p=0.5).chat(HELLO, seed=8)
    body = grok_server.requests[-1].json
    assert (body["seed"], body["top_p"]) == (8, 0.5)


def test_parameters_the_model_rejects_are_dropped_on_the_responses_api_too(grok_server) -> None:
    llm = _grok(grok_server, model="grok-4.3", stop=["END"], presence_penalty=0.5, use_responses_api=True)
    with pytest.warns(UnsupportedParameterWarning):
        llm.chat(HELLO)
    body = grok_server.requests[-1].json
    assert grok_server.requests[-1].path == "/v1/responses"
    assert "stop" not in body and "presence_penalty" not in body


def test_extra_body_is_merged_last_and_a_calls_own_wins(grok_server) -> None:
    llm = _grok(grok_server, extra_body={"x_routing": {"region": "eu"}, "x_flag": 1})
    llm.chat(HELLO, extra_body={"x_flag": 2})
    body = grok_server.requests[-1].json
    assert body["x_routing"] == {"region": "eu"}
    assert body["x_flag"] == 2


def test_disabled_params_are_never_sent(grok_server) -> None:
    llm = _grok(
        grok_server, model="grok-2-1212", seed=7, disabled_params={"parallel_tool_calls": None, "seed": None}
    )
    llm.chat_with_tools([FunctionTool.from_defaults(fn=add)], user_msg="add 1 and 2")
    body = grok_server.requests[-1].json
    assert body["tools"][0]["function"]["name"] == "add"
    assert "parallel_tool_calls" not in body and "seed" not in body


def test_previous_response_id_per_call_goes_to_the_responses_api(grok_server) -> None:
    first = _grok(grok_server, use_responses_api=True).chat(HELLO)
    _grok(grok_server).chat(HELLO, previous_response_id=first.message.additional_kwargs["response_id"])
    assert [r.path for r in grok_server.requests] == ["/v1/responses", "/v1/responses"]
    with pytest.raises(InvalidParameterError, match="previous_response_id"):
        _grok(grok_server, use_responses_api=False).chat(HELLO, previous_response_id="resp_1")
    assert len(grok_server.requests) == 2, "refused before sending"


# -- streams and response metadata ------------------------------------------------------------------


def test_stream_usage_can_be_turned_off_for_proxies_that_reject_it(grok_server) -> None:
    list(_grok(grok_server).stream_chat(HELLO))
    last = list(_grok(grok_server, stream_usage=False).stream_chat(HELLO))[-1]
    with_usage, without = grok_server.requests
    assert with_usage.json["stream_options"] == {"include_usage": True}
    assert "stream_options" not in without.json
    assert "usage" not in last.raw and "prompt_tokens" not in last.additional_kwargs


def test_include_response_headers_reports_headers_and_rate_limits(grok_server) -> None:
    plain = _grok(grok_server).chat(HELLO)
    assert "headers" not in plain.additional_kwargs
    llm = _grok(grok_server, include_response_headers=True)
    for response in (llm.chat(HELLO), list(llm.stream_chat(HELLO))[-1]):
        extra = response.additional_kwargs
        assert extra["headers"]["x-request-id"]
        assert extra["rate_limits"]["remaining_requests"] >= 0
        assert extra["model_name"] and extra["finish_reason"] == "stop"
    assert len(grok_server.requests) == 3


# -- connection: retries, timeout, client-side rate limit -------------------------------------------


def test_max_retries_bounds_the_number_of_requests(grok_server) -> None:
    grok_server.enqueue(Reply.error(503), Reply.error(503), Reply.error(503))
    with pytest.raises(ServerError):
        _grok(grok_server, max_retries=1).chat(HELLO)
    assert len(grok_server.requests) == 2


def test_timeout_is_a_typed_error(grok_server) -> None:
    grok_server.enqueue(Reply.text("late", first_byte_delay=2.0))
    with pytest.raises(APITimeoutError):
        _grok(grok_server, timeout=0.2).chat(HELLO)
    assert len(grok_server.requests) == 1


@pytest.mark.parametrize("rpm", [0, 10])
def test_rate_limit_rpm_replaces_the_providers_own_limit(grok_server_factory, rpm) -> None:
    """Grok Inc allows five requests a minute; the client keeps that limit unless told otherwise.

    With 0 (no client-side limit) or a higher limit, the sixth request goes out at once and the
    server's own 429 is what the caller sees; with the default it would wait a minute.
    """
    server = grok_server_factory(dialect="grokinc")
    llm = Grok(
        provider="grokinc",
        api_key=server.api_key,
        base_url=server.base_url,
        max_retries=0,
        rate_limit_rpm=rpm,
    )
    for _ in range(5):
        llm.chat(HELLO)
    with pytest.raises(RateLimitError):
        llm.chat(HELLO)
    assert len(server.requests) == 6
