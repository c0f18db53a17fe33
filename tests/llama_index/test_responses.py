"""``Grok`` on xAI's Responses API: server-side tools, citations, agents and continuation.

Everything runs against the local server's ``/v1/responses`` over a real socket. What is asserted
is what a LlamaIndex user sees (the message, its ``additional_kwargs`` and blocks, agent events,
token counts) and, through ``server.requests``, what went over the wire.
"""

from __future__ import annotations

import pytest
from llama_index.core.agent.workflow import AgentStream, FunctionAgent, ReActAgent, ToolCallResult
from llama_index.core.base.llms.types import (
    ChatMessage,
    CitationBlock,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import BaseModel
from llama_index.core.callbacks import CallbackManager, TokenCountingHandler
from llama_index.core.memory import Memory
from llama_index.core.prompts import PromptTemplate
from llama_index.core.tools import FunctionTool

from grok_transport import (
    AuthenticationError,
    InvalidParameterError,
    NotFoundError,
    RateLimitError,
    StreamInterruptedError,
)
from grok_transport.testing import Reply
from llama_index_grok import Grok

# Core's workflows inspect agent objects and trip pydantic's deprecation warnings, and core's
# ReActAgent calls a deprecated workflow API; neither is ours.
pytestmark = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect"),
    pytest.mark.filterwarnings("ignore:is_running called from within a step:DeprecationWarning"),
]

QUESTION = "Search the web: what is the latest stable Ruby version?"
RUBY = "https://www.ruby-lang.org/en/downloads/"
RELEASES = "https://www.ruby-lang.org/en/downloads/releases/"


def _user(text: str = QUESTION) -> list[ChatMessage]:
    return [ChatMessage(role="user", content=text)]


def _search_reply() -> Reply:
    return Reply.web_search(
        "latest stable Ruby version",
        [RUBY, RELEASES],
        then=Reply.text("Ruby 4.0.6 is the latest stable version.", citations=[RUBY]),
    )


def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"sunny in {city}"


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


WEATHER = FunctionTool.from_defaults(fn=get_weather)
MULTIPLY = FunctionTool.from_defaults(fn=multiply)


def _check_search_answer(message: ChatMessage) -> None:
    """The citation, the search and the ids a UI needs are all on the message."""
    text = message.content
    assert text.startswith("Ruby 4.0.6 is the latest stable version.")
    (citation,) = message.additional_kwargs["citations"]
    assert citation["url"] == RUBY
    assert text[citation["start_index"] : citation["end_index"]] == f"[[1]]({RUBY})"
    (block,) = [b for b in message.blocks if isinstance(b, CitationBlock)]
    assert (block.source, block.cited_content.text) == (RUBY, f"[[1]]({RUBY})")
    (search,) = message.additional_kwargs["server_tool_calls"]
    assert search["name"] == "web_search" and search["status"] == "completed"
    assert search["query"] == "latest stable Ruby version"
    assert search["sources"] == [RUBY, RELEASES]
    assert message.additional_kwargs["response_id"]
    kinds = [item["type"] for item in message.additional_kwargs["responses_output"]]
    assert "web_search_call" in kinds and "message" in kinds


# -- choosing the endpoint --------------------------------------------------------------------------


def test_plain_calls_stay_on_chat_completions(llm, server) -> None:
    llm.chat(_user("hello"))
    llm.chat_with_tools([WEATHER], user_msg="weather in Oslo?")
    assert [r.path for r in server.requests] == ["/v1/chat/completions"] * 2


def test_server_tools_switch_to_the_responses_api_beside_function_tools(make_llm, server) -> None:
    llm = make_llm(server_tools=["web_search", {"type": "x_search", "allowed_x_handles": ["xai"]}])
    llm.chat_with_tools([WEATHER], user_msg="weather in Oslo?")
    request = server.requests[-1]
    assert request.path == "/v1/responses"
    tools = request.json["tools"]
    assert tools[0]["type"] == "function" and tools[0]["name"] == "get_weather"
    assert tools[1:] == [{"type": "web_search"}, {"type": "x_search", "allowed_x_handles": ["xai"]}]


