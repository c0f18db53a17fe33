"""Tool calling: request preparation, reading calls back (whole and streamed), predict_and_call."""

from __future__ import annotations

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, MessageRole, ToolCallBlock
from llama_index.core.tools import FunctionTool

from grok_transport import InvalidParameterError
from grok_transport.testing import Reply


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


ADD = FunctionTool.from_defaults(fn=add)
MULTIPLY = FunctionTool.from_defaults(fn=multiply)


@pytest.mark.parametrize(
    ("tool_required", "tool_choice", "expected"),
    [
        (False, None, None),
        (True, None, "required"),
        (False, "auto", "auto"),
        (True, "auto", "auto"),
        (False, "none", "none"),
        (False, "add", {"type": "function", "function": {"name": "add"}}),
        (True, "multiply", {"type": "function", "function": {"name": "multiply"}}),
    ],
)
def test_tool_required_and_tool_choice(llm, tool_required, tool_choice, expected) -> None:
    prepared = llm._prepare_chat_with_tools(
        [ADD, MULTIPLY], user_msg="hi", tool_required=tool_required, tool_choice=tool_choice
    )
    assert prepared.get("tool_choice") == expected
    assert [t["function"]["name"] for t in prepared["tools"]] == ["add", "multiply"]
    assert prepared["tools"][0]["function"]["parameters"]["required"] == ["a", "b"]
    assert prepared["parallel_tool_calls"] is False


def test_an_unknown_tool_name_is_refused(llm) -> None:
    with pytest.raises(InvalidParameterError, match="names no bound tool"):
        llm._prepare_chat_with_tools([ADD], tool_choice="subtract")


def test_the_callers_history_is_not_mutated(llm, server) -> None:
    history = [ChatMessage(role="system", content="math helper")]
    llm.chat_with_tools([ADD], user_msg="add 2 and 3", chat_history=history)
    assert len(history) == 1
    sent = server.requests[-1].json
    assert [m["role"] for m in sent["messages"]] == ["system", "user"]


def test_without_tools_neither_tools_nor_tool_choice_is_sent(llm, server) -> None:
    llm.chat_with_tools([], user_msg="hello", tool_required=True)
    body = server.requests[-1].json
    assert "tools" not in body and "tool_choice" not in body and "parallel_tool_calls" not in body


def test_parallel_calls_allowed_sends_no_restriction(llm, server) -> None:
    server.enqueue(
        Reply.tool_calls(
            [
                {"name": "add", "arguments": {"a": 1, "b": 2}},
                {"name": "multiply", "arguments": {"a": 3, "b": 4}},
            ]
        )
    )
    response = llm.chat_with_tools(
        [ADD, MULTIPLY], user_msg="add and multiply", allow_parallel_tool_calls=True
    )
    assert "parallel_tool_calls" not in server.requests[-1].json
    calls = llm.get_tool_calls_from_response(response)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == [
        ("add", {"a": 1, "b": 2}),
        ("multiply", {"a": 3, "b": 4}),
    ]
    assert len({c.tool_id for c in calls}) == 2


def test_one_tool_call_is_kept_when_parallel_calls_are_off(llm, server) -> None:
    server.enqueue(
        Reply.tool_calls(
            [{"name": "add", "arguments": {"a": 1, "b": 2}}, {"name": "add", "arguments": {"a": 5, "b": 5}}]
        )
    )
    response = llm.chat_with_tools([ADD], user_msg="add things")
    calls = llm.get_tool_calls_from_response(response)
    assert [c.tool_kwargs for c in calls] == [{"a": 1, "b": 2}]
    assert len(response.message.additional_kwargs["tool_calls"]) == 1


def test_predict_and_call_runs_the_tool(llm, server) -> None:
    server.enqueue(Reply.tool_calls([{"name": "multiply", "arguments": {"a": 6, "b": 7}}]))
    result = llm.predict_and_call([ADD, MULTIPLY], user_msg="multiply 6 by 7")
    assert result.response == "42"
    assert result.sources[0].tool_name == "multiply"


async def test_apredict_and_call_with_the_servers_own_choice(llm, server) -> None:
    # No script: the server calls the tool the message names, with schema-valid arguments.
    result = await llm.apredict_and_call([ADD], user_msg="please add these numbers")
    assert result.sources[0].tool_name == "add"
    assert not result.sources[0].is_error


def test_streamed_tool_calls_are_blocks_and_plain_dicts(llm, server) -> None:
    server.enqueue(Reply.tool_calls([{"name": "add", "arguments": {"a": 2, "b": 3}}], content="calling add"))
    responses = list(llm.stream_chat_with_tools([ADD], user_msg="add 2 and 3"))
    with_calls = [r for r in responses if r.message.additional_kwargs.get("tool_calls")]
    assert with_calls, "additional_kwargs['tool_calls'] is filled while streaming"
    last = responses[-1]
    assert last.message.content == "calling add"
    legacy = last.message.additional_kwargs["tool_calls"]
    assert isinstance(legacy[0], dict) and legacy[0]["function"]["name"] == "add"
    calls = llm.get_tool_calls_from_response(last)
    assert [(c.tool_name, c.tool_kwargs) for c in calls] == [("add", {"a": 2, "b": 3})]
    for earlier in responses:  # FunctionAgent asks on every chunk
        llm.get_tool_calls_from_response(earlier, error_on_no_tool_call=False)


def _response(blocks, **kwargs) -> ChatResponse:
    return ChatResponse(message=ChatMessage(role=MessageRole.ASSISTANT, blocks=blocks, **kwargs))


def test_partial_arguments_are_read_leniently(llm) -> None:
    partial = _response([ToolCallBlock(tool_call_id="c", tool_name="add", tool_kwargs='{"a": 1, "b')])
    assert llm.get_tool_calls_from_response(partial)[0].tool_kwargs == {"a": 1}
    empty = _response([ToolCallBlock(tool_call_id="c", tool_name="add", tool_kwargs="")])
    assert llm.get_tool_calls_from_response(empty)[0].tool_kwargs == {}


def test_legacy_additional_kwargs_tool_calls_are_read(llm) -> None:
    legacy = {
        "tool_calls": [{"id": "c7", "type": "function", "function": {"name": "add", "arguments": '{"a": 3}'}}]
    }
    calls = llm.get_tool_calls_from_response(_response([], additional_kwargs=legacy))
    assert [(c.tool_id, c.tool_name, c.tool_kwargs) for c in calls] == [("c7", "add", {"a": 3})]


def test_no_tool_call_raises_only_when_asked(llm) -> None:
    plain = _response([])
    assert llm.get_tool_calls_from_response(plain, error_on_no_tool_call=False) == []
    with pytest.raises(ValueError, match="tool call"):
        llm.get_tool_calls_from_response(plain)
