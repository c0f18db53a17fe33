"""``Grok`` end to end against the API, replayed from cassettes.

These are the tests that would talk to the real API. By default they replay
``cassettes/<origin>/llama_index/<test>.yaml`` in playback-only mode (see tests/conftest.py): a
missing or mismatched cassette fails and nothing reaches the network. ``scripts/record-cassettes``
re-records them against the real API when ``XAI_API_KEY`` is set, else against the local server.
So every assertion here holds for any correct model answer, not for one server's words.
"""

from __future__ import annotations

import pytest
from llama_index.core import Document, SummaryIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.base.llms.types import ChatMessage, ThinkingBlock
from llama_index.core.tools import FunctionTool
from pydantic import BaseModel

from llama_index_grok import Grok, GrokImageToolSpec
from tests.conftest import GrokTarget

pytestmark = pytest.mark.vcr

MODEL = "grok-4.3"
QUESTION = [ChatMessage(role="user", content="In one short sentence: why is the sky blue?")]


def _llm(target: GrokTarget, **kwargs: object) -> Grok:
    kwargs.setdefault("model", MODEL)
    return Grok(base_url=target.base_url, api_key=target.api_key, max_retries=0, **kwargs)


def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"It is 18 degrees and sunny in {city}."


class City(BaseModel):
    """A city and the country it is in."""

    name: str
    country: str


def _usage(response: object) -> dict:
    return response.raw["usage"]  # type: ignore[attr-defined]


def test_chat_answers_with_usage(grok_target: GrokTarget) -> None:
    response = _llm(grok_target).chat(QUESTION)
    assert response.message.content
    usage = _usage(response)
    assert usage["prompt_tokens"] > 0 and usage["completion_tokens"] > 0
    assert response.additional_kwargs["total_tokens"] == usage["total_tokens"]


def test_stream_chat_accumulates_and_ends_with_usage(grok_target: GrokTarget) -> None:
    chunks = list(_llm(grok_target).stream_chat(QUESTION))
    assert "".join(c.delta or "" for c in chunks) == chunks[-1].message.content
    assert chunks[-1].message.content
    assert _usage(chunks[-1])["total_tokens"] > 0


async def test_async_chat_and_stream(grok_target: GrokTarget) -> None:
    llm = _llm(grok_target)
    answer = await llm.achat(QUESTION)
    assert answer.message.content
    stream = await llm.astream_chat(QUESTION)
    chunks = [chunk async for chunk in stream]
    assert chunks and chunks[-1].message.content


def test_reasoning_arrives_as_a_thinking_block(grok_target: GrokTarget) -> None:
    response = _llm(grok_target, model="grok-3-mini").chat(QUESTION)
    thinking = [b for b in response.message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking and thinking[0].content
    assert response.message.content


def test_required_tool_call_has_valid_arguments(grok_target: GrokTarget) -> None:
    llm = _llm(grok_target)
    tool = FunctionTool.from_defaults(fn=get_weather)
    response = llm.chat_with_tools([tool], user_msg="What is the weather in Paris?", tool_required=True)
    (call,) = llm.get_tool_calls_from_response(response)
    assert call.tool_name == "get_weather"
    assert isinstance(call.tool_kwargs.get("city"), str)


def test_structured_predict_returns_the_model(grok_target: GrokTarget) -> None:
    from llama_index.core.prompts import PromptTemplate

    city = _llm(grok_target).structured_predict(
        City, PromptTemplate("Name the capital of {country}."), country="France"
    )
    assert isinstance(city, City) and city.name and city.country


async def test_function_agent_runs_a_tool_to_a_final_answer(grok_target: GrokTarget) -> None:
    agent = FunctionAgent(tools=[FunctionTool.from_defaults(fn=get_weather)], llm=_llm(grok_target))
    result = await agent.run("Use get_weather to tell me the weather in Paris.")
    assert [c.tool_name for c in result.tool_calls] == ["get_weather"]
    assert str(result.response.content)


def test_query_engine_answers_from_documents(grok_target: GrokTarget) -> None:
    index = SummaryIndex.from_documents(
        [
            Document(text="The Cap Fréhel lighthouse was built in 1950."),
            Document(text="It stands 103 metres above the sea."),
        ]
    )
    response = index.as_query_engine(llm=_llm(grok_target)).query("When was the lighthouse built?")
    assert str(response).strip()
    assert len(response.source_nodes) == 2


def test_web_search_on_the_responses_api_cites_sources(grok_target: GrokTarget) -> None:
    llm = _llm(grok_target, server_tools=["web_search"])
    response = llm.chat(
        [ChatMessage(role="user", content="Search the web: what is the latest stable Python?")]
    )
    citations = response.message.additional_kwargs["citations"]
    assert citations and all(c["url"].startswith("http") for c in citations)
    assert response.message.additional_kwargs["server_tool_calls"]


def test_image_tool_spec_returns_text_naming_the_image_and_the_image(grok_target: GrokTarget) -> None:
    from llama_index.core.base.llms.types import ImageBlock, TextBlock

    spec = GrokImageToolSpec(base_url=grok_target.base_url, api_key=grok_target.api_key)
    text, image = spec.generate_image("a lighthouse at dusk, watercolour")
    assert isinstance(text, TextBlock) and isinstance(image, ImageBlock)
    assert str(image.url) in text.text  # the agent can read where the image is
