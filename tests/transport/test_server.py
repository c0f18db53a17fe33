"""GrokTestServer: dialects, endpoints, default replies, faults and recording, over real HTTP."""

from __future__ import annotations

import asyncio
import base64
import json
import re
import socket

import httpx
import jsonschema
import pytest

from grok_transport.testing import DEFAULT_API_KEY, GrokTestServer, RecordedRequest, Reply
from tests.transport.server_wire import chat_events

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Gets the current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
STOCK_TOOL = {
    "type": "function",
    "function": {
        "name": "stock_price",
        "description": "Looks up the latest share price for a ticker symbol",
        "parameters": {
            "type": "object",
            "properties": {"ticker": {"type": "string", "pattern": "^[A-Z]{1,5}$"}},
            "required": ["ticker"],
        },
    },
}


# fixtures and helpers --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _xai_server():
    with GrokTestServer("xai") as server:
        yield server


@pytest.fixture
def xai(_xai_server):
    _xai_server.clear()
    _xai_server.set_default(None)
    return _xai_server


@pytest.fixture
def client(xai):
    with httpx.Client(
        base_url=xai.base_url, timeout=10, headers={"Authorization": f"Bearer {xai.api_key}"}
    ) as c:
        yield c


def chat(client: httpx.Client, content: str = "Hello there", **extra) -> httpx.Response:
    body = {"model": "grok-4-fast-non-reasoning", "messages": [{"role": "user", "content": content}], **extra}
    return client.post("/chat/completions", json=body)


def stream_chunks(response: httpx.Response) -> list[dict]:
    return chat_events(response.text)[:-1]


def deltas(chunks: list[dict]) -> list[dict]:
    return [c["choices"][0]["delta"] for c in chunks if c["choices"]]


# lifecycle ---------------------------------------------------------------------------------------


def test_lifecycle_urls_and_idempotent_stop():
    server = GrokTestServer("grokapi")
    with pytest.raises(RuntimeError):
        _ = server.base_url
    server.start()
    try:
        assert server.base_url == f"http://127.0.0.1:{server.port}/v1"
        assert server.url == f"http://127.0.0.1:{server.port}"
        assert server.api_key == DEFAULT_API_KEY == "grok-local-test-key"
        auth = {"Authorization": f"Bearer {server.api_key}"}
        assert httpx.get(f"{server.base_url}/models", headers=auth).status_code == 200
    finally:
        server.stop()
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.base_url}/models", timeout=2)


def test_a_given_key_and_port_are_the_only_ones_used():
    with socket.socket() as probe:  # a port that is free now, as a notebook would pick one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with GrokTestServer("grokinc", api_key="notebook-key", port=port) as server:
        assert (server.port, server.api_key) == (port, "notebook-key")
        url = f"{server.base_url}/models"
        assert httpx.get(url, headers={"X-API-Key": "notebook-key"}).status_code == 200
        assert httpx.get(url, headers={"X-API-Key": DEFAULT_API_KEY}).status_code == 401
    with pytest.raises(ValueError, match="unknown dialect"):
        GrokTestServer("openai")
    with pytest.raises(ValueError, match="api_key"):
        GrokTestServer(api_key="")


# xai dialect: auth, errors, validation -----------------------------------------------------------


def test_xai_missing_key_is_401_flat_body(xai):  # a wrong key: test_server_wire.py, byte for byte
    r = httpx.post(f"{xai.base_url}/chat/completions", json={"model": "grok-3-mini", "messages": []})
    assert r.status_code == 401
    assert set(r.json()) == {"code", "error"}
    assert not [h for h in r.headers if h.startswith("x-ratelimit")]


def test_xai_success_carries_decreasing_ratelimit_headers(client):
    first, second = chat(client).headers, chat(client).headers  # which headers: test_server_wire.py
    remaining = "x-ratelimit-remaining-requests"
    assert int(second[remaining]) < int(first[remaining]) <= int(first["x-ratelimit-limit-requests"])
    assert int(second["x-ratelimit-remaining-tokens"]) < int(first["x-ratelimit-remaining-tokens"])
    assert first["x-request-id"] != second["x-request-id"]


