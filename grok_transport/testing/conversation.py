"""What a chat-completions or Responses request asks for, read once into one shape.

Chat completions carry a conversation as ``messages``, the Responses API as ``input`` items
(``function_call`` / ``function_call_output``, replayed ``*_call`` items, stored turns behind
``previous_response_id``). :class:`Conversation` holds either in chat terms plus what only the
Responses API has. A user message with images right after tool results belongs to them: that is
how clients pass on what a function returned (LlamaIndex's "Attached output of tool call …");
read as a new question it would have the tool called again, forever. Token counts are estimates
(``len(text) // 4``, 256 per image), never claimed to match a real tokenizer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._catalogue import ModelInfo, lookup
from .replies import SEARCH_TOOLS, SERVER_TOOL_KINDS, ServerToolRun

__all__ = ["Conversation", "measure", "read_chat", "read_responses"]

IMAGE_TOKENS = 256
_CALL_KINDS = {f"{kind}_call": kind for kind in SERVER_TOOL_KINDS}
_IMAGE_PARTS = ("image_url", "input_image")


def estimate(text: str) -> int:
    """Tokens in ``text``, estimated as one per four characters."""
    return (len(text) + 3) // 4 if text else 0


def message_text(message: Any) -> str:
    """The text of a message's ``content``: a string, or the text parts of a parts list."""
    content = message.get("content") if isinstance(message, Mapping) else None
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else ()
    return " ".join(p["text"] for p in parts if isinstance(p, Mapping) and isinstance(p.get("text"), str))


def _count(content: Any) -> tuple[int, int]:
    """``(chars, images)`` of a string or a list of content parts."""
    if isinstance(content, str):
        return len(content), 0
    chars = images = 0
    for part in content if isinstance(content, list) else ():
        if isinstance(part, Mapping):
            if isinstance(part.get("text"), str):
                chars += len(part["text"])
            elif part.get("type") in _IMAGE_PARTS:
                images += 1
    return chars, images


def input_items(value: Any) -> list[Any]:
    """A Responses ``input`` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return list(value) if isinstance(value, list) else []


def measure(body: Any) -> tuple[int, int]:
    """Estimated ``(prompt_tokens, image_tokens)`` of a chat or Responses request body.

    Stored turns a ``previous_response_id`` brings in are not counted here: they are cached
    tokens, added by the Responses route once it has looked them up.
    """
    if not isinstance(body, Mapping):
        return 0, 0
    chars = len(body["instructions"]) if isinstance(body.get("instructions"), str) else 0
    images = 0
    messages = body.get("messages")
    for item in messages if isinstance(messages, list) else input_items(body.get("input")):
        if not isinstance(item, Mapping):
            continue
        for key in ("content", "output", "arguments"):
            more_chars, more_images = _count(item.get(key))
            chars, images = chars + more_chars, images + more_images
        for call in item.get("tool_calls") or ():
            if isinstance(call, Mapping) and isinstance(call.get("function"), Mapping):
                chars += len(str(call["function"].get("arguments", "")))
    tools = body.get("tools")
    if isinstance(tools, list) and tools:
        chars += len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False))
    return max(1, chars // 4) + images * IMAGE_TOKENS, images * IMAGE_TOKENS


def response_model(requested: str, provider: str, effort: Any) -> str:
    """The ``model`` an answer reports: xAI resolves aliases server-side, proxies echo."""
    if provider != "xai":
        return requested
    info = lookup(requested, "xai")
    name = info.name if info.known else requested
    if name == "grok-3-mini" and (requested == "grok-3-mini-high" or effort in ("high", "medium")):
        return "grok-3-mini-high"
    return name


def text_format(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """A Responses request's ``text.format``, or ``{"type": "text"}`` when absent."""
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    return fmt if isinstance(fmt, Mapping) else {"type": "text"}


@dataclass
class Conversation:
    """One chat turn to answer, whichever endpoint asked, in chat-completions terms.

    ``functions`` are the function tools' ``{"name", "description", "parameters"}``; ``format``
    is ``{"type": "json_schema", "schema": …}``, ``{"type": "json_object"}`` or ``{"type":
    "text"}``; ``runs`` the server-side tool runs replayed since the user last spoke (a final
    answer cites them). ``shows_reasoning``: the model shows reasoning with a stand-in answer;
    ``always_reasons``: with a scripted one too (the Responses API's reasoning item).
    """

    provider: str
    model: str
    info: ModelInfo
    messages: list[dict[str, Any]] = field(default_factory=list)
    functions: list[Mapping[str, Any]] = field(default_factory=list)
    search_tools: tuple[str, ...] = ()
    tool_choice: Any = "auto"
    parallel_tool_calls: bool = True
    format: Mapping[str, Any] = field(default_factory=lambda: {"type": "text"})
    effort: Any = None
    shows_reasoning: bool = False
    always_reasons: bool = False
    runs: list[ServerToolRun] = field(default_factory=list)
    searched: bool = False
    max_output_tokens: int | None = None
    prompt_tokens: int = 0
    image_tokens: int = 0
    cached_tokens: int = 0

    @property
    def last_role(self) -> str | None:
        """Who spoke last: ``user``, ``assistant``, ``tool`` or None."""
        return str(self.messages[-1].get("role")) if self.messages else None

    @property
    def user_text(self) -> str:
        """The text of the user's last message (empty if the user never spoke)."""
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return message_text(message)
        return ""

    @property
    def evidence(self) -> str:
        """The conversation's text through the user's last message: where URLs and file ids may come from."""
        last = max((i for i, m in enumerate(self.messages) if m.get("role") == "user"), default=-1)
        return "\n".join(message_text(m) for m in self.messages[: last + 1])

    @property
    def structured(self) -> bool:
        """Whether the answer must be JSON (no citation markers may go into it)."""
        return self.format.get("type") in ("json_schema", "json_object")

    def add(self, message: dict[str, Any]) -> None:
        """Append a message, folding attachments that follow tool results into them."""
        if message.get("role") == "user":
            if self.last_role == "tool" and _count(message.get("content"))[1]:
                return
            self.runs.clear()
        self.messages.append(message)


