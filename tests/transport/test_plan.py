import json
import re
import warnings
from typing import Any

import pytest

from grok_transport import (
    PROVIDERS,
    GrokClient,
    InvalidParameterError,
    UnknownModelWarning,
    UnsupportedParameterWarning,
    is_server_tool,
    plan,
    server_tool,
)

XAI = PROVIDERS["xai"]
MESSAGES = [{"role": "user", "content": "hi"}]


def build_chat_body(*, messages, provider=XAI, **params):
    call = plan(messages, provider=provider, use_responses_api=False, **params)
    assert call.endpoint == "/chat/completions"
    return call.body


def build_responses_body(*, messages, provider=XAI, **params):
    call = plan(messages, provider=provider, use_responses_api=True, **params)
    assert call.endpoint == "/responses"
    return call.body


def test_only_parameters_the_user_set_are_sent():
    body = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, temperature=None, top_p=0.5)
    assert body == {"model": "grok-4.3", "messages": MESSAGES, "top_p": 0.5}


def test_key_order_is_deterministic_for_cassette_matching():
    a = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, top_p=0.5, temperature=0.1, seed=1)
    b = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, seed=1, temperature=0.1, top_p=0.5)
    assert json.dumps(a) == json.dumps(b)


def test_stream_requests_usage_by_default_and_can_be_turned_off():
    body = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, stream=True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    off = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, stream=True, stream_usage=False)
    assert "stream_options" not in off


@pytest.mark.parametrize(
    ("model", "param", "value"),
    [
        ("grok-4-fast-non-reasoning", "reasoning_effort", "low"),
        ("grok-4-0709", "stop", ["x"]),
        ("grok-3-mini", "presence_penalty", 0.0),
        ("grok-4-1-fast-reasoning", "frequency_penalty", 0.5),
        ("grok-3", "presence_penalty", 0.1),
    ],
)
def test_parameters_the_model_rejects_are_dropped_with_a_warning(model, param, value):
    with pytest.warns(UnsupportedParameterWarning, match=param):
        body = build_chat_body(provider=XAI, model=model, messages=MESSAGES, **{param: value})
    assert param not in body


def test_accepted_reasoning_effort_is_sent_and_unknown_model_keeps_everything():
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedParameterWarning)  # the name alone warns
        assert (
            build_chat_body(provider=XAI, model="grok-3-mini", messages=MESSAGES, reasoning_effort="high")[
                "reasoning_effort"
            ]
            == "high"
        )
        with pytest.warns(UnknownModelWarning, match="my-proxy-model"):  # said once, not an error
            body = build_chat_body(
                provider=XAI, model="my-proxy-model", messages=MESSAGES, stop=["x"], presence_penalty=0.1
            )
    assert body["stop"] == ["x"] and body["presence_penalty"] == 0.1


def test_the_unknown_model_warning_suggests_a_call_that_lists_the_models(grok_server):
    with pytest.warns(UnknownModelWarning) as seen:
        build_chat_body(provider=XAI, model="grok-typo-for-advice", messages=MESSAGES)
    advice = re.search(r"client\.([\w.]+)\(\)", str(seen[0].message))
    assert advice is not None, str(seen[0].message)
    with GrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
        call: Any = client
        for name in advice[1].split("."):
            call = getattr(call, name)
        assert "grok-4.3" in [card.id for card in call()]


def test_empty_stop_list_is_not_a_parameter():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, stop=[])
    assert "stop" not in body


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"temperature": 3}, "temperature"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"stop": ["a", "b", "c", "d", "e"]}, "stop"),
        ({"reasoning_effort": "maximum"}, "reasoning_effort"),
    ],
)
def test_impossible_values_fail_before_the_network(params, fragment):
    with pytest.raises(InvalidParameterError, match=fragment):
        build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, **params)


def test_model_specific_effort_levels_are_checked():
    with pytest.raises(InvalidParameterError, match="'low' or 'high'"):
        build_chat_body(provider=XAI, model="grok-3-mini", messages=MESSAGES, reasoning_effort="medium")


def test_assistant_tool_call_turn_is_sent_with_empty_string_not_null():
    messages = [*MESSAGES, {"role": "assistant", "content": None, "tool_calls": [{"id": "c"}]}]
    body = build_chat_body(provider=XAI, model="grok-4.3", messages=messages)
    assert body["messages"][1]["content"] == ""
    assert messages[1]["content"] is None


def test_grokinc_folds_system_messages():
    body = build_chat_body(
        provider=PROVIDERS["grokinc"],
        model="grok-lite",
        messages=[{"role": "system", "content": "s"}, *MESSAGES],
    )
    assert body["messages"] == [{"role": "user", "content": "s\n\nhi"}]


def test_extra_body_is_merged_last():
    body = build_chat_body(
        provider=XAI,
        model="grok-4.3",
        messages=MESSAGES,
        temperature=1.0,
        extra_body={"temperature": 0.2, "prompt_cache_key": "conv-1"},
    )
    assert body["temperature"] == 0.2 and body["prompt_cache_key"] == "conv-1"


def test_empty_conversation_is_refused():
    with pytest.raises(InvalidParameterError):
        build_chat_body(provider=XAI, model="grok-4.3", messages=[])


