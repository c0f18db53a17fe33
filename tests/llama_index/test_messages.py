"""What ``Grok`` puts on the wire for LlamaIndex messages, checked on the server's side."""

from __future__ import annotations

import base64

import pytest
from llama_index.core.base.llms.types import (
    ChatMessage,
    DocumentBlock,
    ImageBlock,
    MessageRole,
    TextBlock,
    ThinkingBlock,
    ToolCallBlock,
)

from grok_transport import InvalidParameterError
from grok_transport.testing import Reply

# A real 1x1 PNG, so ImageBlock's type sniffing sees an image.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _sent(server) -> list[dict]:
    return server.requests[-1].json["messages"]


def test_every_role_is_mapped_and_a_tool_message_stays_a_tool_message(llm, server) -> None:
    messages = [
        ChatMessage(role=MessageRole.SYSTEM, content="be brief"),
        ChatMessage(role=MessageRole.DEVELOPER, content="no emojis"),
        ChatMessage(role=MessageRole.USER, content="add 2 and 3"),
        ChatMessage(
            role=MessageRole.ASSISTANT,
            blocks=[ToolCallBlock(tool_call_id="call_1", tool_name="add", tool_kwargs={"a": 2, "b": 3})],
        ),
        ChatMessage(role=MessageRole.TOOL, content="5", additional_kwargs={"tool_call_id": "call_1"}),
        ChatMessage(role=MessageRole.CHATBOT, content="it is 5"),
        ChatMessage(role=MessageRole.MODEL, content="really 5"),
        ChatMessage(role=MessageRole.USER, content="thanks"),
    ]
    llm.chat(messages)
    sent = _sent(server)
    assert [m["role"] for m in sent] == [
        "system",
        "system",
        "user",
        "assistant",
        "tool",
        "assistant",
        "assistant",
        "user",
    ]
    assert sent[3] == {
        "role": "assistant",
        "content": "",
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 2, "b": 3}'}}
        ],
    }
    assert sent[4] == {"role": "tool", "content": "5", "tool_call_id": "call_1"}


def test_an_agents_stored_turn_sends_each_tool_call_once(llm, server) -> None:
    """The last streamed chunk carries calls as blocks *and* in additional_kwargs."""
    server.enqueue(Reply.tool_calls([{"name": "add", "arguments": {"a": 1, "b": 2}}]))
    turn = list(llm.stream_chat([ChatMessage(role="user", content="add 1 and 2")]))[-1].message
    assert turn.additional_kwargs["tool_calls"]
    call_id = turn.additional_kwargs["tool_calls"][0]["id"]
    history = [
        ChatMessage(role="user", content="add 1 and 2"),
        turn,
        ChatMessage(role="tool", content="3", additional_kwargs={"tool_call_id": call_id}),
    ]
    llm.chat(history)
    sent = _sent(server)
    assert len(sent[1]["tool_calls"]) == 1
    assert sent[1]["tool_calls"][0]["id"] == call_id
    assert sent[2]["tool_call_id"] == call_id


def test_bookkeeping_in_additional_kwargs_is_not_sent(llm, server) -> None:
    message = ChatMessage(
        role="user", content="hi", additional_kwargs={"prompt_tokens": 3, "thinking_delta": "x"}
    )
    llm.chat([message])
    assert _sent(server) == [{"role": "user", "content": "hi"}]


def test_thinking_is_sent_back_as_reasoning_content(llm, server) -> None:
    server.enqueue(Reply.text("42", reasoning="six times seven"))
    answer = llm.chat([ChatMessage(role="user", content="6*7?")]).message
    llm.chat([ChatMessage(role="user", content="6*7?"), answer, ChatMessage(role="user", content="sure?")])
    assert _sent(server)[1] == {"role": "assistant", "content": "42", "reasoning_content": "six times seven"}
    manual = ChatMessage(role="assistant", blocks=[ThinkingBlock(content="hmm"), TextBlock(text="ok")])
    llm.chat([ChatMessage(role="user", content="q"), manual, ChatMessage(role="user", content="go on")])
    assert _sent(server)[1]["reasoning_content"] == "hmm"


