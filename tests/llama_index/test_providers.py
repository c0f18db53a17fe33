"""Grok Inc and grokapi.io end to end, each against a server speaking its dialect.

Grok Inc allows five requests a minute per key (the client keeps that limit itself), so each test
here starts its own server and stays under five requests.
"""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import FunctionAgent, ReActAgent
from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from grok_transport import InsufficientCreditsError
from grok_transport.testing import GrokTestServer, Reply
from llama_index_grok import Grok

# Core's workflows inspect agent objects and trip pydantic's deprecation warnings (not ours).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")


@pytest.fixture
def grokinc(grok_server_factory) -> GrokTestServer:
    return grok_server_factory(dialect="grokinc")


@pytest.fixture
def grokapi(grok_server_factory) -> GrokTestServer:
    return grok_server_factory(dialect="grokapi", credits=2)


def _grokinc_llm(server: GrokTestServer, **kwargs) -> Grok:
    return Grok(provider="grokinc", api_key=server.api_key, base_url=server.base_url, **kwargs)


def test_grokinc_chat_and_stream(grokinc) -> None:
    llm = _grokinc_llm(grokinc)
    assert (llm.provider, llm.model) == ("grokinc", "grok-lite")
    assert llm.metadata.is_function_calling_model is False  # Grok Inc has no tools
    messages = [ChatMessage(role="system", content="Be terse."), ChatMessage(role="user", content="Hello")]
    grokinc.enqueue(Reply.text("hi"), Reply.text(["hi", " again"]))
    assert llm.chat(messages).message.content == "hi"
    request = grokinc.requests[-1]
    assert request.headers["x-api-key"] == "***" and "authorization" not in request.headers
    assert request.json["messages"] == [{"role": "user", "content": "Be terse.\n\nHello"}]
    last = list(llm.stream_chat(messages))[-1]
    assert last.message.content == "hi again"


async def test_grokinc_async_and_structured_output_without_tools(grokinc) -> None:
    class Answer(BaseModel):
        text: str

    llm = _grokinc_llm(grokinc)
    grokinc.enqueue(Reply.text("async hi"), Reply.json({"text": "structured"}))
    assert (await llm.achat([ChatMessage(role="user", content="Hello")])).message.content == "async hi"
    # No json_schema and no tools on Grok Inc: core's text-completion program parses the JSON.
    answer = await llm.astructured_predict(Answer, PromptTemplate("Answer about {topic}."), topic="tea")
    assert answer == Answer(text="structured")
    assert "response_format" not in grokinc.requests[-1].json and "tools" not in grokinc.requests[-1].json


async def test_grokinc_agents_fall_back_to_react(grokinc) -> None:
    def shout(text: str) -> str:
        """Uppercase some text."""
        return text.upper()

    llm = _grokinc_llm(grokinc)
    tools = [FunctionTool.from_defaults(fn=shout)]
    with pytest.raises(ValueError, match="FunctionCallingLLM"):
        await FunctionAgent(tools=tools, llm=llm).run(user_msg="shout hi")
    grokinc.clear()
    grokinc.enqueue(
        Reply.text('Thought: use the tool.\nAction: shout\nAction Input: {"text": "hi"}'),
        Reply.text("Thought: done.\nAnswer: HI"),
    )
    output = await ReActAgent(tools=tools, llm=llm).run(user_msg="shout hi")
    assert str(output.response.content) == "HI"
    assert all(m["role"] in ("user", "assistant") for m in grokinc.requests[-1].json["messages"])


def test_grokapi_chat_then_out_of_credits(grokapi) -> None:
    llm = Grok(provider="grokapi", api_key=grokapi.api_key, base_url=grokapi.base_url, max_retries=2)
    assert llm.model == "grok-4"
    hello = [ChatMessage(role="user", content="Hello")]
    assert llm.chat(hello).message.content
    assert grokapi.requests[-1].headers["authorization"] == "Bearer ***"
    assert list(llm.stream_chat(hello))[-1].message.content
    with pytest.raises(InsufficientCreditsError) as info:
        llm.chat(hello)
    assert info.value.status_code == 402
    assert grokapi.api_key not in str(info.value)
    assert len(grokapi.requests) == 3, "running out of credits is not retried"


async def test_grokapi_out_of_credits_when_streaming_async(grokapi) -> None:
    llm = Grok(provider="grokapi", api_key=grokapi.api_key, base_url=grokapi.base_url)
    hello = [ChatMessage(role="user", content="Hello")]
    await llm.acomplete("one")
    await llm.acomplete("two")
    with pytest.raises(InsufficientCreditsError):
        [r async for r in await llm.astream_chat(hello)]
