"""``Grok`` where LlamaIndex uses an LLM: query engines, chat engines, agents, token counting.

Everything runs against the local server over a real socket; embeddings are core's
``MockEmbedding`` and every component gets ``llm=`` / ``embed_model=`` explicitly, so no global
``Settings`` (and no OpenAI default) is touched.
"""

from __future__ import annotations

import pytest
from llama_index.core import Document, VectorStoreIndex
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ReActAgent, ToolCallResult
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers import get_response_synthesizer
from llama_index.core.tools import FunctionTool

from grok_transport.testing import Reply

# Core's workflows inspect agent objects and trip pydantic's deprecation warnings, and core's
# ReActAgent calls a deprecated workflow API; neither is ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect"),
    pytest.mark.filterwarnings("ignore:is_running called from within a step:DeprecationWarning"),
]

DOCS = [
    Document(text="The Grok test server listens on 127.0.0.1 and answers like xAI."),
    Document(text="Paris is the capital of France. It has about two million residents."),
]


@pytest.fixture(scope="module")
def index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents(DOCS, embed_model=MockEmbedding(embed_dim=8))


def _prompt_text(server) -> str:
    return str(server.requests[-1].json["messages"])


# -- query and chat engines -------------------------------------------------------------------------


def test_query_engine(index, llm, server) -> None:
    server.enqueue(Reply.text("Paris is the capital."))
    response = index.as_query_engine(llm=llm).query("What is the capital of France?")
    assert str(response) == "Paris is the capital."
    assert "capital of France" in _prompt_text(server)
    assert response.source_nodes


def test_streaming_query_engine(index, llm, server) -> None:
    server.enqueue(Reply.text(["Paris", " it", " is."]))
    response = index.as_query_engine(llm=llm, streaming=True).query("Capital of France?")
    tokens = list(response.response_gen)
    assert [t for t in tokens if t] == ["Paris", " it", " is."]


async def test_async_query_engine_streaming_and_not(index, llm, server) -> None:
    server.enqueue(Reply.text("async answer"), Reply.text(["async", " stream"]))
    response = await index.as_query_engine(llm=llm).aquery("Capital?")
    assert str(response) == "async answer"
    streaming = await index.as_query_engine(llm=llm, streaming=True).aquery("Capital?")
    assert [t async for t in streaming.async_response_gen() if t] == ["async", " stream"]


async def test_chat_engine(index, llm, server) -> None:
    engine = index.as_chat_engine(llm=llm)
    # From the second turn on, CondensePlusContext makes two calls: condense the question, answer.
    server.enqueue(
        Reply.text("hello, traveller"),
        Reply.text("What is the capital of France?"),
        Reply.text(["it is", " Paris"]),
        Reply.text("Is the capital of France Paris?"),
        Reply.text(["async", " too"]),
    )
    assert str(engine.chat("Hi!")) == "hello, traveller"
    streamed = engine.stream_chat("And the capital of France?")
    assert "".join(streamed.response_gen) == "it is Paris"
    streamed = await engine.astream_chat("Once more?")
    assert [t async for t in streamed.async_response_gen() if t] == ["async", " too"]
    # the history went back to the model: earlier answers are in the last prompt
    assert "hello, traveller" in _prompt_text(server)


# -- agents -----------------------------------------------------------------------------------------


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny in {city}"


def get_time(city: str) -> str:
    """Get the local time in a city."""
    return f"noon in {city}"


TOOLS = [FunctionTool.from_defaults(fn=get_weather), FunctionTool.from_defaults(fn=get_time)]


@pytest.mark.parametrize("streaming", [True, False])
async def test_function_agent_two_tool_calls_in_one_turn(llm, server, streaming) -> None:
    server.enqueue(
        Reply.tool_calls(
            [
                {"name": "get_weather", "arguments": {"city": "Oslo"}},
                {"name": "get_time", "arguments": {"city": "Oslo"}},
            ]
        )
    )  # the final answer is the server's default: it quotes the tool results
    agent = FunctionAgent(tools=TOOLS, llm=llm, streaming=streaming)
    handler = agent.run(user_msg="What's the weather and time in Oslo?")
    results, deltas = [], []
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            results.append((event.tool_name, event.tool_output.content))
        elif isinstance(event, AgentStream):
            deltas.append(event.delta)
    output = await handler
    assert sorted(results) == [("get_time", "noon in Oslo"), ("get_weather", "sunny in Oslo")]
    final = str(output.response.content)
    assert "sunny in Oslo" in final and "noon in Oslo" in final
    if streaming:
        assert "".join(deltas) == final
    sent = server.requests[-1].json["messages"]
    assert [m["role"] for m in sent[-3:]] == ["assistant", "tool", "tool"]
    assert len(sent[-3]["tool_calls"]) == 2


async def test_function_agent_streams_thinking(make_llm, server) -> None:
    server.enqueue(Reply.text(["done"], reasoning=["mull", "ing"]))
    agent = FunctionAgent(tools=TOOLS, llm=make_llm(), streaming=True)
    handler = agent.run(user_msg="just say done")
    thinking = [
        e.thinking_delta
        async for e in handler.stream_events()
        if isinstance(e, AgentStream) and e.thinking_delta
    ]
    await handler
    assert thinking == ["mull", "ing"]


@pytest.mark.parametrize("streaming", [True, False])
async def test_react_agent_uses_a_tool_then_answers(llm, server, streaming) -> None:
    server.enqueue(
        Reply.text('Thought: I need the weather.\nAction: get_weather\nAction Input: {"city": "Rome"}'),
        Reply.text("Thought: I can answer now.\nAnswer: It is sunny in Rome."),
    )
    agent = ReActAgent(tools=TOOLS, llm=llm, streaming=streaming)
    handler = agent.run(user_msg="Weather in Rome?")
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert [(r.tool_name, r.tool_output.content) for r in results] == [("get_weather", "sunny in Rome")]
    assert str(output.response.content) == "It is sunny in Rome."
    assert "Observation: sunny in Rome" in _prompt_text(server)


# -- token counting ---------------------------------------------------------------------------------


def test_token_counting_handler_counts_query_engine_calls(index, make_llm, server) -> None:
    counter = TokenCountingHandler()
    callbacks = CallbackManager([counter])

    def engine(streaming: bool) -> RetrieverQueryEngine:
        # A synthesizer hands its callback manager to the LLM (the global one when given none).
        synthesizer = get_response_synthesizer(
            llm=make_llm(), callback_manager=callbacks, streaming=streaming
        )
        return RetrieverQueryEngine(index.as_retriever(), synthesizer, callback_manager=callbacks)

    server.enqueue(Reply.text("Paris.", usage={"prompt_tokens": 120, "completion_tokens": 3}))
    assert str(engine(streaming=False).query("Capital of France?")) == "Paris."
    assert (counter.prompt_llm_token_count, counter.completion_llm_token_count) == (120, 3)
    counter.reset_counts()
    server.enqueue(Reply.text(["Par", "is."], usage={"prompt_tokens": 99, "completion_tokens": 2}))
    response = engine(streaming=True).query("Capital?")
    assert "".join(response.response_gen) == "Paris."
    assert (counter.prompt_llm_token_count, counter.completion_llm_token_count) == (99, 2)
