import pytest

from grok_transport import UnsupportedParameterWarning
from grok_transport.responses import build_responses_body, is_server_tool

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