WEATHER = {
    "type": "function",
    "function": {"name": "weather", "parameters": {"type": "object", "properties": {}}},
}


def test_conversation_with_tool_round_trip_becomes_input_items():
    messages = [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA", "detail": "low"}},
            ],
        },
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"id": "call-1", "type": "function", "function": {"name": "weather", "arguments": '{"q":1}'}}
            ],
        },
        {"role": "tool", "tool_call_id": "call-1", "content": "15C"},
    ]
    body = build_responses_body(
        model="grok-4.3",
        messages=messages,
        tools=[WEATHER, {"type": "web_search"}],
        tool_choice={"type": "function", "function": {"name": "weather"}},
    )
    assert body["input"] == [
        {"role": "system", "content": "be brief"},
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "look"},
                {"type": "input_image", "image_url": "data:image/png;base64,AA", "detail": "low"},
            ],
        },
        {"type": "function_call", "call_id": "call-1", "name": "weather", "arguments": '{"q":1}'},
        {"type": "function_call_output", "call_id": "call-1", "output": "15C"},
    ]
    assert body["tools"] == [
        {"type": "function", "name": "weather", "parameters": {"type": "object", "properties": {}}},
        {"type": "web_search"},
    ]
    assert body["tool_choice"] == {"type": "function", "name": "weather"}


def test_earlier_output_items_are_replayed_verbatim():
    items = [
        {"type": "reasoning", "encrypted_content": "opaque"},
        {"type": "message", "role": "assistant", "content": []},
    ]
    body = build_responses_body(
        model="grok-4.3", messages=[{"role": "assistant", "content": "x", "responses_output": items}]
    )
    assert body["input"] == items


def test_structured_output_effort_and_limits_use_responses_names():
    body = build_responses_body(
        model="grok-4.3",
        messages=[{"role": "user", "content": "hi"}],
        max_tokens=50,
        reasoning_effort="low",
        response_format={"type": "json_schema", "json_schema": {"name": "r", "schema": {"type": "object"}}},
        previous_response_id="resp-1",
        store=True,
        temperature=None,
    )
    assert body["text"] == {"format": {"type": "json_schema", "name": "r", "schema": {"type": "object"}}}
    assert body["reasoning"] == {"effort": "low"} and body["max_output_tokens"] == 50
    assert body["previous_response_id"] == "resp-1" and body["store"] is True and "temperature" not in body


def test_effort_dropped_for_models_that_reject_it():
    with pytest.warns(UnsupportedParameterWarning):
        body = build_responses_body(
            model="grok-4-1-fast-non-reasoning",
            messages=[{"role": "user", "content": "x"}],
            reasoning_effort="low",
        )
    assert "reasoning" not in body


def test_server_tools_are_recognised():
    assert is_server_tool({"type": "web_search"}) and is_server_tool(
        {"type": "x_search", "allowed_x_handles": ["a"]}
    )
    assert not is_server_tool(WEATHER)
    assert server_tool("web_search") == {"type": "web_search"}
    with pytest.raises(InvalidParameterError, match="not a server-side tool"):
        server_tool("get_weather")


# -- routing: one decision for both endpoints and both adapters ------------------------------


def test_server_tools_and_responses_only_parameters_route_to_responses():
    assert plan(MESSAGES, model="grok-4.3", provider=XAI).endpoint == "/chat/completions"
    assert (
        plan(MESSAGES, model="grok-4.3", provider=XAI, tools=[{"type": "web_search"}]).endpoint
        == "/responses"
    )
    assert plan(MESSAGES, model="grok-4.3", provider=XAI, server_tools=["x_search"]).endpoint == "/responses"
    assert plan(MESSAGES, model="grok-4.3", provider=XAI, previous_response_id="r").endpoint == "/responses"


@pytest.mark.parametrize(
    "params",
    [{"tools": [{"type": "web_search"}]}, {"server_tools": ["web_search"]}, {"previous_response_id": "r"}],
)
def test_responses_only_features_with_responses_api_off_are_refused(params):
    with pytest.raises(InvalidParameterError, match="only on the Responses API"):
        plan(MESSAGES, model="grok-4.3", provider=XAI, use_responses_api=False, **params)


@pytest.mark.parametrize("use_responses_api", [False, True])
def test_parameter_hygiene_holds_on_both_endpoints(use_responses_api):
    with pytest.warns(UnsupportedParameterWarning, match="grok-4.3 does not accept 'stop'"):
        call = plan(MESSAGES, model="grok-4.3", provider=XAI, use_responses_api=use_responses_api, stop=["x"])
    assert "stop" not in call.body


def test_conversation_id_is_a_header_on_both_endpoints_and_the_cache_key_on_responses():
    chat = plan(MESSAGES, model="grok-4.3", provider=XAI, conversation_id="conv-1")
    responses = plan(
        MESSAGES, model="grok-4.3", provider=XAI, conversation_id="conv-1", use_responses_api=True
    )
    assert chat.headers == responses.headers == {"x-grok-conv-id": "conv-1"}
    assert "prompt_cache_key" not in chat.body and responses.body["prompt_cache_key"] == "conv-1"


def test_store_false_asks_for_the_encrypted_reasoning_to_replay():
    body = build_responses_body(messages=MESSAGES, model="grok-4.3", store=False)
    assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
