"""ChatGrok against a local Grok server over real sockets: what goes on the wire, what comes back.

Each test reads the request the server recorded (``server.requests``) and the LangChain objects
the user gets, so both halves of the adapter are checked against each other.
"""

from __future__ import annotations

import asyncio
import json
import os
import warnings
from typing import Any
from unittest import mock

import httpx
import pytest
from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
)
from langchain_core.load import dumpd, dumps, load
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    ChatMessage,
    HumanMessage,
    SystemMessage,
    ToolMessage,
)
from langchain_core.tools import tool
from pydantic import BaseModel, Field

import grok_transport
import langchain_grok
from grok_transport import UnsupportedParameterWarning
from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok

SECRET = "xai-do-not-print-0123456789abcdef"


def chat(server: GrokTestServer, **kwargs: Any) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, **kwargs)


def sent(server: GrokTestServer, index: int = -1) -> dict[str, Any]:
    """The JSON body of a chat request the server received."""
    chats = [r for r in server.requests if r.path == "/v1/chat/completions"]
    return chats[index].json


def stream_all(model: Any, *args: Any, **kwargs: Any) -> tuple[list[AIMessageChunk], AIMessageChunk]:
    chunks = list(model.stream(*args, **kwargs))
    full = chunks[0]
    for chunk in chunks[1:]:
        full = full + chunk
    return chunks, full


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"sunny in {city}"


# -- construction -----------------------------------------------------------------------------


def test_construction_builds_no_client_and_does_no_io() -> None:
    model = ChatGrok(api_key=SECRET, base_url="http://127.0.0.1:9/v1")  # nothing listens there
    assert model._clients is None
    assert model.model_name == "grok-4.3" and model.profile["max_input_tokens"] == 1_000_000


def test_missing_key_is_a_typed_error_naming_the_variables() -> None:
    with (
        mock.patch.dict(os.environ, {}, clear=True),
        pytest.raises(grok_transport.MissingAPIKeyError) as caught,
    ):
        ChatGrok()
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, ModelAuthenticationError)
    assert "XAI_API_KEY" in str(caught.value) and "GROK_API_KEY" in str(caught.value)


def test_environment_resolution_and_provider_defaults() -> None:
    env = {"GROK_API_KEY": "from-env", "GROK_BASE_URL": "https://proxy.example/v1"}
    with mock.patch.dict(os.environ, env, clear=True):
        proxy = ChatGrok()
    assert (proxy.provider, proxy.base_url, proxy.api_key.get_secret_value()) == (
        "custom",
        "https://proxy.example/v1",
        "from-env",
    )
    inc = ChatGrok(provider="grokinc", api_key="k")
    assert (inc.model_name, inc.base_url) == ("grok-lite", "https://api.grokinc.org/v1")
    resold = ChatGrok(base_url="https://api.grokapi.io/v1", api_key="k")
    assert (resold.provider, resold.model_name) == ("grokapi", "grok-4")
    # ChatXAI's constructor names work too, so replacing the class is a one-word change.
    legacy = ChatGrok(xai_api_key="k", xai_api_base="https://api.x.ai/v1", model="grok-3-mini")
    assert (legacy.api_key.get_secret_value(), legacy.model_name) == ("k", "grok-3-mini")


def test_the_key_never_shows(grok_server: GrokTestServer) -> None:
    model = ChatGrok(api_key=SECRET, base_url=grok_server.base_url, max_retries=0)
    for text in (repr(model), str(model), dumps(model), json.dumps(dumpd(model))):
        assert SECRET not in text
    with pytest.raises(grok_transport.AuthenticationError) as caught:
        model.invoke("hi")  # the server does not know this key: xAI answers 400
    error = caught.value
    assert caught.value.status_code == 400
    for text in (str(error), repr(error), json.dumps(error.body)):
        assert SECRET not in text