def test_use_responses_api_forces_either_endpoint(make_llm, server) -> None:
    make_llm(use_responses_api=True).chat(_user("hello"))
    assert server.requests[-1].path == "/v1/responses"
    assert "tools" not in server.requests[-1].json
    with pytest.raises(InvalidParameterError, match="only on the Responses API"):
        make_llm(use_responses_api=False, server_tools=["web_search"]).chat(_user())
    with pytest.raises(ValueError, match="server-side tools such as 'web_search'"):
        make_llm(server_tools=[{"type": "function", "name": "f"}])


def test_the_switch_survives_serialization(make_llm) -> None:
    llm = make_llm(server_tools=["web_search"], store=False, use_responses_api=True)
    data = llm.to_dict()
    assert data["server_tools"] == [{"type": "web_search"}]
    assert make_llm(server_tools="code_interpreter").server_tools == [{"type": "code_interpreter"}]
    again = Grok.from_dict({**data, "api_key": "xai-other"})
    assert (again.server_tools, again.store, again.use_responses_api) == (
        [{"type": "web_search"}],
        False,
        True,
    )
    assert "xai-other" not in again.to_json()


# -- chat, stream, async ----------------------------------------------------------------------------


def test_chat_with_a_web_search_carries_citations_and_usage(make_llm, server) -> None:
    server.enqueue(_search_reply())
    counter = TokenCountingHandler()
    llm = make_llm(server_tools=["web_search"], callback_manager=CallbackManager([counter]))
    response = llm.chat(_user())
    _check_search_answer(response.message)
    assert response.additional_kwargs["num_server_side_tools_used"] == 1
    usage = response.raw["usage"]
    assert usage["num_server_side_tools_used"] == 1
    assert response.additional_kwargs["prompt_tokens"] == usage["input_tokens"]
    assert (counter.prompt_llm_token_count, counter.completion_llm_token_count) == (
        usage["input_tokens"],
        usage["output_tokens"],
    )


def test_stream_shows_the_search_then_the_text_then_the_citations(make_llm, server) -> None:
    server.enqueue(_search_reply())
    responses = list(make_llm(server_tools=["web_search"]).stream_chat(_user()))
    final = responses[-1]
    assert "".join(r.delta or "" for r in responses) == final.message.content
    first_text = next(r for r in responses if r.delta)
    assert first_text.message.additional_kwargs["server_tool_calls"][0]["query"], "the search shows first"
    assert "citations" not in first_text.message.additional_kwargs
    _check_search_answer(final.message)
    assert final.delta == ""
    assert final.raw["usage"]["num_server_side_tools_used"] == 1
    assert final.additional_kwargs["num_server_side_tools_used"] == 1


async def test_async_chat_and_stream(make_llm, server) -> None:
    server.enqueue(_search_reply(), _search_reply())
    llm = make_llm(server_tools=["web_search"])
    _check_search_answer((await llm.achat(_user())).message)
    responses = [r async for r in await llm.astream_chat(_user())]
    _check_search_answer(responses[-1].message)
    assert "".join(r.delta or "" for r in responses) == responses[-1].message.content


@pytest.mark.parametrize(
    "endpoint", ["complete", "stream_complete", "acomplete", "astream_complete", "chat", "stream_chat"]
)
async def test_every_endpoint_answers_on_the_responses_api(make_llm, server, endpoint) -> None:
    server.enqueue(Reply.text(["the ", "answer"]))
    llm = make_llm(use_responses_api=True)
    call = getattr(llm, endpoint)
    arg = "question" if "complete" in endpoint else _user("question")
    result = call(arg)
    if endpoint.startswith("a"):
        result = await result
    if "stream" in endpoint:
        items = [r async for r in result] if endpoint.startswith("a") else list(result)
        assert "".join(r.delta for r in items) == "the answer"
        result = items[-1]
    text = result.text if "complete" in endpoint else result.message.content
    assert text == "the answer"
    assert server.requests[-1].path == "/v1/responses"