def test_user_images_from_url_bytes_and_path(llm, server, tmp_path) -> None:
    path = tmp_path / "dot.png"
    path.write_bytes(PNG)
    message = ChatMessage(
        role="user",
        blocks=[
            TextBlock(text="what are these?"),
            ImageBlock(url="https://example.com/cat.jpg", detail="high"),
            ImageBlock(image=PNG),
            ImageBlock(path=path),
        ],
    )
    llm.chat([message])
    parts = _sent(server)[0]["content"]
    assert parts[0] == {"type": "text", "text": "what are these?"}
    assert parts[1] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"},
    }
    inline = f"data:image/png;base64,{base64.b64encode(PNG).decode()}"
    assert parts[2] == {"type": "image_url", "image_url": {"url": inline}}
    assert parts[3] == {"type": "image_url", "image_url": {"url": inline}}


def test_an_image_in_a_tool_result_reaches_the_model(llm, server) -> None:
    call = ToolCallBlock(tool_call_id="call_9", tool_name="draw", tool_kwargs={"what": "cat"})
    other = ToolCallBlock(tool_call_id="call_10", tool_name="count", tool_kwargs={})
    history = [
        ChatMessage(role="user", content="draw a cat and count"),
        ChatMessage(role="assistant", blocks=[call, other]),
        ChatMessage(
            role="tool",
            blocks=[TextBlock(text="drew it"), ImageBlock(url="https://img.example/cat.jpeg")],
            additional_kwargs={"tool_call_id": "call_9"},
        ),
        ChatMessage(role="tool", content="1", additional_kwargs={"tool_call_id": "call_10"}),
    ]
    llm.chat(history)
    sent = _sent(server)
    assert [m["role"] for m in sent] == ["user", "assistant", "tool", "tool", "user"]
    assert sent[2]["tool_call_id"] == "call_9"
    assert sent[2]["content"].startswith("drew it\n")
    assert "https://img.example/cat.jpeg" in sent[2]["content"]
    assert sent[3] == {"role": "tool", "content": "1", "tool_call_id": "call_10"}
    assert {"type": "image_url", "image_url": {"url": "https://img.example/cat.jpeg"}} in sent[4]["content"]
    assert "call_9" in sent[4]["content"][0]["text"]


def test_an_image_only_tool_result_is_not_an_empty_result(llm, server) -> None:
    history = [
        ChatMessage(role="user", content="draw"),
        ChatMessage(
            role="assistant", blocks=[ToolCallBlock(tool_call_id="c1", tool_name="draw", tool_kwargs={})]
        ),
        ChatMessage(role="tool", blocks=[ImageBlock(image=PNG)], additional_kwargs={"tool_call_id": "c1"}),
    ]
    llm.chat(history)
    sent = _sent(server)
    assert sent[2]["content"], "the model must not see an empty tool result"
    assert sent[3]["content"][1]["image_url"]["url"].startswith("data:image/png;base64,")


def test_text_documents_are_inlined_and_others_are_files_of_user_messages(llm, server) -> None:
    doc = DocumentBlock(data=b"line one", document_mimetype="text/plain", title="notes.txt")
    llm.chat([ChatMessage(role="user", blocks=[TextBlock(text="summarize"), doc])])
    assert _sent(server)[0]["content"] == "summarize\nnotes.txt:\nline one"
    pdf = DocumentBlock(data=b"%PDF-1.4", document_mimetype="application/pdf")
    llm.chat([ChatMessage(role="user", blocks=[pdf])])
    assert server.requests[-1].json["input"][0]["content"][0]["type"] == "input_file"
    sent = len(server.requests)
    with pytest.raises(InvalidParameterError, match="application/pdf"):
        llm.chat([ChatMessage(role="system", blocks=[pdf]), ChatMessage(role="user", content="hi")])
    assert len(server.requests) == sent


def test_images_in_a_system_message_are_refused_before_sending(llm, server) -> None:
    with pytest.raises(InvalidParameterError, match="user or tool"):
        llm.chat([ChatMessage(role="system", blocks=[ImageBlock(image=PNG)])])
    assert server.requests == []
