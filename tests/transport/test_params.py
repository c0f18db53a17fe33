import json
import warnings

import pytest

from grok_transport import PROVIDERS, UnsupportedParameterWarning
from grok_transport.errors import InvalidParameterError
from grok_transport.params import build_chat_body

XAI = PROVIDERS["xai"]
MESSAGES = [{"role": "user", "content": "hi"}]


def test_only_parameters_the_user_set_are_sent():
    body = build_chat_body(provider=XAI, model="grok-4.3", messages=MESSAGES, temperature=None, top_p=0.5)
    assert body == {"model": "grok-4.3", "messages": MESSAGES, "top_p": 0.5}


def test_key_order_is_deterministic_for_cassette_matching():
    a = build_chat_body(provider=XAI, model="m", messages=MESSAGES, top_p=0.5, temperature=0.1, seed=1)
    b = build_chat_body(provider=XAI, model="m", messages=MESSAGES, seed=1, temperature=0.1, top_p=0.5)
    assert json.dumps(a) == json.dumps(b)


def test_stream_requests_usage_by_default_and_can_be_turned_off():
    body = build_chat_body(provider=XAI, model="m", messages=MESSAGES, stream=True)
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    off = build_chat_body(provider=XAI, model="m", messages=MESSAGES, stream=True, stream_usage=False)
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
        warnings.simplefilter("error")
        assert (
            build_chat_body(provider=XAI, model="grok-3-mini", messages=MESSAGES, reasoning_effort="high")[
                "reasoning_effort"
            ]
            == "high"
        )
        body = build_chat_body(
            provider=XAI, model="my-proxy-model", messages=MESSAGES, stop=["x"], presence_penalty=0.1
        )
    assert body["stop"] == ["x"] and body["presence_penalty"] == 0.1


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
    body = build_chat_body(provider=XAI, model="m", messages=messages)
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
        model="m",
        messages=MESSAGES,
        temperature=1.0,
        extra_body={"temperature": 0.2, "prompt_cache_key": "conv-1"},
    )
    assert body["temperature"] == 0.2 and body["prompt_cache_key"] == "conv-1"


def test_empty_conversation_is_refused():
    with pytest.raises(InvalidParameterError):
        build_chat_body(provider=XAI, model="m", messages=[])