def test_streamed_reasoning_is_a_thinking_block(make_llm, server) -> None:
    server.enqueue(Reply.text(["done"], reasoning=["mull", "ing"]))
    responses = list(make_llm(use_responses_api=True).stream_chat(_user("think, then say done")))
    pieces = [r.additional_kwargs.get("thinking_delta") for r in responses]
    assert [p for p in pieces if p] == ["mull", "ing"]
    (thinking,) = [b for b in responses[-1].message.blocks if isinstance(b, ThinkingBlock)]
    assert thinking.content == "mulling"
    assert thinking.num_tokens == responses[-1].raw["usage"]["output_tokens_details"]["reasoning_tokens"]
    assert responses[-1].message.content == "done"


# -- tool calling -----------------------------------------------------------------------------------


def test_streamed_function_call_appears_when_its_item_is_done(make_llm, server) -> None:
    server.enqueue(Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}}]))
    llm = make_llm(use_responses_api=True)
    responses = list(llm.stream_chat_with_tools([WEATHER], user_msg="weather in Oslo?"))
    with_calls = [r for r in responses if r.message.additional_kwargs.get("tool_calls")]
    assert len(with_calls) == 2, "once when the call is done, once on completion"
    (call,) = llm.get_tool_calls_from_response(with_calls[0])
    assert (call.tool_name, call.tool_kwargs) == ("get_weather", {"city": "Oslo"})
    assert call.tool_id.startswith("call")
    assert [b.tool_name for b in responses[-1].message.blocks if isinstance(b, ToolCallBlock)] == [
        "get_weather"
    ]
    body = server.requests[-1].json
    assert body["parallel_tool_calls"] is False
    assert body["tools"][0]["name"] == "get_weather"


def test_predict_and_call_on_the_responses_api(make_llm, server) -> None:
    server.enqueue(Reply.tool_calls([{"name": "multiply", "arguments": {"a": 6, "b": 7}}]))
    result = make_llm(use_responses_api=True).predict_and_call([MULTIPLY], user_msg="multiply 6 by 7")
    assert result.response == "42"
    assert server.requests[-1].path == "/v1/responses"


def test_one_call_kept_when_parallel_calls_are_off_also_trims_the_replayed_output(make_llm, server) -> None:
    server.enqueue(
        Reply.tool_calls(
            [
                {"name": "multiply", "arguments": {"a": 1, "b": 2}},
                {"name": "multiply", "arguments": {"a": 3, "b": 4}},
            ]
        )
    )
    llm = make_llm(use_responses_api=True)
    response = llm.chat_with_tools([MULTIPLY], user_msg="multiply things")
    (kept,) = llm.get_tool_calls_from_response(response)
    replayed = [
        i for i in response.message.additional_kwargs["responses_output"] if i["type"] == "function_call"
    ]
    assert [i["call_id"] for i in replayed] == [kept.tool_id]


class Person(BaseModel):
    name: str
    age: int


def test_structured_predict_sends_a_text_format(make_llm, server) -> None:
    server.enqueue(Reply.json({"name": "Ada", "age": 36}))
    llm = make_llm(use_responses_api=True)
    person = llm.structured_predict(Person, PromptTemplate("Describe {who}."), who="Ada")
    assert person == Person(name="Ada", age=36)
    fmt = server.requests[-1].json["text"]["format"]
    assert fmt["type"] == "json_schema" and fmt["name"] == "Person"


