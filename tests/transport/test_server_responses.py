"""The local server's ``POST /v1/responses`` against xAI's Aug-2026 recordings.

Recorded requests (ruby_llm's grok-4.3 traffic) are replayed unchanged; the answers must have the
recorded structure: the same top-level keys in the same order, the same output item types and
keys, the same stream event sequence with the same keys per event, and the same usage
arithmetic. The rest (stand-ins, scripts, faults, an agent loop) needs nothing but the server.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import jsonschema
import pytest

from grok_transport.testing import GrokTestServer, Reply
from tests.transport.server_wire import recorded, replay, responses_events, ruby_llm, runs, shape

PREFIX = "chat_{}_xai_grok-4-1-fast-non-reasoning_{}"
BASIC = PREFIX.format("basic_chat_functionality", "can_have_a_basic_conversation")
SYSTEM = PREFIX.format("basic_chat_functionality", "successfully_uses_the_system_prompt")
TOOLS = PREFIX.format("function_calling", "can_use_tools")
PARALLEL = PREFIX.format("function_calling", "can_use_parallel_tool_calls")
TOOL_STREAM = PREFIX.format("function_calling", "can_use_tools_with_multi-turn_streaming_conversations")
NO_PARAMS_STREAM = PREFIX.format(
    "function_calling", "can_use_tools_without_parameters_in_multi-turn_streaming_conversations"
)
TEXT_STREAM = PREFIX.format("streaming_responses", "supports_streaming_responses")
SCHEMA = PREFIX.format("with_schema_with", "accepts_a_json_schema_and_returns_structured_output")
JSON_OBJECT = PREFIX.format("with_params", "supports_response_format_param")
VISION = PREFIX.format("vision_models", "can_understand_local_images")
AUTH_ERROR = PREFIX.format("error_handling_with", "raises_appropriate_auth_error")
THINKING_STREAM = "chat_with_extended_thinking_xai_grok-3-mini_streams_thinking_content_when_available"
THINKING = "chat_with_extended_thinking_xai_grok-3-mini_returns_thinking_when_available"
WEB_SEARCH = "chat_web_search_with_xai_grok-4_3_searches_cites_and_counts_the_sources_it_used"
SEARCH_REPLAY = "chat_web_search_with_xai_grok-4_3_replays_search_turns_so_the_conversation_can_continue"

WEATHER = {
    "type": "function",
    "name": "get_weather",
    "description": "Get the current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f"]}},
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
}
CHAT_WEATHER = {"type": "function", "function": {k: v for k, v in WEATHER.items() if k != "type"}}


@pytest.fixture(scope="module")
def load():
    return ruby_llm()


@pytest.fixture(scope="module")
def server():
    with GrokTestServer("xai") as running:
        yield running


@pytest.fixture
def http(server):
    server.clear()
    server.set_default(None)
    with httpx.Client(
        base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {server.api_key}"}
    ) as c:
        yield c


# helpers ---------------------------------------------------------------------------------------


def kinds(events: list[dict[str, Any]]) -> list[str]:
    return runs([e["type"] for e in events])


def assert_usage_arithmetic(usage: dict[str, Any]) -> None:
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert 0 <= usage["output_tokens_details"]["reasoning_tokens"] <= usage["output_tokens"]
    assert usage["input_tokens_details"]["cached_tokens"] <= usage["input_tokens"]
    assert usage["cost_in_usd_ticks"] > 0


def assert_like_recording(ours: dict[str, Any], real: dict[str, Any], *, items: bool = True) -> None:
    """Same top-level keys in order, same item kinds and keys, same usage keys and arithmetic."""
    assert list(ours) == list(real)
    if items:
        assert [i["type"] for i in ours["output"]] == [i["type"] for i in real["output"]]
    recorded_items = {i["type"]: i for i in real["output"]}
    for item in ours["output"]:
        if item["type"] in recorded_items:
            assert list(item) == list(recorded_items[item["type"]]), item["type"]
        if item["type"] == "message":
            assert shape(item) == shape(recorded_items["message"])
    assert list(ours["usage"]) == list(real["usage"])
    assert_usage_arithmetic(ours["usage"])
    for key in ("object", "status", "model", "parallel_tool_calls", "previous_response_id", "text"):
        assert ours[key] == real[key], key
    for key in ("tool_choice", "tools", "store", "instructions", "service_tier", "truncation"):
        assert ours[key] == real[key], key
    assert re.fullmatch(r"fp_[0-9a-f]{16}", ours["metadata"]["system_fingerprint"])


def ids_masked(response: dict[str, Any]) -> str:
    text = json.dumps({k: v for k, v in response.items() if k not in ("created_at", "completed_at")})
    return text.replace(response["id"], "<id>")


# non-streamed, against the recordings ----------------------------------------------------------


@pytest.mark.wire
@pytest.mark.parametrize("name", [BASIC, SYSTEM, TOOLS, PARALLEL, SCHEMA, JSON_OBJECT, VISION, THINKING])
def test_non_streamed_answers_have_the_recorded_structure(load, http, name):
    for interaction in load(name):
        response = replay(http, interaction)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert {"x-ratelimit-limit-requests", "x-request-id"} <= set(response.headers)
        real = json.loads(recorded(interaction))
        ours = response.json()
        assert_like_recording(ours, real)
        assert ours["reasoning"] == real["reasoning"]
        assert ours["temperature"] == real["temperature"]
        reasoning = ours["output"][0]
        assert reasoning["id"] == f"rs_{ours['id']}" and reasoning["summary"][0]["type"] == "summary_text"
        assert reasoning["encrypted_content"]  # the recorded requests include it


@pytest.mark.wire
@pytest.mark.parametrize(
    "name",
    [
        TOOLS,
        PARALLEL,
        PREFIX.format("function_calling", "handles_anyof_params"),
        PREFIX.format("function_calling", "handles_array_params"),
        PREFIX.format("function_calling", "handles_object_params"),
        PREFIX.format("function_calling", "can_use_tools_without_parameters"),
        PREFIX.format("function_calling", "can_use_tools_in_multi-turn_conversations"),
    ],
)
def test_default_function_calls_match_the_recorded_calls_and_validate(load, http, name):
    for interaction in load(name):
        request = json.loads(interaction["request"]["body"])
        real = json.loads(recorded(interaction))
        ours = replay(http, interaction).json()
        calls = [i for i in ours["output"] if i["type"] == "function_call"]
        assert [c["name"] for c in calls] == [
            i["name"] for i in real["output"] if i["type"] == "function_call"
        ]
        schemas = {t["name"]: t["parameters"] for t in request["tools"]}
        for index, call in enumerate(calls):
            jsonschema.validate(json.loads(call["arguments"]), schemas[call["name"]])
            assert call["id"] == f"fc_{ours['id']}_{index}"
            assert re.fullmatch(r"call-[0-9a-f-]{36}-\d+", call["call_id"])
            assert list(call) == ["arguments", "call_id", "name", "type", "id", "status"]


@pytest.mark.wire
def test_web_search_answer_has_the_recorded_item_pattern_and_citations(load, http):
    (interaction,) = load(WEB_SEARCH)
    real = json.loads(recorded(interaction))
    ours = replay(http, interaction).json()
    assert_like_recording(ours, real, items=False)
    pattern = r"reasoning (web_search_call )+(reasoning )+message "
    for answer in (real, ours):  # rs_ summary, searches, one tco_ each, an empty rs_, the message
        assert re.fullmatch(pattern, "".join(i["type"] + " " for i in answer["output"]))
    searches = [i for i in ours["output"] if i["type"] == "web_search_call"]
    tco = [i for i in ours["output"] if i["id"].startswith("tco_")]
    assert [t["id"][len("tco_") :] for t in tco] == [s["id"][len("ws_") :] for s in searches]
    assert all(t["encrypted_content"].startswith(t["id"] + "_") for t in tco)
    assert ours["output"][-2] == {**ours["output"][-2], "id": f"rs_{ours['id']}", "summary": []}
    for search in searches:
        assert re.fullmatch(rf"ws_{ours['id']}_call-[0-9a-f-]{{36}}-\d+", search["id"])
        assert shape(search) == shape(real["output"][1])
        assert search["action"]["query"] == "latest stable Ruby version"  # the recorded query
    part = ours["output"][-1]["content"][0]
    assert part["annotations"]
    sources = {s["url"] for search in searches for s in search["action"]["sources"]}
    for note in part["annotations"] + real["output"][-1]["content"][0]["annotations"]:
        assert list(note) == ["type", "url", "start_index", "end_index", "title"]
    for note in part["annotations"]:
        assert part["text"][note["start_index"] : note["end_index"]] == f"[[{note['title']}]]({note['url']})"
        assert note["url"] in sources
    usage = ours["usage"]
    assert usage["num_server_side_tools_used"] == len(searches)
    assert usage["server_side_tool_usage_details"] == {
        **dict.fromkeys(real["usage"]["server_side_tool_usage_details"], 0),
        "web_search_calls": len(searches),
    }


@pytest.mark.wire
def test_replayed_search_turns_continue_without_searching_again(load, http):
    _, second = load(SEARCH_REPLAY)
    real = json.loads(recorded(second))
    ours = replay(http, second).json()
    assert_like_recording(ours, real)
    assert "server_side_tool_usage_details" not in ours["usage"]


@pytest.mark.wire
def test_invalid_key_error_is_byte_identical_to_the_recording(load, server):
    (interaction,) = load(AUTH_ERROR)
    response = httpx.post(
        f"{server.base_url}/responses",
        content=interaction["request"]["body"].encode(),
        headers={"Authorization": "Bearer not-a-valid-key", "Content-Type": "application/json"},
    )
    assert response.status_code == interaction["response"]["status"]["code"] == 400
    assert response.text == recorded(interaction)
    assert response.json() == {
        "code": "invalid-argument",
        "error": "Incorrect API key provided. You can obtain an API key from https://console.x.ai.",
    }
    assert response.headers["content-length"] == interaction["response"]["headers"]["Content-Length"][0]
    assert not [h for h in response.headers if h.startswith("x-ratelimit")]


# streamed, against the recordings --------------------------------------------------------------


@pytest.mark.wire
@pytest.mark.parametrize("name", [TEXT_STREAM, THINKING_STREAM, TOOL_STREAM, NO_PARAMS_STREAM])
def test_streams_have_the_recorded_event_sequence(load, http, name):
    for interaction in load(name):
        response = replay(http, interaction)
        assert response.headers["content-type"] == "text/event-stream"
        real = responses_events(recorded(interaction))
        ours = responses_events(response.text)
        assert kinds(ours) == kinds(real)
        recorded_events = {e["type"]: e for e in real}
        for event in ours:
            model = recorded_events[event["type"]]
            assert list(event) == list(model), event["type"]
            if event["type"] in ("response.created", "response.in_progress"):
                started = event["response"]
                assert list(started) == list(model["response"])
                assert started["status"] == "in_progress" and started["output"] == []
                assert started["usage"] is None and started["completed_at"] is None
            elif event["type"] == "response.output_item.added":
                assert event["item"]["status"] == "in_progress"
        final = ours[-1]["response"]
        assert_like_recording(final, real[-1]["response"])
        assert [e["item"] for e in ours if e["type"] == "response.output_item.done"] == final["output"]
        deltas = "".join(e["delta"] for e in ours if e["type"] == "response.output_text.delta")
        texts = [i["content"][0]["text"] for i in final["output"] if i["type"] == "message"]
        assert deltas == "".join(texts)
        summary = "".join(e["delta"] for e in ours if e["type"] == "response.reasoning_summary_text.delta")
        assert summary == final["output"][0]["summary"][0]["text"]


@pytest.mark.wire
def test_stream_completes_with_the_object_the_non_streamed_call_returns(load, http):
    for interaction in load(TOOL_STREAM):
        streamed = responses_events(replay(http, interaction).text)[-1]["response"]
        body = json.loads(interaction["request"]["body"])
        plain = http.post("/v1/responses", json={**body, "stream": False}).json()
        assert ids_masked(streamed) == ids_masked(plain)


# requests and echoes ---------------------------------------------------------------------------


def respond(http: httpx.Client, **body: Any) -> httpx.Response:
    """``POST /v1/responses``, by default with grok-4.3 and the input "hi"."""
    return http.post("/v1/responses", json={"model": "grok-4.3", "input": "hi", **body})


def test_reasoning_effort_is_rejected_where_the_catalogue_says_so(http):
    for model in ("grok-4-fast-reasoning", "grok-build-0.1"):
        response = respond(http, model=model, reasoning={"effort": "low"})
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid-argument",
            "error": f"Model {model} does not support parameter reasoningEffort.",
        }
    accepted = respond(http, reasoning={"effort": "high"}).json()
    assert accepted["reasoning"] == {"effort": "high", "summary": "detailed"}
    assert (
        respond(http, model="grok-3-mini", reasoning={"effort": "high"}).json()["model"] == "grok-3-mini-high"
    )
    plain = respond(http, model="grok-4-1-fast-non-reasoning").json()
    assert plain["reasoning"] == {"effort": None, "summary": None}
    assert [i["type"] for i in plain["output"]] == ["message"]
    assert plain["usage"]["output_tokens_details"]["reasoning_tokens"] == 0


def test_previous_response_id_continues_a_stored_conversation(http):
    first = respond(http, input="What's the weather in Paris?", tools=[WEATHER]).json()
    assert first["store"] is True
    (call,) = [i for i in first["output"] if i["type"] == "function_call"]
    output = {"type": "function_call_output", "call_id": call["call_id"], "output": "18C, clear"}
    follow_up = respond(http, previous_response_id=first["id"], input=[output], tools=[WEATHER]).json()
    assert follow_up["previous_response_id"] == first["id"]
    text = follow_up["output"][-1]["content"][0]["text"]
    assert text == "The weather in Paris is 18C, clear."  # the stored call named the function and city
    usage = follow_up["usage"]
    stored = first["usage"]["input_tokens"] + first["usage"]["output_tokens"]
    assert usage["input_tokens_details"]["cached_tokens"] == stored < usage["input_tokens"]
    missing = respond(http, previous_response_id="nope")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not-found", "error": "Previous response with id 'nope' not found."}
    unstored = respond(http, store=False).json()
    assert unstored["store"] is False
    assert respond(http, previous_response_id=unstored["id"]).status_code == 404


def test_request_fields_are_echoed_in_the_recorded_shape(http):
    schema = {"type": "json_schema", "name": "Answer", "schema": {"type": "object"}, "strict": True}
    ours = respond(
        http,
        model="grok-latest",
        input=[{"role": "developer", "content": "be brief"}, {"role": "user", "content": "hi"}],
        instructions="answer in french",
        tools=[WEATHER, {"type": "web_search"}, {"type": "x_search", "allowed_x_handles": ["xai"]}],
        tool_choice="none",
        parallel_tool_calls=False,
        temperature=0,
        top_p=1,
        max_output_tokens=500,
        user="u-1",
        text={"format": schema},
    ).json()
    assert ours["model"] == "grok-4.3"
    assert ours["tools"] == [
        {**{k: WEATHER[k] for k in ("type", "description", "name", "parameters")}, "strict": False},
        {"type": "web_search", "search_context_size": "medium"},
        {"type": "x_search", "allowed_x_handles": ["xai"]},
    ]
    assert list(ours["tools"][0]) == ["type", "description", "name", "parameters", "strict"]
    assert ours["text"] == {"format": {"type": "json_schema", "schema": {"type": "object"}}}
    assert json.dumps([ours["temperature"], ours["top_p"]]) == "[0.0, 1.0]"
    assert ours["tool_choice"] == "none" and ours["parallel_tool_calls"] is False
    assert (ours["instructions"], ours["user"], ours["max_output_tokens"]) == ("answer in french", "u-1", 500)
    assert [i["type"] for i in ours["output"]] == ["reasoning", "message"]  # tool_choice none: no search
    assert "encrypted_content" not in ours["output"][0]  # not asked for in ``include``


@pytest.mark.parametrize(
    ("body", "status", "text"),
    [
        ({"input": None}, 422, "missing field `input`"),
        ({"input": 3}, 422, "input: invalid type"),
        ({"input": [{"role": "robot", "content": "x"}]}, 422, "unknown variant `robot`"),
        ({"tools": [{"type": "live_search"}]}, 422, "unknown variant `live_search`"),
        ({"tools": [CHAT_WEATHER]}, 422, "missing field `name`"),
        ({"text": {"format": {"type": "json_schema", "name": "A"}}}, 400, "'text.format.schema'"),
    ],
)
def test_invalid_requests_are_rejected(http, server, body, status, text):
    full = {"model": "grok-4.3", "input": "x", **body}
    response = http.post("/v1/responses", json={k: v for k, v in full.items() if v is not None})
    assert response.status_code == status
    assert text in response.text
    if status == 400:
        assert response.json()["code"] == "invalid-argument"
    assert server.pending == 0


def test_other_dialects_have_no_responses_route(grok_server_factory):
    for dialect, header in (("grokinc", "X-API-Key"), ("grokapi", "Authorization")):
        server = grok_server_factory(dialect)
        key = server.api_key if header == "X-API-Key" else f"Bearer {server.api_key}"
        with httpx.Client(base_url=server.url, headers={header: key}) as client:
            assert respond(client).status_code == 404


def test_limits_and_credits_answer_with_kebab_codes(grok_server_factory):
    def client(**options: Any) -> httpx.Client:
        server = grok_server_factory("xai", **options)
        return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {server.api_key}"})

    with client(rate_limit_rpm=1) as limited, client(credits=0) as broke:
        assert [respond(limited).status_code for _ in range(2)] == [200, 429]
        assert respond(limited).json()["code"] == "resource-exhausted"
        response = respond(broke)
        assert response.status_code == 429 and response.json()["code"] == "resource-exhausted"
        missing = httpx.post(broke.base_url.join("/v1/responses"), json={"model": "grok-4.3", "input": "hi"})
        assert missing.status_code == 401 and missing.json()["code"] == "unauthenticated"


# defaults --------------------------------------------------------------------------------------


@pytest.mark.parametrize("stream", [False, True])
def test_default_web_search_cites_its_sources_at_the_markers(http, stream):
    question = "Search the web: what is the latest stable Ruby version?"
    response = respond(
        http, input=question, tools=[{"type": "web_search"}, {"type": "x_search"}], stream=stream
    )
    events = responses_events(response.text) if stream else None
    ours = events[-1]["response"] if events else response.json()
    searches = [i for i in ours["output"] if i["type"].endswith("_search_call")]
    assert [s["type"] for s in searches] == ["web_search_call", "x_search_call"]
    assert [s["id"][:3] for s in searches] == ["ws_", "xs_"]
    assert {s["action"]["query"] for s in searches} == {"latest stable Ruby version"}
    web = [s["url"] for s in searches[0]["action"]["sources"]]
    assert len(web) == 3 and all(re.match(r"https://(\w+\.)?example\.(com|org|net)/", u) for u in web)
    assert all(s["url"].startswith("https://x.com/") for s in searches[1]["action"]["sources"])
    part = ours["output"][-1]["content"][0]
    assert part["text"].startswith('i searched the web and x for "latest stable Ruby version".')
    notes = part["annotations"]
    assert [n["title"] for n in notes] == ["1", "2"]
    for note in notes:
        assert part["text"][note["start_index"] : note["end_index"]] == f"[[{note['title']}]]({note['url']})"
    details = ours["usage"]["server_side_tool_usage_details"]
    assert (details["web_search_calls"], details["x_search_calls"]) == (1, 1)
    assert ours["usage"]["num_server_side_tools_used"] == 2
    assert_usage_arithmetic(ours["usage"])
    if events:
        assert kinds(events)[8:13] == [
            "response.output_item.added",
            "response.web_search_call.in_progress",
            "response.web_search_call.searching",
            "response.web_search_call.completed",
            "response.output_item.done",
        ]
        added = [e for e in events if e["type"] == "response.output_text.annotation.added"]
        assert [e["annotation"] for e in added] == notes
        assert [e["annotation_index"] for e in added] == [0, 1]


def test_default_search_is_skipped_when_tool_choice_forbids_or_names_a_function(http):
    ask = {"input": "search the web for the weather in Paris", "tools": [{"type": "web_search"}, WEATHER]}
    for choice, expected in (
        ("none", ["reasoning", "message"]),
        ({"type": "function", "name": "get_weather"}, ["reasoning", "function_call"]),
        ({"type": "web_search"}, ["reasoning", "web_search_call", "reasoning", "reasoning", "function_call"]),
    ):
        ours = respond(http, **ask, tool_choice=choice).json()
        assert [i["type"] for i in ours["output"]] == expected, choice


def test_default_json_schema_answer_validates(http):
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 3}},
        "required": ["name", "age"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "name": "P", "schema": schema, "strict": True}
    ours = respond(
        http, input="Generate a person", tools=[{"type": "web_search"}], text={"format": fmt}
    ).json()
    part = ours["output"][-1]["content"][0]
    jsonschema.validate(json.loads(part["text"]), schema)
    assert part["annotations"] == []  # markers would break the JSON
    obj = respond(http, text={"format": {"type": "json_object"}}).json()
    assert isinstance(json.loads(obj["output"][-1]["content"][0]["text"]), dict)


def test_function_output_follow_up_quotes_the_output_once_attachments_arrive(http):
    attachments = [
        {"type": "input_text", "text": "Attachments from tool call c1:"},
        {"type": "input_image", "image_url": "data:image/png;base64,AAAA"},
    ]
    ours = respond(
        http,
        tools=[WEATHER],
        input=[
            {"role": "user", "content": "What's the weather in Oslo?"},
            {"type": "function_call", "call_id": "c1", "name": "get_weather", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "cold"},
            {"role": "user", "content": attachments},
        ],
    ).json()
    assert [i["type"] for i in ours["output"]] == ["reasoning", "message"]  # no second call
    assert ours["output"][-1]["content"][0]["text"] == "The weather is cold."  # not the attachment's framing
    assert ours["usage"]["input_tokens"] > 256  # the image counts


def test_max_output_tokens_cuts_the_text_and_marks_the_answer_incomplete(http):
    body = {"model": "grok-4-1-fast-non-reasoning", "input": "tell me everything", "max_output_tokens": 3}
    ours = respond(http, **body).json()
    assert ours["status"] == "incomplete"
    assert ours["incomplete_details"] == {"reason": "max_output_tokens"}
    message = ours["output"][-1]
    assert message["status"] == "incomplete" and len(message["content"][0]["text"]) == 12
    events = responses_events(respond(http, **body, stream=True).text)
    assert events[-1]["type"] == "response.incomplete"


# scripted replies ------------------------------------------------------------------------------


def test_scripted_replies_render_on_the_responses_route(http, server):
    server.enqueue(
        Reply.text(
            "Ruby 4.0.6 is current.",
            reasoning="look it up",
            citations=[
                {"url": "https://ruby.example.org/", "title": "Ruby"},
                "https://docs.example.org/ruby",
            ],
        ),
        Reply.web_search(
            "ruby version",
            ["https://a.example.com", "https://b.example.com"],
            then=Reply.x_search("ruby", ["https://x.com/ruby/status/1"]),
        ),
        Reply.code_execution(
            "print(6*7)",
            "42\n",
            then=Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}, "id": "my-call"}]),
        ),
        Reply.json({"a": 1}),
        Reply.error(403, "no access"),
        Reply.error(500, code="custom-code"),
        Reply.text("hi", usage={"input_tokens": 7, "output_tokens_details": {"reasoning_tokens": 1}}),
    )

    def ask() -> httpx.Response:
        return respond(http, model="grok-4-1-fast-non-reasoning")

    text = ask().json()
    assert [i["type"] for i in text["output"]] == ["reasoning", "message"]
    assert text["output"][0]["summary"][0]["text"] == "look it up"
    part = text["output"][1]["content"][0]
    assert part["text"] == (
        "Ruby 4.0.6 is current.[[1]](https://ruby.example.org/)[[2]](https://docs.example.org/ruby)"
    )
    assert [n["title"] for n in part["annotations"]] == ["Ruby", "2"]
    for note in part["annotations"]:
        assert part["text"][note["start_index"] : note["end_index"]].endswith(f"({note['url']})")

    searched = ask().json()
    assert [i["type"] for i in searched["output"]] == [
        "web_search_call",
        "x_search_call",
        "reasoning",
        "reasoning",
        "message",
    ]
    assert searched["output"][0]["action"]["query"] == "ruby version"
    assert searched["output"][-1]["content"][0]["text"].startswith(
        'i searched x for "ruby".[[1]](https://x.com/'
    )
    assert searched["usage"]["server_side_tool_usage_details"]["x_search_calls"] == 1

    coded = ask().json()
    assert [i["type"] for i in coded["output"]] == ["code_interpreter_call", "reasoning", "function_call"]
    assert coded["output"][0]["id"].startswith(f"ci_{coded['id']}_call-")
    assert coded["output"][0]["action"] == {
        "type": "code",
        "code": "print(6*7)",
        "outputs": [{"type": "logs", "logs": "42\n"}],
    }
    assert coded["output"][-1]["call_id"] == "my-call"
    assert coded["usage"]["server_side_tool_usage_details"]["code_interpreter_calls"] == 1

    assert json.loads(ask().json()["output"][-1]["content"][0]["text"]) == {"a": 1}
    denied = ask()
    assert (denied.status_code, denied.json()) == (403, {"code": "permission-denied", "error": "no access"})
    assert ask().json()["code"] == "custom-code"
    usage = ask().json()["usage"]
    assert usage["input_tokens"] == 7 and usage["total_tokens"] == 7 + usage["output_tokens"]
    assert usage["output_tokens_details"] == {"reasoning_tokens": 1}


def test_chat_completions_list_citations_and_ignore_server_tools(server):
    server.clear()
    server.enqueue(
        Reply.web_search("q", ["https://a.example.com", "https://b.example.com", "https://c.example.com"]),
        Reply.text("plain"),
    )
    url = f"{server.base_url}/chat/completions"
    headers = {"Authorization": f"Bearer {server.api_key}"}
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}
    cited = httpx.post(url, json=body, headers=headers).json()
    assert cited["citations"] == ["https://a.example.com", "https://b.example.com"]
    assert cited["choices"][0]["message"]["content"] == 'i searched the web for "q".'
    assert "citations" not in httpx.post(url, json=body, headers=headers).json()


def test_reply_validates_its_server_tool_options():
    with pytest.raises(ValueError, match="unknown server tool"):
        Reply.text("x", server_tools=[{"type": "browse"}])
    with pytest.raises(ValueError, match="text or tool-call reply"):
        Reply.web_search("q", then=Reply.error(500))
    with pytest.raises(TypeError):
        Reply.text("x", citations=[42])
    run = Reply.text(
        "x", server_tools=[{"type": "code_execution", "query": "1", "output": "1"}]
    ).server_tools[0]
    assert run.type == "code_interpreter"


# faults ----------------------------------------------------------------------------------------


def test_faults_apply_to_responses(http, server):
    server.enqueue(Reply.text("one two three", cut_after=5))
    with pytest.raises(httpx.RemoteProtocolError):
        respond(http, stream=True)
    server.enqueue(Reply.text("slow", first_byte_delay=0.5))
    with pytest.raises(httpx.ReadTimeout):
        http.post(
            "/v1/responses", json={"model": "grok-4.3", "input": "x"}, timeout=httpx.Timeout(5, read=0.1)
        )
    server.enqueue(Reply.error_in_body())
    flat = respond(http)
    assert flat.status_code == 200
    assert flat.json() == {"code": "unavailable", "error": "Timed out waiting for first token"}
    server.enqueue(Reply.error_in_body("overloaded", after=2))
    events = responses_events(respond(http, input="count to three", stream=True).text)
    assert kinds(events)[-3:] == ["response.content_part.added", "response.output_text.delta", "error"]
    assert sum(e["type"] == "response.output_text.delta" for e in events) == 2
    assert events[-1] == {
        "sequence_number": len(events) - 1,
        "type": "error",
        "code": "unavailable",
        "message": "overloaded",
        "param": None,
    }
    server.enqueue(Reply.malformed_json())
    truncated = respond(http)
    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        truncated.json()


# an agent loop ----------------------------------------------------------------------------------


def test_agent_loop_searches_calls_a_function_then_states_its_result_with_citations(http):
    tools = [{"type": "web_search"}, WEATHER]
    question = {"role": "user", "content": "Search the web for Oslo news and get the weather in Oslo"}
    ask = {"model": "grok-4.3", "input": [question], "tools": tools}
    first = respond(http, **ask).json()
    search, call = [i for i in first["output"] if i["type"] in ("web_search_call", "function_call")]
    assert search["action"]["query"] == "Oslo news" and len(search["action"]["sources"]) == 3
    assert json.loads(call["arguments"]) == {"city": "Oslo", "unit": "c"}
    result = {"type": "function_call_output", "call_id": call["call_id"], "output": "-3C, snow"}
    final = respond(http, **{**ask, "input": [question, *first["output"], result]}).json()
    assert [i["type"] for i in final["output"]] == ["reasoning", "message"]
    part = final["output"][-1]["content"][0]
    assert part["text"].startswith("The weather in Oslo is -3C, snow.")
    sources = [s["url"] for s in search["action"]["sources"]]
    assert [note["url"] for note in part["annotations"]] == sources[:2]
    streamed = responses_events(respond(http, **ask, stream=True).text)  # same request, same ids
    assert call["call_id"] in [e["item"].get("call_id") for e in streamed if "item" in e]
