"""``Grok`` as an LLM: configuration, secrets, the eight endpoints, streaming, errors, event loops."""

from __future__ import annotations

import asyncio
import inspect
import warnings

import pytest
from llama_index.core.base.llms.types import (
    AudioBlock,
    ChatMessage,
    ChatResponse,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler

from grok_transport import (
    AuthenticationError,
    InvalidParameterError,
    MissingAPIKeyError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    UnsupportedParameterWarning,
)
from grok_transport.testing import Reply
from llama_index_grok import Grok

HELLO = [ChatMessage(role="user", content="Hello there")]
SECRET = "xai-supersecret-0123456789"


# -- configuration and secrets ----------------------------------------------------------------------


def test_construction_resolves_the_key_but_opens_no_connection(monkeypatch) -> None:
    monkeypatch.setenv("XAI_API_KEY", SECRET)
    llm = Grok()
    assert llm.model == "grok-4.3"
    assert llm.base_url == "https://api.x.ai/v1"
    assert llm.api_key.get_secret_value() == SECRET
    assert llm._clients.built() == (None, None)


def test_missing_key_is_a_value_error_naming_the_variables(monkeypatch) -> None:
    for var in ("XAI_API_KEY", "GROK_API_KEY", "GROK_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MissingAPIKeyError, match="XAI_API_KEY or GROK_API_KEY") as info:
        Grok()
    assert isinstance(info.value, ValueError)


def test_key_never_appears_in_repr_serialization_or_payload() -> None:
    llm = Grok(api_key=SECRET, temperature=0.3, max_tokens=64)
    for text in (repr(llm), str(llm), llm.to_json(), str(llm.to_dict()), str(llm.to_payload())):
        assert SECRET not in text
    assert llm.to_dict()["temperature"] == 0.3
    assert llm.to_dict()["max_tokens"] == 64
    assert llm.to_dict()["class_name"] == Grok.class_name() == "Grok_LLM"


def test_key_never_appears_in_error_text(make_llm, server) -> None:
    llm = make_llm(api_key=SECRET)
    with pytest.raises(AuthenticationError) as info:
        llm.chat(HELLO)
    assert info.value.status_code == 400
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)
    assert SECRET not in str(info.value.body)


def test_api_base_alias_and_round_trip_through_to_dict(monkeypatch) -> None:
    monkeypatch.setenv("GROK_API_KEY", SECRET)  # the generic variable, for a custom proxy
    llm = Grok(model="grok-3-mini", api_base="https://proxy.example/v1/", temperature=0.5, max_retries=4)
    assert llm.base_url == llm.api_base == "https://proxy.example/v1"
    assert llm.provider == "custom"
    again = Grok.from_dict(llm.to_dict())
    assert (again.model, again.base_url, again.temperature, again.max_retries) == (
        "grok-3-mini",
        "https://proxy.example/v1",
        0.5,
        4,
    )


def test_out_of_range_field_is_refused_at_construction() -> None:
    with pytest.raises(ValueError, match="temperature"):
        Grok(api_key=SECRET, temperature=3.0)


# -- metadata ---------------------------------------------------------------------------------------


def test_metadata_comes_from_the_catalogue() -> None:
    meta = Grok(api_key=SECRET, model="grok-3-mini").metadata
    assert (meta.context_window, meta.num_output) == (131_072, 16_384)
    assert meta.is_chat_model and meta.is_function_calling_model
    assert meta.model_name == "grok-3-mini"


def test_unknown_model_gets_safe_metadata_instead_of_an_error() -> None:
    llm = Grok(api_key=SECRET, model="my-proxy/grok-alias-7", base_url="https://proxy.example/v1")
    meta = llm.metadata
    assert meta.context_window > 0 and meta.num_output > 0
    assert llm.to_payload()["model_name"] == "my-proxy/grok-alias-7"


def test_metadata_overrides_for_proxies() -> None:
    llm = Grok(
        api_key=SECRET, model="grok-4.3", is_function_calling_model=False, context_window=8000, max_tokens=500
    )
    meta = llm.metadata
    assert (meta.is_function_calling_model, meta.context_window, meta.num_output) == (False, 8000, 500)


# -- the endpoints ----------------------------------------------------------------------------------


def test_chat_returns_text_reasoning_and_usage(llm, server) -> None:
    server.enqueue(Reply.text("the sky is blue", reasoning="light scatters"))
    response = llm.chat(HELLO)
    assert response.message.role == "assistant"
    assert response.message.content == "the sky is blue"
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking[0].content == "light scatters"
    assert isinstance(response.raw, dict)
    usage = response.raw["usage"]
    counts = response.additional_kwargs
    assert counts["prompt_tokens"] == usage["prompt_tokens"] > 0
    assert counts["completion_tokens"] == usage["completion_tokens"] > 0
    assert counts["reasoning_tokens"] == usage["completion_tokens_details"]["reasoning_tokens"] > 0
    assert counts["total_tokens"] == usage["total_tokens"]
    assert thinking[0].num_tokens == counts["reasoning_tokens"]


def test_stream_chat_accumulates_text_and_reasoning(llm, server) -> None:
    server.enqueue(Reply.text(["The", " answer", " is", " 42."], reasoning=["let me", " think"]))
    responses = list(llm.stream_chat(HELLO))
    texts = [r.message.content for r in responses if r.delta]
    assert texts == ["The", "The answer", "The answer is", "The answer is 42."]
    assert "".join(r.delta or "" for r in responses) == "The answer is 42."
    thinking_deltas = [
        r.additional_kwargs["thinking_delta"] for r in responses if "thinking_delta" in r.additional_kwargs
    ]
    assert thinking_deltas == ["let me", " think"]
    last = responses[-1]
    assert last.message.content == "The answer is 42."
    assert [b.content for b in last.message.blocks if isinstance(b, ThinkingBlock)] == ["let me think"]
    # usage arrives once, on the final response, as the raw chunk dict
    assert [r for r in responses if "usage" in (r.raw or {}) and r.raw["usage"]] == [last]
    assert last.additional_kwargs["total_tokens"] == last.raw["usage"]["total_tokens"]
    assert server.requests[-1].json["stream_options"] == {"include_usage": True}


async def test_astream_chat_is_a_coroutine_returning_an_async_generator(llm, server) -> None:
    assert inspect.iscoroutinefunction(Grok.astream_chat)
    assert inspect.iscoroutinefunction(Grok.astream_complete)
    server.enqueue(Reply.text(["one", " two"]))
    gen = await llm.astream_chat(HELLO)
    responses = [r async for r in gen]
    assert [r.delta for r in responses if r.delta] == ["one", " two"]
    assert responses[-1].message.content == "one two"
    assert responses[-1].raw["usage"]["prompt_tokens"] > 0


async def test_achat_and_acomplete(llm, server) -> None:
    server.enqueue(Reply.text("async hello"), Reply.text("async completion"))
    assert (await llm.achat(HELLO)).message.content == "async hello"
    completion = await llm.acomplete("hi")
    assert completion.text == "async completion"
    assert completion.raw["usage"]["total_tokens"] > 0


def test_complete_and_stream_complete(llm, server) -> None:
    server.enqueue(Reply.text("done"), Reply.text(["a", "b", "c"]))
    assert llm.complete("go").text == "done"
    assert server.requests[-1].json["messages"] == [{"role": "user", "content": "go"}]
    chunks = list(llm.stream_complete("go"))
    assert [c.text for c in chunks if c.delta] == ["a", "ab", "abc"]
    assert chunks[-1].text == "abc"


async def test_astream_complete(llm, server) -> None:
    server.enqueue(Reply.text(["x", "y"]))
    chunks = [c async for c in await llm.astream_complete("go")]
    assert chunks[-1].text == "xy"
    assert [c.delta for c in chunks if c.delta] == ["x", "y"]


async def test_every_endpoint_fires_its_instrumentation_events(llm, server, events) -> None:
    server.set_default(Reply.text(["ok", "!"]))
    llm.chat(HELLO)
    list(llm.stream_chat(HELLO))
    await llm.achat(HELLO)
    [r async for r in await llm.astream_chat(HELLO)]
    llm.complete("hi")
    list(llm.stream_complete("hi"))
    await llm.acomplete("hi")
    [r async for r in await llm.astream_complete("hi")]
    names = events.names()
    assert names.count("LLMChatStartEvent") == 4 and names.count("LLMChatEndEvent") == 4
    assert names.count("LLMCompletionStartEvent") == 4 and names.count("LLMCompletionEndEvent") == 4
    assert names.count("LLMChatInProgressEvent") >= 4  # two streams x two chunks at least
    assert names.count("LLMCompletionInProgressEvent") >= 4
    starts = [e for e in events.events if type(e).__name__ == "LLMChatStartEvent"]
    assert starts[0].model_dict["class_name"] == "Grok_LLM"
    assert server.api_key not in str([e.model_dump() for e in starts])


def test_callback_manager_and_token_counting(make_llm, server) -> None:
    counter = TokenCountingHandler()
    llm = make_llm(callback_manager=CallbackManager([counter]))
    server.enqueue(Reply.text("counted"), Reply.text(["streamed", " too"]))
    response = llm.chat(HELLO)
    usage = response.raw["usage"]
    assert counter.prompt_llm_token_count == usage["prompt_tokens"]
    assert counter.completion_llm_token_count == usage["completion_tokens"]
    counter.reset_counts()
    last = list(llm.stream_chat(HELLO))[-1]
    assert counter.prompt_llm_token_count == last.raw["usage"]["prompt_tokens"] > 0
    assert counter.completion_llm_token_count == last.raw["usage"]["completion_tokens"] > 0


def test_async_client_survives_two_event_loops(llm, server) -> None:
    """The classic "Event loop is closed" failure: one async client reused across asyncio.run."""
    server.set_default(Reply.text("fine"))

    async def twice() -> list[str]:
        first = await llm.achat(HELLO)
        streamed = [r async for r in await llm.astream_chat(HELLO)]
        return [first.message.content, streamed[-1].message.content]

    assert asyncio.run(twice()) == ["fine", "fine"]
    assert asyncio.run(twice()) == ["fine", "fine"]


# -- request parameters -----------------------------------------------------------------------------


def test_only_parameters_that_were_set_are_sent(make_llm, server) -> None:
    make_llm().chat(HELLO)
    body = server.requests[-1].json
    assert set(body) == {"model", "messages"}
    make_llm(temperature=0.2, max_tokens=50, reasoning_effort="low", additional_kwargs={"seed": 7}).chat(
        HELLO, top_p=0.9
    )
    body = server.requests[-1].json
    assert (body["temperature"], body["max_tokens"], body["reasoning_effort"]) == (0.2, 50, "low")
    assert (body["seed"], body["top_p"]) == (7, 0.9)


def test_parameters_the_model_rejects_are_dropped_with_a_warning(make_llm, server) -> None:
    llm = make_llm(model="grok-4-fast-reasoning", reasoning_effort="high")
    with pytest.warns(UnsupportedParameterWarning) as record:
        llm.chat(HELLO, stop=["\n"])
    assert sorted(str(w.message).split("'")[1] for w in record) == ["reasoning_effort", "stop"]
    assert "reasoning_effort" not in server.requests[-1].json
    assert "stop" not in server.requests[-1].json


def test_bad_input_fails_before_the_network(llm, server) -> None:
    with pytest.raises(InvalidParameterError, match="temperature"):
        llm.chat(HELLO, temperature=9)
    audio = ChatMessage(
        role="user", blocks=[TextBlock(text="listen"), AudioBlock(audio=b"RIFF0000", format="wav")]
    )
    with pytest.raises(InvalidParameterError, match="AudioBlock"):
        llm.stream_chat([audio])
    with pytest.raises(InvalidParameterError, match="empty"):
        llm.chat([])
    assert server.requests == []


# -- failures ---------------------------------------------------------------------------------------


def test_rate_limit_is_retried_after_the_servers_hint(make_llm, server) -> None:
    server.enqueue(Reply.error(429, retry_after=0.05), Reply.text("after the wait"))
    assert make_llm(max_retries=1).chat(HELLO).message.content == "after the wait"
    assert len(server.requests) == 2


def test_rate_limit_without_retries_is_a_typed_error(llm, server) -> None:
    server.enqueue(Reply.error(429, retry_after=0.05))
    with pytest.raises(RateLimitError) as info:
        llm.chat(HELLO)
    assert info.value.status_code == 429


def test_a_cut_stream_raises_and_keeps_the_text_so_far(llm, server) -> None:
    server.enqueue(Reply.text(["kept", " part", " lost"], cut_after=2))
    seen = []
    with pytest.raises(StreamInterruptedError) as info:
        for response in llm.stream_chat(HELLO):
            seen.append(response.message.content)
    assert seen[-1] == "kept part"
    assert info.value.partial.text == "kept part"


async def test_an_error_inside_a_streamed_200_is_a_typed_error(llm, server) -> None:
    server.enqueue(Reply.error_in_body(after=1))
    with pytest.raises(ServerError, match="first token"):
        [r async for r in await llm.astream_chat(HELLO)]


def test_no_unexpected_warnings_on_a_plain_call(llm, server) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        llm.chat(HELLO)


def test_streamed_messages_are_ordinary_validated_messages(llm, server) -> None:
    """Memory and chat stores serialize the stored turn; it must round-trip like any message."""
    server.enqueue(
        Reply.tool_calls([{"name": "lookup", "arguments": {"q": "x"}}], content="let me", reasoning="hm")
    )
    last = list(llm.stream_chat(HELLO))[-1]
    call = last.message.additional_kwargs["tool_calls"][0]
    expected = ChatMessage(
        role="assistant",
        blocks=[
            ThinkingBlock(content="hm", num_tokens=last.additional_kwargs["reasoning_tokens"]),
            TextBlock(text="let me"),
            ToolCallBlock(tool_call_id=call["id"], tool_name="lookup", tool_kwargs={"q": "x"}),
        ],
        additional_kwargs={"tool_calls": [call], "reasoning_content": "hm"},
    )
    assert last.message == expected
    assert ChatMessage.model_validate_json(last.message.model_dump_json()) == expected
    assert ChatResponse.model_validate(last.model_dump()).message == expected


def test_an_empty_streamed_answer_still_yields_a_response(make_llm, server) -> None:
    server.enqueue(Reply.text([]))
    responses = list(make_llm().stream_chat(HELLO))
    assert responses, "callers (agents) need at least one response"
    assert responses[-1].message.content == ""
    assert responses[-1].raw["usage"]


def test_connection_settings_changed_after_construction_take_effect(make_llm, server) -> None:
    llm = make_llm(api_key="xai-not-the-right-key")
    with pytest.raises(AuthenticationError):
        llm.chat(HELLO)
    llm.api_key = server.api_key
    llm.default_headers = {"X-Trace": "on"}
    assert llm.chat(HELLO).message.content
    assert server.requests[-1].headers["x-trace"] == "on"
    assert server.api_key not in repr(llm)