def read_chat(body: Mapping[str, Any], provider: str, info: ModelInfo) -> Conversation:
    """A (validated) chat-completions request as a :class:`Conversation`."""
    tools: list[Any] = body["tools"] if isinstance(body.get("tools"), list) else []
    functions = [
        t["function"] for t in tools if isinstance(t, Mapping) and isinstance(t.get("function"), dict)
    ]
    conversation = Conversation(provider, body["model"], info, shows_reasoning=info.reasoning_content)
    conversation.functions = [f for f in functions if isinstance(f.get("name"), str)]
    conversation.tool_choice = body.get("tool_choice", "auto")
    conversation.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    conversation.effort = body.get("reasoning_effort")
    response_format = body.get("response_format")
    if isinstance(response_format, Mapping):
        spec = response_format.get("json_schema")
        if response_format.get("type") == "json_schema" and isinstance(spec, Mapping):
            conversation.format = {"type": "json_schema", "schema": spec.get("schema")}
        elif response_format.get("type") == "json_object":
            conversation.format = {"type": "json_object"}
    for message in body["messages"]:
        conversation.add(message)
    return conversation


def read_responses(body: Mapping[str, Any], prior: Sequence[Any], info: ModelInfo) -> Conversation:
    """A (validated) Responses request, continued from ``prior`` stored items."""
    tools = [t for t in body.get("tools") or () if isinstance(t, Mapping)]
    asked = body["reasoning"] if isinstance(body.get("reasoning"), Mapping) else None
    shows = info.reasoning_content or (asked is not None and info.reasoning)
    conversation = Conversation("xai", body["model"], info, shows_reasoning=shows, always_reasons=True)
    conversation.functions = [t for t in tools if t.get("type") == "function"]
    conversation.search_tools = tuple(
        dict.fromkeys(t["type"] for t in tools if t.get("type") in SEARCH_TOOLS)
    )
    conversation.tool_choice = body.get("tool_choice", "auto")
    conversation.parallel_tool_calls = body.get("parallel_tool_calls") is not False
    conversation.format = text_format(body)
    conversation.effort = asked.get("effort") if asked is not None else None
    limit = body.get("max_output_tokens")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        conversation.max_output_tokens = limit
    if body.get("instructions"):
        conversation.add({"role": "system", "content": body["instructions"]})
    for item in [*prior, *input_items(body["input"])]:
        if isinstance(item, Mapping):
            _read_item(conversation, item)
    return conversation


def _read_item(conversation: Conversation, item: Mapping[str, Any]) -> None:
    """One input item; replayed ``reasoning`` items and unknown kinds say nothing used here."""
    kind, messages = item.get("type"), conversation.messages
    if kind in (None, "message") and isinstance(item.get("role"), str):
        role = "system" if item["role"] == "developer" else item["role"]
        conversation.add({"role": role, "content": item.get("content")})
    elif kind == "function_call":
        function = {"name": str(item.get("name", "")), "arguments": str(item.get("arguments") or "{}")}
        call_id = str(item.get("call_id") or item.get("id") or "")
        call = {"id": call_id, "type": "function", "function": function}
        if messages and messages[-1].get("role") == "assistant" and "tool_calls" in messages[-1]:
            messages[-1]["tool_calls"].append(call)
        else:
            conversation.add({"role": "assistant", "content": "", "tool_calls": [call]})
    elif kind == "function_call_output":
        output = item.get("output") if isinstance(item.get("output"), (str, list)) else ""
        conversation.add({"role": "tool", "tool_call_id": str(item.get("call_id", "")), "content": output})
    elif kind in _CALL_KINDS:
        action = item["action"] if isinstance(item.get("action"), Mapping) else {}
        run = _CALL_KINDS[kind]
        query = action.get("code") if run == "code_interpreter" else action.get("query")
        urls = tuple(s["url"] for s in action.get("sources") or () if isinstance(s, Mapping) and "url" in s)
        conversation.runs.append(ServerToolRun(run, str(query or ""), tuple(map(str, urls))))
        conversation.searched = True