# -- agents -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("streaming", [True, False])
async def test_function_agent_searches_calls_a_function_and_cites(make_llm, server, streaming) -> None:
    # Turn 1: Grok searches the web itself and asks for the weather; turn 2 is the server's
    # default answer, which quotes the function output and cites the search made this turn.
    server.enqueue(
        Reply.web_search(
            "Oslo news today",
            ["https://news.example.net/oslo", "https://example.com/oslo"],
            then=Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}}]),
        )
    )
    agent = FunctionAgent(tools=[WEATHER], llm=make_llm(server_tools=["web_search"]), streaming=streaming)
    handler = agent.run(user_msg="Search the web for Oslo news today and get the weather in Oslo")
    results, deltas = [], []
    async for event in handler.stream_events():
        if isinstance(event, ToolCallResult):
            results.append((event.tool_name, event.tool_output.content, event.tool_id))
        elif isinstance(event, AgentStream):
            deltas.append(event.delta)
    output = await handler

    ((name, content, call_id),) = results
    assert (name, content) == ("get_weather", "sunny in Oslo")
    final = output.response
    assert "sunny in Oslo" in final.content
    cited = [c["url"] for c in final.additional_kwargs["citations"]]
    assert cited == ["https://news.example.net/oslo", "https://example.com/oslo"]
    assert [b.source for b in final.blocks if isinstance(b, CitationBlock)] == cited
    if streaming:
        assert "".join(deltas) == final.content

    first, second = server.requests[-2:]
    assert first.path == second.path == "/v1/responses"
    for request in (first, second):
        assert [t["type"] for t in request.json["tools"]] == ["function", "web_search"]
    items = second.json["input"]
    assert [i.get("type") for i in items if i.get("type") == "web_search_call"] == ["web_search_call"]
    calls = [i for i in items if i.get("type") == "function_call"]
    outputs = [i for i in items if i.get("type") == "function_call_output"]
    assert [c["call_id"] for c in calls] == [call_id]
    assert outputs == [{"type": "function_call_output", "call_id": call_id, "output": "sunny in Oslo"}]


async def test_function_agent_with_only_a_web_search_answers_with_citations(make_llm, server) -> None:
    server.enqueue(_search_reply())
    agent = FunctionAgent(tools=[WEATHER], llm=make_llm(server_tools=["web_search"]))
    output = await agent.run(user_msg=QUESTION)
    _check_search_answer(output.response)
    assert len(server.requests) == 1 and not output.tool_calls


async def test_an_agents_memory_replays_the_search_turn_next_run(make_llm, server) -> None:
    # Core's Memory stores messages as JSON in SQLite: the output items survive the round trip.
    server.enqueue(_search_reply())
    memory = Memory.from_defaults(token_limit=100_000)
    agent = FunctionAgent(tools=[WEATHER], llm=make_llm(server_tools=["web_search"], store=False))
    first = await agent.run(user_msg=QUESTION, memory=memory)
    await agent.run(user_msg="Thanks. Now just say OK.", memory=memory)
    items = server.requests[-1].json["input"]
    assert items[0] == {"role": "user", "content": QUESTION}
    assert items[1:-1] == first.response.additional_kwargs["responses_output"]
    assert items[-1] == {"role": "user", "content": "Thanks. Now just say OK."}


async def test_react_agent_on_the_responses_api(make_llm, server) -> None:
    server.enqueue(
        Reply.text('Thought: I need the weather.\nAction: get_weather\nAction Input: {"city": "Rome"}'),
        Reply.text("Thought: I can answer now.\nAnswer: It is sunny in Rome."),
    )
    agent = ReActAgent(tools=[WEATHER], llm=make_llm(use_responses_api=True))
    handler = agent.run(user_msg="Weather in Rome?")
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert [(r.tool_name, r.tool_output.content) for r in results] == [("get_weather", "sunny in Rome")]
    assert str(output.response.content) == "It is sunny in Rome."
    assert "Observation: sunny in Rome" in str(server.requests[-1].json["input"])


# -- continuing a conversation ----------------------------------------------------------------------


def test_store_false_replays_the_output_items_next_turn(make_llm, server) -> None:
    llm = make_llm(server_tools=["web_search"], store=False)
    server.enqueue(_search_reply())
    answer = llm.chat(_user())
    assert server.requests[-1].json["store"] is False
    assert server.requests[-1].json["include"] == ["reasoning.encrypted_content"]
    output = answer.message.additional_kwargs["responses_output"]
    assert any(i["type"] == "reasoning" and i.get("encrypted_content") for i in output)

    follow_up = llm.chat(
        [*_user(), answer.message, ChatMessage(role="user", content="Thanks. Now just say OK.")]
    )
    items = server.requests[-1].json["input"]
    assert items[0] == {"role": "user", "content": QUESTION}
    assert items[1:-1] == output, "reasoning, the search and the cited answer, verbatim"
    assert items[-1] == {"role": "user", "content": "Thanks. Now just say OK."}
    assert follow_up.message.content