def test_unknown_arguments_go_to_model_kwargs_and_the_wire(grok_server: GrokTestServer) -> None:
    with pytest.warns(UserWarning, match="safety_identifier"):
        model = chat(grok_server, safety_identifier="user-7")
    model.invoke("hi")
    assert sent(grok_server)["safety_identifier"] == "user-7"
    with pytest.raises(ValueError, match="supplied twice"):
        ChatGrok(api_key="k", user="a", model_kwargs={"user": "b"})


@pytest.mark.filterwarnings("ignore:The function `load` is in beta")  # LangChain's label, not ours
def test_serialization_round_trip() -> None:
    model = ChatGrok(api_key="xai-serialized", model="grok-3-mini", temperature=0.2)
    with mock.patch.dict(os.environ, {"XAI_API_KEY": "xai-serialized"}):
        loaded = load(
            dumpd(model),
            allowed_objects=[ChatGrok],
            valid_namespaces=["langchain_grok"],
            secrets_from_env=True,
        )
    assert loaded.model_dump() == model.model_dump()
    assert "xai-serialized" not in dumps(model)


# -- request assembly -------------------------------------------------------------------------


def test_only_parameters_the_user_set_are_sent(grok_server: GrokTestServer) -> None:
    chat(grok_server).invoke("hi")
    assert sent(grok_server) == {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}

    model = chat(grok_server, temperature=0.3, max_tokens=50, seed=7, top_p=0.9)
    model.invoke("hi", temperature=0.1, model="grok-3-mini", reasoning_effort="high")
    body = sent(grok_server)
    assert body["model"] == "grok-3-mini"
    assert {k: body[k] for k in ("temperature", "max_tokens", "seed", "top_p", "reasoning_effort")} == {
        "temperature": 0.1,
        "max_tokens": 50,
        "seed": 7,
        "top_p": 0.9,
        "reasoning_effort": "high",
    }


def test_parameters_the_model_rejects_are_dropped_with_a_warning(grok_server: GrokTestServer) -> None:
    model = chat(grok_server, model="grok-4-fast", stop=["END"], presence_penalty=0.5, reasoning_effort="low")
    with pytest.warns(UnsupportedParameterWarning):
        model.invoke("hi")
    assert not {"stop", "presence_penalty", "reasoning_effort"} & sent(grok_server).keys()
    # A non-reasoning model keeps them.
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnsupportedParameterWarning)
        chat(grok_server, model="grok-2-1212", stop=["END"], presence_penalty=0.5).invoke("hi")
    assert sent(grok_server)["stop"] == ["END"] and sent(grok_server)["presence_penalty"] == 0.5


def test_bad_values_fail_before_the_network(grok_server: GrokTestServer) -> None:
    with pytest.raises(ModelInvalidRequestError, match="reasoning_effort"):
        chat(grok_server, model="grok-3-mini", reasoning_effort="medium").invoke("hi")
    with pytest.raises(grok_transport.InvalidParameterError, match="temperature"):
        chat(grok_server, temperature=3).invoke("hi")
    assert grok_server.requests == []


def test_escape_hatches_and_headers(grok_server: GrokTestServer) -> None:
    model = chat(
        grok_server,
        extra_body={"prompt_cache_key": "k1"},
        disabled_params={"parallel_tool_calls": None},
        conversation_id="conv-42",
        default_headers={"X-Trace": "t-1"},
    )
    model.bind_tools([get_weather], parallel_tool_calls=False).invoke("weather in Paris?")
    request = grok_server.requests[-1]
    assert request.json["prompt_cache_key"] == "k1"
    assert "parallel_tool_calls" not in request.json
    assert request.headers["x-grok-conv-id"] == "conv-42" and request.headers["x-trace"] == "t-1"