UNSUPPORTED = "Model grok-4-fast-non-reasoning does not support parameter {}."


@pytest.mark.parametrize(
    ("extra", "status", "message"),
    [
        ({"search_parameters": {"mode": "off"}}, 410,
         "Live search is deprecated. Please switch to the Agent Tools API: https://docs.x.ai/docs/guides/tools/overview"),
        ({"reasoning_effort": "high"}, 400, UNSUPPORTED.format("reasoningEffort")),
        ({"stop": ["\n"]}, 400, "Argument not supported on this model: stop"),
        ({"presence_penalty": 0.5}, 400, UNSUPPORTED.format("presencePenalty")),
        ({"frequency_penalty": 0.5}, 400, UNSUPPORTED.format("frequencyPenalty")),
        ({"response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}, 400,
         "Missing required parameter: 'response_format.json_schema.schema'."),
    ],
)  # fmt: skip
def test_xai_rejects_like_the_real_api(client, extra, status, message):
    r = chat(client, **extra)
    assert r.status_code == status
    body = r.json()
    assert body["error"] == message
    if status == 410:
        assert body == {"error": message}
    else:
        assert body["code"] == "Client specified an invalid argument"


def test_xai_rejections_only_for_catalogued_models(client, grok_server_factory):
    extra = grok_server_factory(models=["grok-9-experimental"])  # served, but not in the catalogue
    auth = {"Authorization": f"Bearer {extra.api_key}"}
    with httpx.Client(base_url=extra.base_url, headers=auth) as other:
        assert (
            chat(other, model="grok-9-experimental", reasoning_effort="high", stop=["x"]).status_code == 200
        )
    r = chat(client, model="grok-3-mini", reasoning_effort="high")
    assert r.status_code == 200
    assert r.json()["model"] == "grok-3-mini-high"


def test_xai_bad_json_is_plain_text_422(client):
    r = client.post("/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("Failed to deserialize the JSON body into the target type: ")
    r = client.post("/chat/completions", json={"model": "grok-3-mini"})
    assert r.status_code == 422
    assert "missing field `messages`" in r.text


def test_unknown_path_404_and_wrong_method_405(client):
    assert client.get("/nope").status_code == 404
    assert client.get("/chat/completions").status_code == 405


# grokinc dialect ---------------------------------------------------------------------------------


def test_grokinc_auth_rate_limit_and_roles():
    with GrokTestServer("grokinc") as server:
        url = f"{server.base_url}/chat/completions"
        body = {"model": "grok-lite", "messages": [{"role": "user", "content": "sup"}]}
        bearer = httpx.post(url, json=body, headers={"Authorization": f"Bearer {server.api_key}"})
        assert bearer.status_code == 401
        assert set(bearer.json()) == {"error"}
        assert httpx.post(url, json=body, headers={"X-API-Key": "nope"}).status_code == 401

        ok = {"X-API-Key": server.api_key}
        system = dict(
            body, messages=[{"role": "system", "content": "be nice"}, {"role": "user", "content": "hi"}]
        )
        r = httpx.post(url, json=system, headers=ok)
        assert r.status_code == 400
        assert set(r.json()) == {"error"}
        for _ in range(4):  # the rejected system-role request above counted too
            r = httpx.post(url, json=body, headers=ok)
            assert r.status_code == 200
            content = r.json()["choices"][0]["message"]["content"]
            assert content == content.lower()
        limited = httpx.post(url, json=body, headers=ok)
        assert limited.status_code == 429
        assert limited.json() == {"error": "rate limit exceeded: 5 requests per minute"}
        assert 1 <= int(limited.headers["retry-after"]) <= 60

        # the limit is per key: a freshly generated key has its own window
        new_key = httpx.post(
            f"{server.base_url}/keys/generate", json={"user_identifier": "second-app"}
        ).json()["api_key"]
        assert httpx.post(url, json=body, headers={"X-API-Key": new_key}).status_code == 200

        server.clear()
        assert httpx.post(url, json=body, headers=ok).status_code == 200


def test_grokinc_keys_generate_list_delete():
    with GrokTestServer("grokinc", rate_limit_rpm=None) as server:
        base = server.base_url
        generated = httpx.post(f"{base}/keys/generate", json={"user_identifier": "my-first-app"})
        assert generated.status_code == 200
        new_key = generated.json()["api_key"]
        assert generated.json() == {"api_key": new_key, "user_identifier": "my-first-app"}
        assert new_key.startswith("grokinc-")

        listed = httpx.get(f"{base}/keys/list", headers={"X-API-Key": new_key})
        assert listed.status_code == 200
        entries = listed.json()["keys"]
        assert {e["user_identifier"] for e in entries} == {"test", "my-first-app"}
        mine = next(e for e in entries if e["user_identifier"] == "my-first-app")
        assert mine["key"] == f"{new_key[:4]}...{new_key[-4:]}"
        assert new_key not in listed.text
        assert isinstance(mine["created_at"], int)

        auth = {"X-API-Key": server.api_key}
        deleted = httpx.post(f"{base}/keys/delete", json={"key_to_delete": new_key}, headers=auth)
        assert deleted.json() == {"deleted": True}
        assert httpx.get(f"{base}/keys/list", headers={"X-API-Key": new_key}).status_code == 401
        again = httpx.post(f"{base}/keys/delete", json={"key_to_delete": new_key}, headers=auth)
        assert again.status_code == 404
        assert httpx.post(f"{base}/keys/generate", json={}).status_code == 400


def test_grokinc_explain_is_lowercase_and_in_character():
    with GrokTestServer("grokinc") as server:
        url, auth = f"{server.base_url}/chat/explain", {"X-API-Key": server.api_key}
        question = [{"role": "user", "content": "Why is the sky blue?"}]
        last = "lol, cuz it's a giant canvas for painting clouds. 🎨"
        r = httpx.post(url, headers=auth, json={"conversation": question, "last_response": last})
        assert r.status_code == 200
        text = r.json()["explanation"]
        assert text == text.lower()
        assert "why is the sky blue?" in text
        server.enqueue(Reply.text("because vibes"))
        r = httpx.post(url, headers=auth, json={"conversation": [], "last_response": "x"})
        assert r.json() == {"explanation": "because vibes"}


# grokapi dialect ---------------------------------------------------------------------------------


def test_grokapi_auth_credits_and_models():
    with GrokTestServer("grokapi", credits=3) as server:
        url = f"{server.base_url}/chat/completions"
        body = {"model": "grok-4", "messages": [{"role": "user", "content": "Explain RAG"}]}
        missing = httpx.post(url, json=body)
        assert missing.status_code == 401
        assert set(missing.json()["error"]) == {"message", "type", "code"}
        wrong = httpx.post(url, json=body, headers={"Authorization": "Bearer not-a-grokapi-key"})
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "invalid_api_key"

        auth = {"Authorization": f"Bearer {server.api_key}"}
        server.enqueue(Reply.error(503))  # a failed request is not billed
        assert httpx.post(url, json=body, headers=auth).status_code == 503
        for _ in range(3):
            assert httpx.post(url, json=body, headers=auth).status_code == 200
        spent = httpx.post(url, json=body, headers=auth)
        assert spent.status_code == 402
        assert spent.json()["error"]["code"] == "insufficient_credits"
        assert set(spent.json()["error"]) == {"message", "type", "code"}

        models = httpx.get(f"{server.base_url}/models", headers=auth)
        assert models.status_code == 200
        assert {m["id"] for m in models.json()["data"]} == {"grok-4", "grok-3"}

        server.clear()  # credits reset
        server.enqueue(Reply.error(429, retry_after=7))
        limited = httpx.post(url, json=body, headers=auth)
        assert (limited.status_code, limited.headers["retry-after"]) == (429, "7")
        assert limited.json()["error"]["type"] == "rate_limit_error"
        assert httpx.post(url, json=body, headers=auth).status_code == 200


# chat completions: shapes and default replies ---------------------------------------------------


def test_model_aliases_resolve_on_xai_and_scripts_can_override(xai, client):
    assert chat(client, model="grok-4-fast").json()["model"] == "grok-4-fast-reasoning"
    xai.enqueue(Reply.text("hi", model="grok-custom"))
    assert chat(client, model="grok-4-fast").json()["model"] == "grok-custom"


def test_reasoning_visibility_follows_the_catalogue(client):
    def ask(model):
        return chat(client, model=model).json()

    hidden = ask("grok-4-fast-reasoning")
    assert "reasoning_content" not in hidden["choices"][0]["message"]
    usage = hidden["usage"]
    reasoning = usage["completion_tokens_details"]["reasoning_tokens"]
    assert reasoning > 0  # hidden reasoning is still counted and billed
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] + reasoning
    assert re.fullmatch(r"fp_[0-9a-f]{10}", hidden["system_fingerprint"])
    plain = ask("grok-4-fast-non-reasoning")
    assert "reasoning_content" not in plain["choices"][0]["message"]
    assert plain["usage"]["completion_tokens_details"]["reasoning_tokens"] == 0
    shown = ask("grok-4.3")
    assert shown["choices"][0]["message"]["reasoning_content"]
    assert shown["service_tier"] == "default"
    assert len(shown["system_fingerprint"]) == 3 + 16


def test_default_reply_is_deterministic_and_echoes(client):
    first = chat(client, "Tell me about Rust").json()
    second = chat(client, "Tell me about Rust").json()
    text = first["choices"][0]["message"]["content"]
    assert text == second["choices"][0]["message"]["content"]
    assert "tell me about rust" in text
    assert text == text.lower()


def test_default_tool_call_validates_against_schema(client):
    r = chat(client, "What's the weather in Paris?", tools=[WEATHER_TOOL, STOCK_TOOL])
    body = r.json()
    choice = body["choices"][0]
    assert choice["finish_reason"] == "tool_calls"
    assert choice["message"]["content"] == ""
    (call,) = choice["message"]["tool_calls"]
    assert list(call) == ["id", "function", "type"]
    assert call["function"]["name"] == "get_weather"
    assert call["id"].startswith("call_") and len(call["id"]) == 13
    jsonschema.validate(json.loads(call["function"]["arguments"]), WEATHER_TOOL["function"]["parameters"])
    again = chat(client, "What's the weather in Paris?", tools=[WEATHER_TOOL, STOCK_TOOL]).json()
    assert again["choices"][0]["message"]["tool_calls"][0]["id"] == call["id"]


def test_tool_choice_forms_and_parallel_calls(client):
    tools = [WEATHER_TOOL, STOCK_TOOL]

    def calls(content, **extra):
        message = chat(client, content, tools=tools, **extra).json()["choices"][0]["message"]
        return [c["function"]["name"] for c in message.get("tool_calls", [])]

    assert calls("Tell me a joke") == []
    assert calls("Tell me a joke", tool_choice="required") == ["get_weather"]
    assert calls("weather for ACME share price?") == ["get_weather", "stock_price"]
    assert calls("weather for ACME share price?", parallel_tool_calls=False) == ["get_weather"]
    assert calls("What's the weather?", tool_choice="none") == []
    named = {"type": "function", "function": {"name": "stock_price"}}
    assert calls("What's the weather?", tool_choice=named) == ["stock_price"]
    message = chat(client, "ticker price", tools=tools, tool_choice=named).json()
    args = json.loads(message["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"])
    jsonschema.validate(args, STOCK_TOOL["function"]["parameters"])


def test_sequential_calls_when_parallel_is_off(client):
    messages = [{"role": "user", "content": "weather for ACME share price?"}]
    body = {
        "model": "grok-4-fast-non-reasoning",
        "tools": [WEATHER_TOOL, STOCK_TOOL],
        "parallel_tool_calls": False,
        "messages": messages,
    }
    names = []
    for _ in range(3):
        message = client.post("/chat/completions", json=body).json()["choices"][0]["message"]
        if not message.get("tool_calls"):
            break
        (call,) = message["tool_calls"]
        names.append(call["function"]["name"])
        messages += [
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": call["id"], "content": "42"},
        ]
    assert names == ["get_weather", "stock_price"]
    assert message["content"] == "The weather in ACME is 42. The result of stock_price is 42."


def test_after_tool_results_the_answer_states_them_and_ignores_attachment_framing(client):
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "get_weather", "arguments": '{"city":"Berlin"}'},
    }
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}
    messages = [
        {"role": "user", "content": "What's the weather in Berlin?"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "15°C, windy"},
        # how LlamaIndex passes on an image a tool returned: not a new question
        {
            "role": "user",
            "content": [{"type": "text", "text": "Attached output of tool call call_1:"}, image],
        },
    ]
    body = {"model": "grok-4-fast-non-reasoning", "messages": messages, "tools": [WEATHER_TOOL]}
    choice = client.post("/chat/completions", json=body).json()["choices"][0]
    assert choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == "The weather in Berlin is 15°C, windy."


