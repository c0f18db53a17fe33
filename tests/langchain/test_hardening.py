"""ChatGrok in production: copies and pickles, empty keys, broken tool calls, bad input.

Each test runs over a real socket against the local server and counts the requests it received:
what must be refused is refused before anything is sent.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
from typing import Any
from unittest import mock

import pytest
from langchain_core.exceptions import (
    ModelAuthenticationError,
    ModelInvalidRequestError,
    OutputParserException,
)
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, BaseMessage, ChatMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

import grok_transport
import langchain_grok
from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok


def chat(server: GrokTestServer, **kwargs: Any) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, **kwargs)


def key_hidden(model: ChatGrok, key: str) -> None:
    for text in (repr(model), str(model), dumps(model), json.dumps(dumpd(model))):
        assert key not in text


# -- copies and pickles ---------------------------------------------------------------------------


async def test_a_used_model_deep_copies_and_the_copy_calls_the_server(grok_server: GrokTestServer) -> None:
    model = chat(grok_server)
    model.invoke("warm the sync client")
    await model.ainvoke("and the async one")
    twin = copy.deepcopy(model)
    assert twin.invoke("from the copy").content
    assert (await twin.ainvoke("async, from the copy")).content
    assert [c.content for c in twin.stream("streamed")][-1] == ""  # the closing chunk
    assert len(grok_server.requests) == 5
    assert model.invoke("the original still works").content
    key_hidden(twin, grok_server.api_key)


async def test_a_used_model_pickles_with_its_key_and_never_shows_it(grok_server: GrokTestServer) -> None:
    model = chat(grok_server, temperature=0.2)
    model.invoke("warm the sync client")
    await model.ainvoke("and the async one")
    revived = pickle.loads(pickle.dumps(model))
    assert revived.temperature == 0.2
    assert revived.invoke("from a worker").content  # the key travelled: the server accepted it
    assert (await revived.ainvoke("async, from a worker")).content
    assert len(grok_server.requests) == 4
    assert grok_server.requests[-1].json["temperature"] == 0.2
    key_hidden(revived, grok_server.api_key)


async def test_a_copy_with_other_settings_uses_them(grok_server: GrokTestServer) -> None:
    model = chat(grok_server, max_retries=2)
    model.invoke("warm the sync client")
    await model.ainvoke("and the async one")
    impatient = model.model_copy(update={"max_retries": 0})
    grok_server.enqueue(Reply.error(503), Reply.error(503))
    with pytest.raises(grok_transport.ServerError):
        impatient.invoke("hi")
    with pytest.raises(grok_transport.ServerError):
        await impatient.ainvoke("hi")
    assert len(grok_server.requests) == 4  # one each: the copy's settings, not the original's
    grok_server.enqueue(Reply.error(503))
    assert model.invoke("the original still retries").content
    assert len(grok_server.requests) == 6


def test_pickling_a_model_with_its_own_http_client_says_why_it_cannot(grok_server: GrokTestServer) -> None:
    import httpx

    with httpx.Client() as own:
        model = chat(grok_server, http_client=own)
        twin = copy.deepcopy(model)
        assert twin.http_client is own  # the user's client is shared, never copied
        assert twin.invoke("hi").content
        with pytest.raises(TypeError, match="http_client"):
            pickle.dumps(model)


def test_errors_pickle_as_their_public_class(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.error(429))
    with pytest.raises(langchain_grok.RateLimitError) as caught:
        chat(grok_server, max_retries=0).invoke("hi")
    revived = pickle.loads(pickle.dumps(caught.value))
    assert type(revived) is langchain_grok.RateLimitError
    assert revived.status_code == 429 and revived.is_retryable


# -- keys -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["", "   "])
def test_an_empty_key_fails_at_construction_even_with_one_in_the_environment(key: str) -> None:
    with (
        mock.patch.dict(os.environ, {"XAI_API_KEY": "xai-from-the-environment"}),
        pytest.raises(grok_transport.MissingAPIKeyError, match="api_key is empty") as caught,
    ):
        ChatGrok(api_key=key)
    assert isinstance(caught.value, ModelAuthenticationError)


def test_missing_key_error_comes_from_its_public_path() -> None:
    with mock.patch.dict(os.environ, {}, clear=True), pytest.raises(ValueError) as caught:
        ChatGrok()
    error_class = type(caught.value)
    assert error_class is langchain_grok.MissingAPIKeyError
    assert error_class.__module__ == "langchain_grok"
    assert issubclass(error_class, grok_transport.MissingAPIKeyError)


def test_every_transport_error_has_a_langchain_twin() -> None:
    """A new transport error needs no edit here: its twin comes from grok_transport.__all__."""
    transport_errors = {
        name
        for name in grok_transport.__all__
        if isinstance(value := getattr(grok_transport, name), type)
        and issubclass(value, grok_transport.GrokError)
    }
    assert transport_errors <= set(langchain_grok.__all__)
    for name in transport_errors:
        twin = getattr(langchain_grok, name)
        assert issubclass(twin, getattr(grok_transport, name)) and twin.__module__ == "langchain_grok"
        assert twin.is_retryable == twin.retryable


# -- structured output ----------------------------------------------------------------------------


class Joke(BaseModel):
    """A joke."""

    setup: str = Field(description="the question")
    punchline: str = Field(description="the answer")


@pytest.mark.parametrize("schema", [Joke, Joke.model_json_schema()], ids=["pydantic", "json-schema"])
def test_a_forced_call_with_broken_json_is_a_parsing_error(grok_server: GrokTestServer, schema: Any) -> None:
    broken = Reply.tool_calls([{"name": "Joke", "arguments": '{"setup": "s", "punchline": }', "id": "c1"}])
    grok_server.enqueue(broken, broken)
    model = chat(grok_server)
    answer = model.with_structured_output(schema, method="function_calling", include_raw=True).invoke(
        "a joke"
    )
    assert answer["parsed"] is None
    assert isinstance(answer["parsing_error"], OutputParserException)
    assert answer["raw"].invalid_tool_calls[0]["args"] == '{"setup": "s", "punchline": }'
    with pytest.raises(OutputParserException, match="Joke"):
        model.with_structured_output(schema, method="function_calling").invoke("a joke")
    assert len(grok_server.requests) == 2


# -- bad input ------------------------------------------------------------------------------------


def _appended(message: HumanMessage, part: Any) -> HumanMessage:
    message.content.append(part)  # type: ignore[union-attr]
    return message


needs_message_checks = pytest.mark.skipif(
    not hasattr(grok_transport, "InvalidMessageError"),
    reason="the transport's message checks in plan() are not on this branch yet",
)


@pytest.mark.parametrize(
    "messages",
    [
        # Refused by ChatGrok's own conversion, which could not read them:
        [SystemMessage([{"type": "text", "text": 5}])],
        [_appended(HumanMessage(["fine"]), b"raw bytes")],  # content edited after validation
        [AIMessage("", tool_calls=[{"name": "f", "args": {"blob": b"\x00"}, "id": "c1"}]), HumanMessage("?")],
        # Refused by the transport, which never sends what is not JSON:
        [HumanMessage([{"type": "text", "text": b"raw bytes"}])],
        [HumanMessage([{"type": "image_url", "image_url": {"url": b"\x89PNG"}}])],
        # Refused by the transport's message checks:
        pytest.param([ChatMessage(content="hi", role="wizard")], marks=needs_message_checks),
        pytest.param([HumanMessage([{"type": "text", "text": 5}])], marks=needs_message_checks),
        pytest.param(
            [HumanMessage([{"type": "image_url", "image_url": {"url": "a cat, please"}}])],
            marks=needs_message_checks,
        ),
    ],
    ids=[
        "system-text-not-a-string",
        "bytes-part",
        "tool-args-not-json",
        "bytes-text",
        "bytes-image-url",
        "unknown-role",
        "text-not-a-string",
        "image-url-not-a-url",
    ],
)
async def test_bad_input_is_a_typed_error_before_any_request(
    grok_server: GrokTestServer, messages: list[BaseMessage]
) -> None:
    model = chat(grok_server)
    for call in (model.invoke, lambda m: list(model.stream(m))):
        with pytest.raises(grok_transport.InvalidParameterError) as caught:
            call(messages)
        assert isinstance(caught.value, ModelInvalidRequestError)
    with pytest.raises(grok_transport.InvalidParameterError):
        await model.ainvoke(messages)
    assert grok_server.requests == []