def test_every_message_type_reaches_the_wire(grok_server: GrokTestServer) -> None:
    image_b64 = "iVBORw0KGgo="
    messages = [
        SystemMessage("be brief"),
        HumanMessage(
            [
                {"type": "text", "text": "look"},
                {"type": "image_url", "image_url": {"url": "https://img.example/a.png", "detail": "high"}},
                {"type": "image", "base64": image_b64, "mime_type": "image/png"},
                {"type": "image", "url": "https://img.example/b.png"},
                {"type": "image", "source_type": "base64", "data": image_b64, "mime_type": "image/png"},
            ],
            name="ada",
        ),
        AIMessage("", tool_calls=[{"name": "get_weather", "args": {"city": "北京"}, "id": "call_1"}]),
        ToolMessage("sunny", tool_call_id="call_1"),
        ChatMessage("and tomorrow?", role="user"),
    ]
    chat(grok_server).invoke(messages)
    wire = sent(grok_server)["messages"]
    assert wire[0] == {"role": "system", "content": "be brief"}
    assert wire[1]["name"] == "ada"
    assert wire[1]["content"] == [
        {"type": "text", "text": "look"},
        {"type": "image_url", "image_url": {"url": "https://img.example/a.png", "detail": "high"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image_b64}"}},
        {"type": "image_url", "image_url": {"url": "https://img.example/b.png"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image_b64}"}},
    ]
    # The assistant's tool-call turn: "" (never null), arguments with CJK unescaped.
    assert wire[2] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "北京"}'},
            }
        ],
    }
    assert wire[3] == {"role": "tool", "content": "sunny", "tool_call_id": "call_1"}
    assert wire[4] == {"role": "user", "content": "and tomorrow?"}


def test_v1_history_is_sent_back_as_text(grok_server: GrokTestServer) -> None:
    history = AIMessage(
        [{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "an answer"}],
        response_metadata={"output_version": "v1"},
    )
    chat(grok_server).invoke([HumanMessage("q"), history, HumanMessage("and?")])
    assert sent(grok_server)["messages"][1] == {"role": "assistant", "content": "an answer"}


@pytest.mark.parametrize(
    ("choice", "wire"),
    [
        ("auto", "auto"),
        ("none", "none"),
        ("any", "required"),
        ("required", "required"),
        (True, "required"),
        ("get_weather", {"type": "function", "function": {"name": "get_weather"}}),
        (
            {"type": "function", "function": {"name": "get_weather"}},
            {"type": "function", "function": {"name": "get_weather"}},
        ),
    ],
)
def test_tool_choice_forms(grok_server: GrokTestServer, choice: Any, wire: Any) -> None:
    chat(grok_server).bind_tools([get_weather], tool_choice=choice).invoke("hello")
    assert sent(grok_server)["tool_choice"] == wire


def test_tool_choice_naming_an_unbound_tool_is_refused() -> None:
    with pytest.raises(ModelInvalidRequestError, match="names no bound tool"):
        ChatGrok(api_key="k").bind_tools([get_weather], tool_choice="get_time")


def test_strict_and_parallel_tool_calls_are_sent_when_set(grok_server: GrokTestServer) -> None:
    model = chat(grok_server)
    model.bind_tools([get_weather]).invoke("weather in Oslo")
    assert "strict" not in sent(grok_server)["tools"][0]["function"]
    model.bind_tools([get_weather], strict=True, parallel_tool_calls=False).invoke("weather in Oslo")
    body = sent(grok_server)
    assert body["tools"][0]["function"]["strict"] is True and body["parallel_tool_calls"] is False


def test_streams_ask_for_usage_unless_turned_off(grok_server: GrokTestServer) -> None:
    list(chat(grok_server).stream("hi"))
    assert sent(grok_server)["stream_options"] == {"include_usage": True}
    _, full = stream_all(chat(grok_server, stream_usage=False), "hi")
    assert "stream_options" not in sent(grok_server) and full.usage_metadata is None


# -- answers ----------------------------------------------------------------------------------