# scripted replies and streaming ------------------------------------------------------------------


def test_script_is_fifo_then_sticky_default_then_builtin(xai, client):
    xai.enqueue(Reply.text("one"), Reply.text("two"))
    xai.set_default(Reply.text("sticky"))
    texts = [chat(client).json()["choices"][0]["message"]["content"] for _ in range(4)]
    assert texts == ["one", "two", "sticky", "sticky"]
    assert xai.pending == 0
    xai.set_default(None)
    assert "local grok test server" in chat(client).json()["choices"][0]["message"]["content"]
    with pytest.raises(TypeError):
        xai.enqueue("not a reply")


def test_stream_pieces_are_exact_and_order_is_faithful(xai, client):
    xai.enqueue(Reply.text(["Hel", "lo", " there"], reasoning="think about it"))
    r = chat(client, stream=True, stream_options={"include_usage": True})
    assert r.headers["content-type"] == "text/event-stream"
    assert r.headers["cache-control"] == "no-cache"
    assert r.headers["transfer-encoding"] == "chunked"
    chunks = stream_chunks(r)
    ds = deltas(chunks)
    assert ds[0] == {"reasoning_content": "think", "role": "assistant"}
    assert [d.get("reasoning_content") for d in ds[:3]] == ["think", " about", " it"]
    assert [d.get("content") for d in ds[3:6]] == ["Hel", "lo", " there"]
    assert all("finish_reason" not in c["choices"][0] for c in chunks[:-2])
    assert chunks[-2]["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert chunks[-1]["choices"] == [] and "usage" in chunks[-1]
    assert len({(c["id"], c["created"], c["model"], c["system_fingerprint"]) for c in chunks}) == 1


def test_stream_without_include_usage_has_no_usage(client):
    chunks = stream_chunks(chat(client, stream=True))
    assert all("usage" not in c for c in chunks)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


def test_streamed_tool_calls_are_whole_chunks_with_index(xai, client):
    xai.enqueue(Reply.tool_calls([{"name": "a", "arguments": {"x": 1}, "id": "call_given"}, {"name": "b"}]))
    chunks = stream_chunks(chat(client, stream=True))
    ds = deltas(chunks)
    first = {
        "id": "call_given",
        "function": {"name": "a", "arguments": '{"x":1}'},
        "index": 0,
        "type": "function",
    }
    assert ds[0] == {"role": "assistant", "tool_calls": [first]}
    assert ds[1]["tool_calls"][0]["index"] == 1
    assert ds[1]["tool_calls"][0]["id"].startswith("call_")
    assert "role" not in ds[1]
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}


