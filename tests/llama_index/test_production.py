"""``Grok`` as a production service meets it: copies, pickles, blank keys and bad input.

Over a real socket to a local server per test (``grok_server``); every test counts the requests
the server received, so "refused before sending" means zero requests.
"""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import httpx
import pytest
from llama_index.core.base.llms.types import ChatMessage, MessageRole, TextBlock, ToolCallBlock

from grok_transport import GrokError, InvalidParameterError, MissingAPIKeyError
from grok_transport.testing import GrokTestServer, Reply
from llama_index_grok import Grok

HELLO = [ChatMessage(role="user", content="Hello there")]


def _grok(server: GrokTestServer, **kwargs: Any) -> Grok:
    return Grok(api_key=server.api_key, base_url=server.base_url, max_retries=0, **kwargs)


async def _achat_and_astream(llm: Grok) -> list[str]:
    answer = await llm.achat(HELLO)
    streamed = [r async for r in await llm.astream_chat(HELLO)]
    return [answer.message.content or "", streamed[-1].message.content or ""]


async def _consume(stream: Any) -> list[Any]:
    return [response async for response in await stream]


# -- copies and pickles after the first call --------------------------------------------------------


@pytest.mark.parametrize("duplicate", [copy.deepcopy, lambda llm: pickle.loads(pickle.dumps(llm))])
def test_a_used_model_can_be_copied_and_the_copy_calls_the_api(grok_server, duplicate) -> None:
    grok_server.set_default(Reply.text("fine"))
    llm = _grok(grok_server, temperature=0.3, conversation_id="conv-1")
    llm.chat(HELLO)
    assert asyncio.run(_achat_and_astream(llm)) == ["fine", "fine"]  # both clients are live now

    clone = duplicate(llm)
    assert clone.chat(HELLO).message.content == "fine"
    assert list(clone.stream_chat(HELLO))[-1].message.content == "fine"
    assert asyncio.run(_achat_and_astream(clone)) == ["fine", "fine"]
    assert llm.chat(HELLO).message.content == "fine", "the original still works"

    copied = grok_server.requests[3:7]
    assert len(grok_server.requests) == 8
    assert all(r.headers["authorization"] == "Bearer ***" for r in copied), "the key travelled along"
    assert all(r.headers["x-grok-conv-id"] == "conv-1" and r.json["temperature"] == 0.3 for r in copied)
    assert clone.api_key.get_secret_value() == grok_server.api_key
    assert grok_server.api_key not in repr(clone) and grok_server.api_key not in clone.to_json()


@pytest.mark.parametrize("duplicate", [copy.copy, copy.deepcopy, lambda llm: llm.model_copy()])
def test_a_copy_does_not_share_the_originals_clients(grok_server, duplicate) -> None:
    llm = _grok(grok_server)
    llm.chat(HELLO)
    clone = duplicate(llm)
    clone.default_headers = {"X-Copy": "yes"}
    clone.chat(HELLO)
    assert clone.client is not llm.client
    llm.close()
    assert clone.chat(HELLO).message.content, "closing the original leaves the copy working"
    llm.chat(HELLO)
    assert [r.headers.get("x-copy") for r in grok_server.requests] == [None, "yes", "yes", None]


def test_your_own_http_client_is_shared_by_a_copy_and_never_pickled(grok_server) -> None:
    seen: list[str] = []
    http = httpx.Client(event_hooks={"request": [lambda request: seen.append(request.url.path)]})
    llm = _grok(grok_server, http_client=http)
    llm.chat(HELLO)
    copy.deepcopy(llm).chat(HELLO)
    assert seen == ["/v1/chat/completions"] * 2, "the copy went through the same client"
    with pytest.raises(TypeError, match="http_client"):
        pickle.dumps(llm)
    http.close()


# -- the key ----------------------------------------------------------------------------------------


def test_an_empty_key_fails_at_construction_like_a_missing_one(monkeypatch) -> None:
    for var in ("XAI_API_KEY", "GROK_API_KEY", "GROK_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(MissingAPIKeyError):
        Grok(api_key="")


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_key_is_missing_even_with_a_key_in_the_environment(monkeypatch, blank) -> None:
    monkeypatch.setenv("XAI_API_KEY", "xai-from-the-environment-0123456789")
    with pytest.raises(MissingAPIKeyError):
        Grok(api_key=blank)


# -- bad input: a typed error, before any request ---------------------------------------------------


def _tool_turn(**kwargs: Any) -> list[ChatMessage]:
    call = ToolCallBlock(tool_call_id="call_1", tool_name="upload", tool_kwargs=kwargs)
    return [
        ChatMessage(role="user", content="upload it"),
        ChatMessage(role="assistant", blocks=[call]),
        ChatMessage(role="tool", content="done", additional_kwargs={"tool_call_id": "call_1"}),
    ]


@pytest.mark.parametrize(
    ("messages", "match"),
    [
        pytest.param(_tool_turn(data=b"\x89PNG"), "upload.*not JSON", id="bytes-in-tool-arguments"),
        pytest.param(_tool_turn(tags={"a", "b"}), "upload.*not JSON", id="set-in-tool-arguments"),
        pytest.param([{"role": "user", "content": "hi"}], "ChatMessage objects", id="dict-messages"),
        pytest.param(
            [ChatMessage(role="assistant", content="", additional_kwargs={"tool_calls": [object()]})],
            "not a tool call",
            id="legacy-tool-call-object",
        ),
        pytest.param(
            [*HELLO, ChatMessage(role="tool", content="42", additional_kwargs={"tool_call_id": b"c1"})],
            "JSON cannot carry",
            id="bytes-as-a-tool-call-id",
        ),
    ],
)
def test_bad_input_is_refused_before_any_request(grok_server, messages, match) -> None:
    llm = _grok(grok_server)
    with pytest.raises(InvalidParameterError, match=match):
        llm.chat(messages)
    with pytest.raises(InvalidParameterError, match=match):
        asyncio.run(_consume(llm.astream_chat(messages)))
    assert grok_server.requests == []


def test_bytes_as_a_parameter_value_are_refused_before_any_request(grok_server) -> None:
    with pytest.raises(InvalidParameterError, match="not JSON"):
        _grok(grok_server).chat(HELLO, user=b"user-1")
    assert grok_server.requests == []


def test_a_role_llama_index_does_not_define_is_a_typed_error_not_a_crash(grok_server) -> None:
    """Passed on as it is: the transport's message check (or the server) refuses it, typed."""
    wizard = ChatMessage.model_construct(
        role="wizard", blocks=[TextBlock(text="abracadabra")], additional_kwargs={}
    )
    with pytest.raises(GrokError, match="wizard"):
        _grok(grok_server).chat([wizard])
    assert len(grok_server.requests) <= 1


def test_a_message_role_enum_is_still_what_is_sent(grok_server) -> None:
    _grok(grok_server).chat([ChatMessage(role=MessageRole.DEVELOPER, content="terse"), *HELLO])
    assert [m["role"] for m in grok_server.requests[-1].json["messages"]] == ["system", "user"]