def test_invoke_answer_reasoning_usage_and_metadata(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(
        Reply.text(
            "blue light scatters.",
            reasoning="rayleigh.",
            model="grok-4.3",
            usage={
                "prompt_tokens": 432,
                "completion_tokens": 68,
                "total_tokens": 636,
                "prompt_tokens_details": {"text_tokens": 432, "cached_tokens": 400},
                "completion_tokens_details": {"reasoning_tokens": 136},
            },
        )
    )
    message = chat(grok_server, include_response_headers=True).invoke("why is the sky blue?")
    assert message.content == "blue light scatters."
    assert message.additional_kwargs["reasoning_content"] == "rayleigh."
    assert message.usage_metadata == {
        "input_tokens": 432,
        "output_tokens": 204,  # completion + reasoning, as xAI bills and totals them
        "total_tokens": 636,
        "input_token_details": {"cache_read": 400},
        "output_token_details": {"reasoning": 136},
    }
    metadata = message.response_metadata
    assert metadata["model_name"] == "grok-4.3" and metadata["finish_reason"] == "stop"
    assert metadata["model_provider"] == "grok" and metadata["id"] and metadata["system_fingerprint"]
    assert metadata["cost_in_usd_ticks"] == metadata["token_usage"]["cost_in_usd_ticks"] > 0
    assert metadata["rate_limits"]["remaining_requests"] >= 0
    assert [b["type"] for b in message.content_blocks] == ["reasoning", "text"]


def test_model_name_is_what_the_server_reports(grok_server: GrokTestServer) -> None:
    message = chat(grok_server, model="grok-4-fast").invoke("hi")
    assert message.response_metadata["model_name"] == "grok-4-fast-reasoning"


def test_stream_usage_on_one_chunk_and_metadata_once(grok_server: GrokTestServer) -> None:
    chunks, full = stream_all(chat(grok_server, include_response_headers=True), "write two haikus")
    with_usage = [c for c in chunks if c.usage_metadata]
    assert len(with_usage) == 1 and with_usage[0] is chunks[-1]
    assert chunks[-1].chunk_position == "last"
    usage = full.usage_metadata
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert full.response_metadata["model_name"] == "grok-4.3"  # not "grok-4.3grok-4.3…"
    assert full.response_metadata["finish_reason"] == "stop"
    assert full.response_metadata["headers"]["content-type"].startswith("text/event-stream")
    assert full.additional_kwargs["reasoning_content"]  # every delta carried its piece
    assert sum(1 for c in chunks if c.content) > 1  # it really streamed


def test_streamed_reasoning_is_not_repeated_by_the_last_chunk(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text("blue light scatters.", reasoning="rayleigh, then mie."))
    chunks, full = stream_all(chat(grok_server), "why is the sky blue?")
    assert sum(1 for c in chunks if c.additional_kwargs.get("reasoning_content")) > 1
    assert full.additional_kwargs["reasoning_content"] == "rayleigh, then mie."
    assert full.content == "blue light scatters."


def test_v1_stream_keeps_reasoning_text_and_tool_calls_apart(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(
        Reply.tool_calls(
            [
                {"name": "get_weather", "arguments": {"city": "Paris"}},
                {"name": "get_weather", "arguments": {"city": "Rome"}},
            ],
            content="checking both.",
            reasoning="two cities, two calls.",
        )
    )
    model = chat(grok_server, output_version="v1").bind_tools([get_weather])
    _, full = stream_all(model, "weather in Paris and Rome?")
    kinds = [block["type"] for block in full.content]
    assert kinds == ["reasoning", "text", "tool_call", "tool_call"]
    assert [b["args"] for b in full.content if b["type"] == "tool_call"] == [
        {"city": "Paris"},
        {"city": "Rome"},
    ]
    assert (
        full.content[0]["reasoning"] == "two cities, two calls."
        and full.content[1]["text"] == "checking both."
    )
    assert [c["args"] for c in full.tool_calls] == [{"city": "Paris"}, {"city": "Rome"}]


def test_v1_invoke_has_standard_blocks(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(
        Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}}], reasoning="r.")
    )
    message = chat(grok_server, output_version="v1").bind_tools([get_weather]).invoke("weather in Oslo")
    assert [b["type"] for b in message.content] == ["reasoning", "tool_call"]