def test_same_reply_object_renders_both_ways(xai, client):
    reply = Reply.json({"answer": 42})
    xai.enqueue(reply, reply)
    plain = chat(client).json()["choices"][0]["message"]["content"]
    streamed = "".join(d.get("content", "") for d in deltas(stream_chunks(chat(client, stream=True))))
    assert json.loads(plain) == json.loads(streamed) == {"answer": 42}


def test_usage_override(xai, client):
    xai.enqueue(Reply.text("hi", usage={"prompt_tokens": 10, "completion_tokens": 5}))
    usage = chat(client).json()["usage"]
    assert usage["prompt_tokens"] == 10 and usage["completion_tokens"] == 5
    assert usage["total_tokens"] == 15


# faults ------------------------------------------------------------------------------------------


def test_status_sequence_with_and_without_retry_after(xai, client):
    xai.enqueue(
        Reply.error(429, retry_after=1),
        Reply.error(429),
        Reply.error(500),
        Reply.error(503),
        Reply.text("finally"),
    )
    responses = [chat(client) for _ in range(5)]
    assert [r.status_code for r in responses] == [429, 429, 500, 503, 200]
    assert responses[0].headers["retry-after"] == "1"
    assert "retry-after" not in responses[1].headers
    assert responses[3].json() == {
        "code": "The service is currently unavailable",
        "error": "Service temporarily unavailable. The model is at capacity and currently cannot "
        "serve this request. Please try again later.",
    }
    assert responses[4].json()["choices"][0]["message"]["content"] == "finally"


