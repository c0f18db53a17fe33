"""Server-side tools: ChatGrok on xAI's Responses API, against the local server.

Binding ``{"type": "web_search"}`` (or any server-side tool) moves the call to
``/v1/responses``, as ChatXAI does; the answer keeps the chat path's shape and adds citations,
the server's tool runs and the raw output items that let the conversation continue.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import AIMessageChunk, HumanMessage, ToolMessage
from langchain_core.tools import tool

from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok, InvalidParameterError

QUESTION = "Search the web: what is the latest stable Ruby version?"


@tool
def get_weather(city: str) -> str:
    """Get the current weather in a city."""
    return f"sunny in {city}"


def searching(server: GrokTestServer, **kwargs: Any) -> Any:
    model = ChatGrok(base_url=server.base_url, api_key=server.api_key, **kwargs)
    return model.bind_tools([{"type": "web_search"}])


def test_web_search_answers_with_citations(grok_server: GrokTestServer) -> None:
    answer = searching(grok_server).invoke(QUESTION)
    request = grok_server.requests[-1]
    assert request.path == "/v1/responses" and request.json["tools"] == [{"type": "web_search"}]
    citations = answer.additional_kwargs["citations"]
    assert citations and all(
        answer.content[c["start_index"] : c["end_index"]].startswith("[[") for c in citations
    )
    blocks = answer.content_blocks
    assert [b["type"] for b in blocks] == ["reasoning", "server_tool_call", "server_tool_result", "text"]
    assert blocks[1]["name"] == "web_search" and blocks[1]["args"]["query"]
    assert [a["url"] for a in blocks[-1]["annotations"]] == [c["url"] for c in citations]
    usage = answer.usage_metadata
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert answer.response_metadata["model_name"] == "grok-4.3"


async def test_web_search_streams(grok_server: GrokTestServer) -> None:
    chunks: list[AIMessageChunk] = [c async for c in searching(grok_server).astream(QUESTION)]
    full = chunks[0]
    for chunk in chunks[1:]:
        full += chunk
    assert sum(1 for c in chunks if c.content) > 1  # the text arrived piece by piece
    assert [c for c in chunks if c.usage_metadata] == [chunks[-1]]
    assert full.additional_kwargs["citations"][0]["url"] in full.content
    # The reasoning arrived piece by piece; the last chunk does not repeat it.
    summary = [
        part["text"]
        for item in full.additional_kwargs["responses_output"]
        if item["type"] == "reasoning"
        for part in item["summary"]
    ]
    assert full.additional_kwargs["reasoning_content"] == "".join(summary) != ""
    assert full.response_metadata["finish_reason"] == "stop"
    assert grok_server.requests[-1].json["stream"] is True


def test_the_search_turn_is_replayed_on_the_next_turn(grok_server: GrokTestServer) -> None:
    model = searching(grok_server)
    first = model.invoke(QUESTION)
    model.invoke([HumanMessage(QUESTION), first, HumanMessage("and the one before it?")])
    sent = grok_server.requests[-1].json["input"]
    assert [item.get("type") for item in sent[1:-1]] == [
        item["type"] for item in first.additional_kwargs["responses_output"]
    ]
    assert sent[-1] == {"role": "user", "content": "and the one before it?"}


def test_function_tools_work_next_to_server_tools(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Oslo"}}]))
    model = ChatGrok(base_url=grok_server.base_url, api_key=grok_server.api_key).bind_tools(
        [get_weather, {"type": "web_search"}], tool_choice="auto"
    )
    call_message = model.invoke("what is the weather in Oslo?")
    (call,) = call_message.tool_calls
    assert (call["name"], call["args"]) == ("get_weather", {"city": "Oslo"})
    final = model.invoke(
        [
            HumanMessage("what is the weather in Oslo?"),
            call_message,
            ToolMessage("sunny", tool_call_id=call["id"]),
        ]
    )
    assert final.content
    sent = grok_server.requests[-1].json
    function, server_tool = sent["tools"]
    assert (function["type"], function["name"], function["parameters"]["required"]) == (
        "function",
        "get_weather",
        ["city"],
    )
    assert server_tool == {"type": "web_search"}
    assert {"type": "function_call_output", "call_id": call["id"], "output": "sunny"} in sent["input"]


def test_use_responses_api_switch(grok_server: GrokTestServer) -> None:
    base = {"base_url": grok_server.base_url, "api_key": grok_server.api_key}
    assert ChatGrok(**base, use_responses_api=True).invoke("hello").content
    assert grok_server.requests[-1].path == "/v1/responses"
    # Forced onto chat completions, a server-side tool cannot run (xAI would answer 422): the
    # call is refused before any request, with the error LangChain code catches too.
    with pytest.raises(InvalidParameterError, match="web_search") as caught:
        searching(grok_server, use_responses_api=False).invoke(QUESTION)
    assert isinstance(caught.value, ModelInvalidRequestError)
    assert len(grok_server.requests) == 1


def test_server_tools_as_a_setting(grok_server: GrokTestServer) -> None:
    model = ChatGrok(
        base_url=grok_server.base_url, api_key=grok_server.api_key, server_tools=["web_search", "x_search"]
    )
    answer = model.invoke(QUESTION)
    request = grok_server.requests[-1]
    assert request.path == "/v1/responses"
    assert request.json["tools"] == [{"type": "web_search"}, {"type": "x_search"}]
    assert answer.additional_kwargs["citations"]
    # Bound function tools go beside them.
    model.bind_tools([get_weather]).invoke("weather in Oslo?")
    assert [t["type"] for t in grok_server.requests[-1].json["tools"]] == [
        "function",
        "web_search",
        "x_search",
    ]
    with pytest.raises(ValueError, match="not a server-side tool"):
        ChatGrok(api_key="k", server_tools=["get_weather"])


def test_store_false_brings_the_reasoning_back_for_the_next_turn(grok_server: GrokTestServer) -> None:
    model = ChatGrok(
        base_url=grok_server.base_url, api_key=grok_server.api_key, use_responses_api=True, store=False
    )
    first = model.invoke("hello")
    body = grok_server.requests[-1].json
    assert body["store"] is False and body["include"] == ["reasoning.encrypted_content"]
    reasoning = [i for i in first.additional_kwargs["responses_output"] if i["type"] == "reasoning"]
    assert reasoning and reasoning[0]["encrypted_content"]
    model.invoke([HumanMessage("hello"), first, HumanMessage("and again?")])
    assert reasoning[0] in grok_server.requests[-1].json["input"]


def test_previous_response_id_per_call_goes_to_the_responses_api(grok_server: GrokTestServer) -> None:
    model = ChatGrok(base_url=grok_server.base_url, api_key=grok_server.api_key)
    first = model.invoke("my name is ada.", use_responses_api=True)
    follow_up = model.invoke("what is my name?", previous_response_id=first.response_metadata["id"])
    request = grok_server.requests[-1]
    assert request.path == "/v1/responses" and follow_up.content
    assert request.json["previous_response_id"] == first.response_metadata["id"]
    with pytest.raises(InvalidParameterError, match="previous_response_id"):
        model.invoke("?", previous_response_id=first.response_metadata["id"], use_responses_api=False)
    assert len(grok_server.requests) == 2


def test_conversation_id_routes_the_prompt_cache(grok_server: GrokTestServer) -> None:
    model = searching(grok_server, conversation_id="conv-7")
    model.invoke(QUESTION)
    request = grok_server.requests[-1]
    assert request.headers["x-grok-conv-id"] == "conv-7" and request.json["prompt_cache_key"] == "conv-7"
    model.invoke(QUESTION, prompt_cache_key="chosen")
    assert grok_server.requests[-1].json["prompt_cache_key"] == "chosen"


def test_agent_searches_the_web_calls_a_function_and_its_answer_cites(grok_server: GrokTestServer) -> None:
    """create_agent with a server-side web search and a Python tool, to a cited final answer."""
    from langchain.agents import create_agent

    model = ChatGrok(base_url=grok_server.base_url, api_key=grok_server.api_key, model="grok-4.3")
    agent = create_agent(model=model, tools=[get_weather, {"type": "web_search"}])
    result = agent.invoke(
        {"messages": [("user", "Search the web for the Oslo marathon date and use get_weather for Oslo.")]}
    )
    messages = result["messages"]
    tool_results = [m for m in messages if m.type == "tool"]
    assert [m.name for m in tool_results] == ["get_weather"] and tool_results[0].content.startswith(
        "sunny in"
    )
    final = messages[-1]
    assert final.type == "ai" and not final.tool_calls
    assert tool_results[0].content in final.content  # the answer used the function's result
    citations = final.additional_kwargs["citations"]
    assert citations and all(c["url"].startswith("https://") for c in citations)
    annotated = [a for b in final.content_blocks if b["type"] == "text" for a in b.get("annotations", [])]
    assert [a["url"] for a in annotated] == [c["url"] for c in citations]
    # every turn went to /v1/responses with both tools, and the function result went back as such
    assert {r.path for r in grok_server.requests} == {"/v1/responses"}
    last_input = grok_server.requests[-1].json["input"]
    assert any(item.get("type") == "function_call_output" for item in last_input)