def test_bad_tool_arguments_become_invalid_tool_calls(grok_server: GrokTestServer) -> None:
    broken = Reply.tool_calls([{"name": "get_weather", "arguments": '{"city": Paris}', "id": "call_7"}])
    truncated = Reply.tool_calls([{"name": "get_weather", "arguments": '{"city": "Par', "id": "call_8"}])
    grok_server.enqueue(broken, broken, truncated)
    model = chat(grok_server).bind_tools([get_weather])
    for message in (model.invoke("weather?"), stream_all(model, "weather?")[1]):
        assert message.tool_calls == []
        assert message.invalid_tool_calls[0]["name"] == "get_weather"
        assert message.invalid_tool_calls[0]["args"] == '{"city": Paris}'
    # A whole answer whose JSON stops short is invalid too. (Streamed, langchain-core's chunk
    # aggregation repairs partial JSON by design, so it would come out as {"city": "Par"}.)
    assert model.invoke("weather?").invalid_tool_calls[0]["args"] == '{"city": "Par'
    # Sent back, the broken call keeps its slot, so the tool message answering it is valid.
    model.invoke([HumanMessage("weather?"), message, ToolMessage("bad arguments", tool_call_id="call_7")])
    assistant = sent(grok_server)["messages"][1]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"city": Paris}'


def test_null_and_empty_arguments_mean_no_arguments(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(
        Reply.tool_calls([{"name": "ping", "arguments": "null"}, {"name": "pong", "arguments": ""}])
    )
    message = chat(grok_server).invoke("ping pong")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("ping", {}), ("pong", {})]


# -- structured output ------------------------------------------------------------------------


class Joke(BaseModel):
    """A joke."""

    setup: str = Field(description="the question")
    punchline: str = Field(description="the answer")


def test_structured_output_defaults_to_json_schema_without_forcing_strict(
    grok_server: GrokTestServer,
) -> None:
    result = chat(grok_server).with_structured_output(Joke).invoke("a cat joke")
    assert isinstance(result, Joke)
    body = sent(grok_server)
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["setup", "punchline"]
    assert "strict" not in body["response_format"]["json_schema"]
    assert "ls_structured_output_format" not in body


def test_structured_output_function_calling_honours_strict(grok_server: GrokTestServer) -> None:
    model = chat(grok_server).with_structured_output(Joke, method="function_calling", strict=True)
    assert isinstance(model.invoke("a cat joke"), Joke)
    body = sent(grok_server)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "Joke"}}
    assert body["tools"][0]["function"]["strict"] is True


def test_structured_output_json_mode_and_include_raw(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.json({"setup": "s", "punchline": "p"}), Reply.text("not json at all"))
    model = chat(grok_server).with_structured_output(Joke, method="json_mode", include_raw=True)
    good = model.invoke("joke as JSON")
    assert good["parsed"] == Joke(setup="s", punchline="p") and good["parsing_error"] is None
    assert sent(grok_server)["response_format"] == {"type": "json_object"}
    bad = model.invoke("joke as JSON")
    assert bad["parsed"] is None and bad["parsing_error"] is not None
    assert isinstance(bad["raw"], AIMessage)


# -- errors -----------------------------------------------------------------------------------


def test_errors_are_transport_and_langchain_errors(grok_server: GrokTestServer) -> None:
    model = chat(grok_server, max_retries=0)
    cases = [
        (Reply.error(429), grok_transport.RateLimitError, ModelRateLimitError),
        (
            Reply.error(404, "The model grok-9 does not exist."),
            grok_transport.NotFoundError,
            ModelNotFoundError,
        ),
        (Reply.error(503), grok_transport.ServerError, ModelAPIError),
        (
            Reply.error(
                400, "This model's maximum prompt length is 131072 but the request contains 625077 tokens."
            ),
            grok_transport.ContextLengthExceededError,
            ContextOverflowError,
        ),
    ]
    for reply, transport_class, core_class in cases:
        grok_server.enqueue(reply)
        with pytest.raises(transport_class) as caught:
            model.invoke("hi")
        assert isinstance(caught.value, core_class)
        assert caught.value.is_retryable == caught.value.retryable