def test_raw_error_body_and_fractional_retry_after(xai, client):
    xai.enqueue(Reply.error(422, body="Failed to deserialize: nope", retry_after=0.25))
    r = chat(client)
    assert r.status_code == 422
    assert r.text == "Failed to deserialize: nope"
    assert r.headers["content-type"].startswith("text/plain")
    assert r.headers["retry-after"] == "0.25"


def test_cut_stream_stops_after_n_events(xai, client):
    xai.enqueue(Reply.text(["a", "b", "c", "d"], cut_after=2))
    received = []
    with (
        pytest.raises(httpx.RemoteProtocolError),
        client.stream(
            "POST",
            "/chat/completions",
            json={"model": "grok-3", "stream": True, "messages": [{"role": "user", "content": "x"}]},
        ) as r,
    ):
        for line in r.iter_lines():
            if line.startswith("data: "):
                received.append(line)
    assert len(received) == 2
    assert not any("[DONE]" in line for line in received)


def test_cut_non_streamed_body(xai, client):
    xai.enqueue(Reply.text("a longer answer", cut_after=10))
    with pytest.raises(httpx.RemoteProtocolError):
        chat(client)
    assert chat(client).status_code == 200  # the client reconnects; the server is fine


def test_slow_first_byte(xai, client):
    xai.enqueue(Reply.text("late", first_byte_delay=0.5))
    with pytest.raises(httpx.ReadTimeout):
        client.post(
            "/chat/completions",
            timeout=httpx.Timeout(5, read=0.1),
            json={"model": "grok-3", "messages": [{"role": "user", "content": "x"}]},
        )
    xai.enqueue(Reply.text(["early", "late"], chunk_delay=0.5))
    body = {"model": "grok-3", "stream": True, "messages": [{"role": "user", "content": "x"}]}
    received = []
    with (
        pytest.raises(httpx.ReadTimeout),
        client.stream("POST", "/chat/completions", json=body, timeout=httpx.Timeout(5, read=0.1)) as r,
    ):
        received.extend(line for line in r.iter_lines() if line)
    assert len(received) == 1 and '"content":"early"' in received[0]  # the first chunk, then a wait