def test_previous_response_id_continues_a_stored_response(make_llm, server) -> None:
    server.enqueue(_search_reply())
    first = make_llm(server_tools=["web_search"]).chat(_user())
    response_id = first.message.additional_kwargs["response_id"]
    # A plain Grok goes to the Responses API by itself when given previous_response_id.
    second = make_llm().chat(_user("And the one before it?"), previous_response_id=response_id)
    body = server.requests[-1].json
    assert server.requests[-1].path == "/v1/responses"
    assert body["previous_response_id"] == response_id
    assert body["input"] == [{"role": "user", "content": "And the one before it?"}]
    assert second.additional_kwargs["cached_tokens"] > 0, "the stored turn was reused"


def test_an_unknown_previous_response_id_is_a_typed_error(make_llm, server) -> None:
    with pytest.raises(NotFoundError, match="not found"):
        make_llm().chat(_user("more"), previous_response_id="no-such-response")


def test_citations_are_not_sent_back_as_text_on_chat_completions(make_llm, server) -> None:
    server.enqueue(_search_reply())
    answer = make_llm(server_tools=["web_search"]).chat(_user())
    make_llm().chat([*_user(), answer.message, ChatMessage(role="user", content="thanks")])
    body = server.requests[-1].json
    assert server.requests[-1].path == "/v1/chat/completions"
    assistant = body["messages"][1]
    assert assistant["content"] == answer.message.content
    assert set(assistant) == {"role", "content", "reasoning_content"}


# -- server-side code execution, usage, errors ------------------------------------------------------


def test_code_execution_is_reported_as_a_server_tool_run(make_llm, server) -> None:
    server.enqueue(Reply.code_execution("print(6 * 7)", "42\n", then=Reply.text("It prints 42.")))
    response = make_llm(server_tools=["code_interpreter"]).chat(_user("What does 6 * 7 print?"))
    (run,) = response.message.additional_kwargs["server_tool_calls"]
    assert (run["name"], run["code"]) == ("code_interpreter", "print(6 * 7)")
    assert run["outputs"] == [{"type": "logs", "logs": "42\n"}]
    assert response.message.content == "It prints 42."
    assert "citations" not in response.message.additional_kwargs
    assert response.additional_kwargs["num_server_side_tools_used"] == 1


def test_errors_are_typed_on_the_responses_api(make_llm, server) -> None:
    server.enqueue(Reply.error(429, retry_after=2))
    with pytest.raises(RateLimitError) as info:
        make_llm(use_responses_api=True).chat(_user("hi"))
    assert info.value.retry_after == 2
    secret = "xai-not-a-real-key-0123456789"
    with pytest.raises(AuthenticationError) as auth:
        make_llm(use_responses_api=True, api_key=secret).chat(_user("hi"))
    assert secret not in str(auth.value)


def test_a_cut_stream_raises_with_what_arrived(make_llm, server) -> None:
    server.enqueue(Reply.text("one two three four five six", cut_after=8))
    seen = []
    llm = make_llm(model="grok-4-1-fast-non-reasoning", use_responses_api=True)
    with pytest.raises(StreamInterruptedError) as info:
        for response in llm.stream_chat(_user("count")):
            seen.append(response.delta)
    assert seen == ["one", " two", " three", " four"]
    assert info.value.partial.text == "one two three four"


def test_a_message_from_the_responses_api_has_plain_text_content(make_llm, server) -> None:
    server.enqueue(_search_reply())
    message = make_llm(server_tools=["web_search"]).chat(_user()).message
    texts = [b.text for b in message.blocks if isinstance(b, TextBlock)]
    assert texts == [message.content], "citations are blocks beside the text, not more text"