def test_retries_then_succeeds(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.error(503), Reply.text("made it"))
    assert chat(grok_server, max_retries=1).invoke("hi").content == "made it"
    assert len(grok_server.requests) == 2


async def test_a_cut_stream_raises_with_what_arrived(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text("one two three four five six", cut_after=3))
    received = []
    with pytest.raises(grok_transport.StreamInterruptedError) as caught:
        async for chunk in chat(grok_server).astream("count"):
            received.append(chunk.content)
    assert caught.value.text == "".join(received) != ""
    assert not caught.value.is_retryable


def test_an_error_inside_a_stream_is_raised(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.error_in_body(after=2))
    with pytest.raises(ModelAPIError, match="Timed out waiting for first token"):
        list(chat(grok_server, max_retries=0).stream("hi"))


# -- LangChain machinery ----------------------------------------------------------------------


async def test_async_invoke_stream_and_batch(grok_server: GrokTestServer) -> None:
    model = chat(grok_server)
    assert (await model.ainvoke("hello")).content
    chunks = [chunk async for chunk in model.astream("hello")]
    assert chunks[-1].chunk_position == "last" and chunks[-1].usage_metadata
    answers = await model.abatch(["one", "two", "three"])
    assert len(answers) == 3 and all(a.content for a in answers)
    assert model.batch(["four", "five"])[1].content
    assert model._clients is not None and None not in model._clients.built()


def test_identically_configured_models_share_a_client(grok_server: GrokTestServer) -> None:
    first, second = chat(grok_server), chat(grok_server, temperature=0.5)
    first.invoke("a")
    second.invoke("b")
    assert first.client is second.client
    assert chat(grok_server, max_retries=5).client is not first.client


async def test_user_supplied_http_clients_are_used(grok_server: GrokTestServer) -> None:
    seen: list[str] = []

    def hook(request: httpx.Request) -> None:
        seen.append(f"sync {request.url.path}")

    async def ahook(request: httpx.Request) -> None:
        seen.append(f"async {request.url.path}")

    with httpx.Client(event_hooks={"request": [hook]}) as client:
        async with httpx.AsyncClient(event_hooks={"request": [ahook]}) as aclient:
            model = chat(grok_server, http_client=client, http_async_client=aclient)
            model.invoke("hi")
            await model.ainvoke("hi")
            assert model.client is not chat(grok_server).client  # the user's client is not shared
    assert seen == ["sync /v1/chat/completions", "async /v1/chat/completions"]
    assert "http_client" not in dumps(model)


def test_citations_become_annotations() -> None:
    message = AIMessage(
        "grok is made by xai.",
        additional_kwargs={"citations": ["https://x.ai/news"]},
        response_metadata={"model_provider": "grok"},
    )
    assert message.content_blocks == [
        {
            "type": "text",
            "text": "grok is made by xai.",
            "annotations": [{"type": "citation", "url": "https://x.ai/news"}],
        }
    ]


def test_ls_params_follow_a_per_call_model() -> None:
    model = ChatGrok(api_key="k", temperature=0.2, max_tokens=9, stop=["x"])
    params = model._get_ls_params(model="grok-3-mini")
    assert params == {
        "ls_provider": "grok",
        "ls_model_name": "grok-3-mini",
        "ls_model_type": "chat",
        "ls_temperature": 0.2,
        "ls_max_tokens": 9,
        "ls_stop": ["x"],
    }


def test_profiles() -> None:
    assert ChatGrok(api_key="k").profile["reasoning_effort_levels"] == [
        "none",
        "low",
        "medium",
        "high",
        "xhigh",
    ]
    assert ChatGrok(api_key="k", model="grok-3-mini").profile["image_inputs"] is False
    assert (
        ChatGrok(api_key="k", model="grok-9-preview").profile["max_input_tokens"] > 0
    )  # unknown: safe defaults