def test_malformed_json(xai, client):
    xai.enqueue(Reply.malformed_json(), Reply.malformed_json())
    r = chat(client)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        r.json()
    assert chat(client, stream=True).text == "data: {not json\n\ndata: [DONE]\n\n"


def test_error_in_a_200_body_and_in_a_stream(xai, client):
    xai.enqueue(Reply.error_in_body(), Reply.error_in_body(after=2))
    r = chat(client)
    assert r.status_code == 200
    assert r.json() == {
        "code": "The service is currently unavailable",
        "error": "Timed out waiting for first token",
    }
    events = [block.removeprefix("data: ") for block in chat(client, stream=True).text.split("\n\n") if block]
    assert len(events) == 3
    assert [list(json.loads(e)["choices"][0]["delta"]) for e in events[:2]] == [
        ["content", "role"],
        ["content"],
    ]
    assert json.loads(events[2]) == {
        "code": "The service is currently unavailable",
        "error": "Timed out waiting for first token",
    }


# recording ---------------------------------------------------------------------------------------


def test_requests_are_recorded_with_masked_secrets(xai, client):
    client.post(
        "/chat/completions?trace=1",
        json={"model": "grok-3", "messages": []},
        headers={"X-API-Key": "secret-value"},
    )
    (recorded,) = xai.requests
    assert isinstance(recorded, RecordedRequest)
    assert (recorded.method, recorded.path, recorded.query) == ("POST", "/v1/chat/completions", "trace=1")
    assert recorded.headers["authorization"] == "Bearer ***"
    assert recorded.headers["x-api-key"] == "***"
    assert xai.api_key not in repr(recorded)
    assert recorded.json == {"model": "grok-3", "messages": []}
    assert json.loads(recorded.body) == recorded.json
    xai.clear()
    assert xai.requests == []


