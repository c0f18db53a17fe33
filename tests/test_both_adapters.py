"""The two adapters behave the same, because every decision lives once in ``grok_transport``.

Each test runs through ``ChatGrok`` and ``Grok`` against the local server and asserts what a user
would notice: the endpoint a call went to, the body it carried, the warning, the typed error and
the number of requests.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pytest

from grok_transport import (
    InvalidParameterError,
    NotFoundError,
    ServerError,
    UnknownModelWarning,
    UnsupportedParameterWarning,
)
from grok_transport.testing import GrokTestServer, Reply

Ask = Callable[..., Any]


def _langchain(server: GrokTestServer, **settings: Any) -> Ask:
    from langchain_grok import ChatGrok

    tools = settings.pop("tools", None)
    settings.setdefault("base_url", server.base_url)
    llm = ChatGrok(api_key=server.api_key, **settings)
    runnable = llm.bind_tools(tools) if tools else llm

    def ask(text: str, *, stream: bool = False, **kwargs: Any) -> str:
        if stream:
            return "".join(str(chunk.content) for chunk in runnable.stream(text, **kwargs))
        return str(runnable.invoke(text, **kwargs).content)

    return ask


def _llama_index(server: GrokTestServer, **settings: Any) -> Ask:
    from llama_index.core.llms import ChatMessage

    from llama_index_grok import Grok

    tools = settings.pop("tools", None)
    settings.setdefault("base_url", server.base_url)
    llm = Grok(api_key=server.api_key, **settings)

    def ask(text: str, *, stream: bool = False, **kwargs: Any) -> str:
        messages = [ChatMessage(role="user", content=text)]
        if tools:
            kwargs["tools"] = tools
        if stream:
            return "".join(r.delta or "" for r in llm.stream_chat(messages, **kwargs))
        return str(llm.chat(messages, **kwargs).message.content)

    return ask


ADAPTERS = pytest.mark.parametrize("adapter", [_langchain, _llama_index], ids=["langchain", "llama_index"])
WEB_SEARCH = {"type": "web_search"}


@ADAPTERS
def test_server_side_tool_with_responses_api_off_is_refused_before_any_request(grok_server, adapter):
    ask = adapter(grok_server, use_responses_api=False, tools=[WEB_SEARCH])
    with pytest.raises(InvalidParameterError, match="only on the Responses API"):
        ask("search the news")
    assert grok_server.requests == []


@ADAPTERS
def test_previous_response_id_per_call_goes_to_the_responses_api(grok_server, adapter):
    ask = adapter(grok_server)
    with pytest.raises(NotFoundError, match="resp_earlier"):  # the server looks it up, as xAI does
        ask("hello", previous_response_id="resp_earlier")
    assert grok_server.requests[-1].path == "/v1/responses"
    assert grok_server.requests[-1].json["previous_response_id"] == "resp_earlier"


@ADAPTERS
@pytest.mark.parametrize("use_responses_api", [False, True])
def test_parameters_the_model_rejects_are_dropped_on_both_endpoints(grok_server, adapter, use_responses_api):
    ask = adapter(grok_server, model="grok-4.3", use_responses_api=use_responses_api)
    with pytest.warns(
        UnsupportedParameterWarning, match="grok-4.3 does not accept 'presence_penalty'"
    ) as seen:
        ask("hello", presence_penalty=0.5)
    assert "presence_penalty" not in grok_server.requests[-1].json
    assert {w.filename for w in seen} == {__file__}  # the caller's line, not grok_transport's


@ADAPTERS
def test_a_model_xai_does_not_list_is_warned_once_at_the_callers_line(grok_server_factory, adapter):
    name = f"grok-typo-{adapter.__name__}"
    server = grok_server_factory(models=[name])  # the server serves it; the catalogue does not know it
    ask = adapter(server, model=name, provider="xai")
    with pytest.warns(UnknownModelWarning, match=name) as seen:
        ask("hello")
        ask("hello again")
    assert [w.filename for w in seen if w.category is UnknownModelWarning] == [__file__]


@ADAPTERS
def test_a_base_url_without_v1_gets_a_404_that_says_so(grok_server, adapter):
    ask = adapter(grok_server, base_url=grok_server.url, max_retries=0)  # http://127.0.0.1:port
    with pytest.raises(NotFoundError, match="does not end in /v1"):
        ask("hello")


@ADAPTERS
@pytest.mark.parametrize("stream", [False, True])
def test_max_retries_is_the_number_of_extra_requests_whatever_fails(grok_server, adapter, stream):
    grok_server.enqueue(Reply.error(503), Reply.error(503), Reply.error_in_body(), Reply.error_in_body())
    ask = adapter(grok_server, max_retries=2)
    with warnings.catch_warnings(), pytest.raises(ServerError, match="Timed out waiting for first token"):
        warnings.simplefilter("ignore")
        ask("hello", stream=stream)
    assert len(grok_server.requests) == 3


@ADAPTERS
@pytest.mark.parametrize("use_responses_api", [False, True])
def test_conversation_id_routes_the_prompt_cache_on_both_endpoints(grok_server, adapter, use_responses_api):
    ask = adapter(grok_server, conversation_id="conv-7", use_responses_api=use_responses_api)
    ask("hello")
    request = grok_server.requests[-1]
    assert request.headers["x-grok-conv-id"] == "conv-7"
    assert request.json.get("prompt_cache_key") == ("conv-7" if use_responses_api else None)


@ADAPTERS
def test_impossible_values_are_refused_before_any_request(grok_server, adapter):
    ask = adapter(grok_server)
    with pytest.raises(InvalidParameterError):
        ask("hello", stop=["a", "b", "c", "d", "e"])
    assert grok_server.requests == []


def _open_descriptors() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("framework", ["langchain", "llama_index"])
def test_descriptors_stay_flat_across_asyncio_run_calls(grok_server, framework):
    """A sync handler calling ``asyncio.run(llm.ainvoke(...))`` must not leak a pool per call."""
    import asyncio

    if framework == "langchain":
        from langchain_grok import ChatGrok

        llm = ChatGrok(base_url=grok_server.base_url, api_key=grok_server.api_key)

        def call() -> None:
            asyncio.run(llm.ainvoke("hello"))
    else:
        from llama_index.core.llms import ChatMessage

        from llama_index_grok import Grok

        grok = Grok(base_url=grok_server.base_url, api_key=grok_server.api_key)

        def call() -> None:
            asyncio.run(grok.achat([ChatMessage(role="user", content="hello")]))

    call()
    before = _open_descriptors()
    for _ in range(100):
        call()
    assert _open_descriptors() <= before + 4


@pytest.mark.parametrize(
    ("adapter", "extra_name"),
    [(_langchain, "model_kwargs"), (_llama_index, "additional_kwargs")],
    ids=["langchain", "llama_index"],
)
def test_a_calls_settings_win_over_the_models_and_extra_body_merges(grok_server, adapter, extra_name):
    ask = adapter(
        grok_server,
        temperature=0.2,
        seed=7,
        conversation_id="conv-model",
        extra_body={"x_routing": "eu", "x_flag": 1},
        disabled_params={"seed": None},
        **{extra_name: {"prompt_cache_key": "k-model", "x_mode": "fast"}},
    )
    ask(
        "hello",
        temperature=0.9,
        prompt_cache_key="k-call",
        conversation_id="conv-call",
        extra_body={"x_flag": 2},
    )
    request = grok_server.requests[-1]
    assert request.json["temperature"] == 0.9
    assert request.json["prompt_cache_key"] == "k-call" and request.json["x_mode"] == "fast"
    assert request.json["x_routing"] == "eu" and request.json["x_flag"] == 2
    assert "seed" not in request.json
    assert request.headers["x-grok-conv-id"] == "conv-call"
