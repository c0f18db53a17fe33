"""A tool-calling agent loop to a final answer: ChatGrok, a Python tool and the image tool.

The model's turns are scripted the way a Grok model answers (a call for each tool, then text);
everything else is real: LangChain's agent runs the tools, sends the results back over HTTP to
the local server, and stops on the final answer.
"""

from __future__ import annotations

from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import tool

from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok, GrokImageGenerationTool


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


def _agent(server: GrokTestServer) -> Any:
    model = ChatGrok(base_url=server.base_url, api_key=server.api_key, model="grok-4.3")
    painter = GrokImageGenerationTool(base_url=server.base_url, api_key=server.api_key)
    return create_agent(model=model, tools=[multiply, painter], system_prompt="you are helpful.")


def _script(server: GrokTestServer) -> None:
    server.enqueue(
        Reply.tool_calls(
            [{"name": "multiply", "arguments": {"a": 6, "b": 7}, "id": "call_mul"}], reasoning="6*7."
        ),
        Reply.tool_calls(
            [{"name": "grok_image_generation", "arguments": {"prompt": "42 cats"}, "id": "call_img"}]
        ),
        # No scripted final turn: the server's default answer quotes the tool results it was sent.
    )


def _check(server: GrokTestServer, messages: list[Any]) -> None:
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    tool_messages = [m for m in messages if isinstance(m, ToolMessage)]
    assert [(m.tool_call_id, m.name) for m in tool_messages] == [
        ("call_mul", "multiply"),
        ("call_img", "grok_image_generation"),
    ]
    assert tool_messages[0].content == "42"
    image_url = tool_messages[1].artifact["images"][0]["url"]
    assert image_url in tool_messages[1].content and image_url in final.content

    chats = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    assert len(chats) == 3
    assert [r.path for r in server.requests].count("/v1/images/generations") == 1
    last = chats[-1]["messages"]
    assert last[0] == {"role": "system", "content": "you are helpful."}
    assistant_turns = [m for m in last if m["role"] == "assistant"]
    assert [m["content"] for m in assistant_turns] == ["", ""]  # never null
    assert [m["tool_calls"][0]["id"] for m in assistant_turns] == ["call_mul", "call_img"]
    results = [(m["tool_call_id"], m["content"]) for m in last if m["role"] == "tool"]
    assert results[0] == ("call_mul", "42") and results[1][0] == "call_img"
    assert chats[0]["tools"][1]["function"]["name"] == "grok_image_generation"


def test_agent_loops_to_a_final_answer(grok_server: GrokTestServer) -> None:
    _script(grok_server)
    state = _agent(grok_server).invoke(
        {"messages": [HumanMessage("multiply 6 by 7, then draw that many cats")]}
    )
    _check(grok_server, state["messages"])


async def test_agent_loops_async_with_streaming(grok_server: GrokTestServer) -> None:
    _script(grok_server)
    agent = _agent(grok_server)
    seen: list[str] = []
    async for step in agent.astream(
        {"messages": [HumanMessage("multiply 6 by 7, then draw that many cats")]}, stream_mode="values"
    ):
        seen.append(type(step["messages"][-1]).__name__)
        state = step
    assert seen.count("ToolMessage") == 2
    _check(grok_server, state["messages"])