# other endpoints ---------------------------------------------------------------------------------


def test_images_url_b64_and_file_serving(xai, client):
    r = client.post("/images/generations", json={"model": "grok-imagine-image", "prompt": "a cat"})
    assert r.status_code == 200
    body = r.json()
    assert body["usage"] == {"cost_in_usd_ticks": 200000000}
    (item,) = body["data"]
    assert item["mime_type"] == "image/jpeg"
    assert item["url"].startswith(xai.url + "/files/")
    image = httpx.get(item["url"])
    assert image.headers["content-type"] == "image/jpeg"
    assert image.content.startswith(b"\xff\xd8\xff")
    assert "x-ratelimit-limit-requests" in r.headers
    assert "x-ratelimit-limit-tokens" not in r.headers

    r = client.post("/images/generations", json={"prompt": "a cat", "n": 3, "response_format": "b64_json"})
    data = r.json()["data"]
    assert len(data) == 3
    assert base64.b64decode(data[0]["b64_json"]).startswith(b"\xff\xd8\xff")
    assert not data[0]["b64_json"].startswith("data:")

    legacy = client.post("/images/generations", json={"model": "grok-2-image-1212", "prompt": "a cat"}).json()
    assert "revised_prompt" in legacy["data"][0]
    size = client.post("/images/generations", json={"prompt": "a cat", "size": "1024x1024"})
    assert size.status_code == 400 and size.json()["error"] == "Argument not supported: size"
    missing = client.post("/images/generations", json={"model": "grok-imagine-image"})
    assert missing.status_code == 422 and "missing field `prompt`" in missing.text
    assert httpx.get(f"{xai.url}/files/img-999.jpeg").status_code == 404


def test_grokinc_images():
    with GrokTestServer("grokinc") as server:
        body = {"prompt": "a cartoon cat wearing a party hat"}
        r = httpx.post(
            f"{server.base_url}/images/generations", headers={"X-API-Key": server.api_key}, json=body
        )
        assert r.status_code == 200
        assert httpx.get(r.json()["data"][0]["url"]).status_code == 200