def test_token_counting_uses_the_tokenizer_then_falls_back(grok_server: GrokTestServer) -> None:
    model = chat(grok_server)
    assert model.get_num_tokens("Hello world, again!") == 5  # the server's tokenizer
    assert grok_server.requests[-1].path == "/v1/tokenize-text"
    assert model.get_token_ids("Hello world") and len(grok_server.requests) == 2
    assert model.get_num_tokens_from_messages([HumanMessage("Hello world")]) > 0

    offline = ChatGrok(api_key="k", base_url="http://127.0.0.1:9/v1", max_retries=0)
    estimate = grok_transport.estimate_tokens("Hello world, again!")
    assert offline.get_num_tokens("Hello world, again!") == estimate
    assert offline._tokenizer_unreachable  # the next call does not try again
    strict = ChatGrok(api_key="k", base_url="http://127.0.0.1:9/v1", max_retries=0, token_counting="api")
    with pytest.raises(grok_transport.APIConnectionError):
        strict.get_num_tokens("hi")
    # Grok Inc has no tokenizer: no request at all.
    assert ChatGrok(api_key="k", provider="grokinc").get_num_tokens("Hello world, again!") == estimate


# -- other providers ----------------------------------------------------------------------------


def test_grokinc_provider_end_to_end(grok_server_factory: Any) -> None:
    server = grok_server_factory("grokinc")
    model = ChatGrok(provider="grokinc", base_url=server.base_url, api_key=server.api_key, model="grok-3-pro")
    answer = model.invoke([SystemMessage("you are a pirate."), HumanMessage("hello")])
    assert answer.content and answer.content == answer.content.lower()
    request = server.requests[-1]
    assert request.headers["x-api-key"] == "***" and "authorization" not in request.headers
    assert request.json["messages"] == [{"role": "user", "content": "you are a pirate.\n\nhello"}]
    _, streamed = stream_all(model, "hello again")
    assert streamed.content
    # Grok Inc's explain endpoint is a transport call on the same shared client.
    assert model.client.explanations.create([{"role": "user", "content": "hello"}], answer.content)


@pytest.mark.parametrize("api", ["sync", "async"])
async def test_rate_limit_rpm_reaches_the_clients(grok_server_factory: Any, api: str) -> None:
    # Grok Inc allows 5 requests a minute per key, and by default the client waits for a free
    # slot: a sixth call would sit for a minute. rate_limit_rpm=0 turns the wait off, so the
    # sixth call reaches the server at once and meets the server's own 429. (The bound below
    # only tells "at once" from "a minute later"; it measures no speed.)
    server = grok_server_factory("grokinc")
    model = ChatGrok(
        provider="grokinc", base_url=server.base_url, api_key=server.api_key, rate_limit_rpm=0, max_retries=0
    )

    async def call() -> Any:
        if api == "sync":
            return await asyncio.to_thread(model.invoke, "hi")
        return await model.ainvoke("hi")

    for _ in range(5):
        assert (await call()).content
    with pytest.raises(langchain_grok.RateLimitError):
        await asyncio.wait_for(call(), timeout=30)
    assert len(server.requests) == 6


def test_grokapi_out_of_credits(grok_server_factory: Any) -> None:
    server = grok_server_factory("grokapi", credits=1)
    model = ChatGrok(base_url=server.base_url, api_key=server.api_key, provider="grokapi", max_retries=3)
    assert model.invoke("hi").content
    with pytest.raises(langchain_grok.InsufficientCreditsError) as caught:
        model.invoke("hi again")
    assert caught.value.status_code == 402 and not caught.value.is_retryable
    assert isinstance(caught.value, grok_transport.InsufficientCreditsError)
    assert len(server.requests) == 2  # credits are not retried