def test_tokenize_text(client):
    r = client.post("/tokenize-text", json={"text": "Hello world! 2026", "model": "grok-4.3"})
    tokens = r.json()["token_ids"]
    assert "".join(t["string_token"] for t in tokens) == "Hello world! 2026"
    assert tokens[0]["string_token"] == "Hello" and tokens[1]["string_token"] == " world"
    for token in tokens:
        assert bytes(token["token_bytes"]) == token["string_token"].encode()
        assert isinstance(token["token_id"], int)
    again = client.post("/tokenize-text", json={"text": "Hello world! 2026", "model": "grok-4.3"})
    assert again.json() == r.json()


def test_models_and_language_models(client):
    models = client.get("/models").json()
    assert models["object"] == "list"
    by_id = {m["id"]: m for m in models["data"]}
    assert "grok-4.3" in by_id and "grok-latest" in by_id["grok-4.3"]["aliases"]
    assert set(by_id["grok-imagine-image"]) == {
        "id",
        "context_length",
        "created",
        "object",
        "owned_by",
        "image_price",
    }
    assert by_id["grok-4.3"]["context_length"] == 1_000_000
    assert client.get("/models/grok-latest").json()["id"] == "grok-4.3"
    assert client.get("/models/grok-nope").status_code == 404

    language = client.get("/language-models").json()
    assert list(language) == ["models"]
    entry = next(m for m in language["models"] if m["id"] == "grok-4.3")
    assert entry["input_modalities"] == ["text", "image"]
    assert not any(m["id"].startswith("grok-imagine") for m in language["models"])
    assert client.get("/language-models/grok-4.3").status_code == 200


# capacity ----------------------------------------------------------------------------------------


def test_pipelined_chunked_and_expect_continue_requests(xai):
    body = json.dumps({"model": "grok-3", "messages": [{"role": "user", "content": "hi"}]})
    auth = f"Authorization: Bearer {xai.api_key}\r\nHost: t\r\n"
    plain = f"POST /v1/chat/completions HTTP/1.1\r\n{auth}Content-Length: {len(body)}\r\n\r\n{body}"
    half = len(body) // 2
    chunked = (
        f"POST /v1/chat/completions HTTP/1.1\r\n{auth}Transfer-Encoding: chunked\r\n\r\n"
        f"{half:x}\r\n{body[:half]}\r\n{len(body) - half:x}\r\n{body[half:]}\r\n0\r\n\r\n"
    )
    closing = f"GET /v1/models HTTP/1.1\r\n{auth}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", xai.port), timeout=5) as sock:
        sock.sendall((plain + chunked + closing).encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
        assert received.count(b"HTTP/1.1 200 OK") == 3
        assert received.rstrip().endswith(b'"object":"list"}')
    with socket.create_connection(("127.0.0.1", xai.port), timeout=5) as sock:
        sock.sendall(
            (
                f"POST /v1/chat/completions HTTP/1.1\r\n{auth}Expect: 100-continue\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
        )
        assert sock.recv(100).startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body.encode())
        assert sock.recv(100).startswith(b"HTTP/1.1 200 OK")
    assert [r.path for r in xai.requests] == ["/v1/chat/completions"] * 2 + ["/v1/models"] + [
        "/v1/chat/completions"
    ]


def test_200_concurrent_connections(xai):
    body = json.dumps({"model": "grok-3", "messages": [{"role": "user", "content": "hi"}]})
    request = (
        f"POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
        f"{xai.api_key}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}"
        f"\r\n\r\n{body}"
    ).encode()

    async def one() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", xai.port)
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        writer.close()
        return head

    async def run() -> list[bytes]:
        return await asyncio.gather(*(one() for _ in range(200)))

    heads = asyncio.run(run())
    assert all(h.startswith(b"HTTP/1.1 200 OK") for h in heads)


def test_server_side_tools_on_chat_completions_are_refused_as_by_xai(client):
    """Chat completions answers a `web_search` tool with serde's plain-text 422 (docs/wire.md, "Errors")."""
    r = chat(client, tools=[{"type": "web_search"}])
    assert r.status_code == 422
    assert "tools[0].type: unknown variant `web_search`, expected `function` or `live_search`" in r.text
