"""What a ``/v1/responses`` request says, and the built-in answer to it.

The Responses API sends a conversation as ``input`` items (role messages, ``function_call`` and
``function_call_output`` items, replayed ``reasoning`` and ``web_search_call`` items), possibly
continued from a stored answer through ``previous_response_id``. This module reads those items
into the chat-completions shape that :func:`.replies.default_reply` already understands, so both
routes decide the same tool calls from the same words, and adds what only this API has:
server-side tools.

The default answer, a pure function of the conversation, in order of precedence:

1. a schema-valid JSON instance or a ``json_object`` reply under ``text.format``, and function
   calls exactly when the chat route would make them (a named ``tool_choice``; a tool the user's
   last message mentions; ``required``), with arguments valid against the tool's schema;
2. when ``web_search`` or ``x_search`` is offered, ``tool_choice`` is not ``"none"`` or a named
   function, and the last item is the user's: one simulated search per offered search tool,
   its query derived from the user's last message, its sources three deterministic
   ``example.*`` URLs (two ``x.com`` posts for X search). The answer cites the first two with
   ``[[n]](url)`` markers, as grok-4.3 does. Once the conversation holds a search, a new
   message searches again only if it asks to ("search", "latest", "news"…) or ``tool_choice``
   is ``"required"``: grok-4.3 answered "Thanks. Now just say OK." without searching.
   When the same message also asks for a function, the search and the function call come in
   the same response (an agentic model searches, then asks for what only the caller can do);
   the next turn, after the ``function_call_output``, quotes the output and cites the searches
   made since the user spoke. This keeps an agent loop (LangChain, LlamaIndex) to the usual
   two requests;
3. after function outputs, a text quoting each one (naming the function behind it); a user
   message right after the outputs counts as part of them, since that is how clients pass on
   images and files a function returned (ruby_llm's "Attachments from tool call …");
4. a short lowercase line echoing the user's first words.

Code execution is never run by default (no question reliably calls for it); script it with
``Reply.code_execution``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..catalogue import ModelInfo
from .replies import Citation, Reply, ServerToolRun, default_reply, message_text

__all__ = [
    "Conversation",
    "chat_tools",
    "default_response_reply",
    "input_items",
    "read_conversation",
    "search_query",
    "search_sources",
    "text_format",
]

_SEARCH_TOOLS = ("web_search", "x_search")
_CALL_KINDS = {
    "web_search_call": "web_search",
    "x_search_call": "x_search",
    "code_interpreter_call": "code_interpreter",
}
_SEARCH_PREFIX = re.compile(
    r"^\s*(?:please\s+)?(?:search|look\s+up|google|find(?:\s+out)?|check)"
    r"(?:\s+(?:on\s+)?(?:the\s+web|the\s+internet|online|x|twitter))?(?:\s+for)?\s*[:,\-–]?\s*",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[?.!])\s+")
# "… and get the weather in Berlin": the rest of the sentence asks for something else.
_NEXT_REQUEST = re.compile(
    r"\s+(?:and|then)\s+(?:then\s+)?(?=(?:get|tell|call|use|check|give|show|send|run|fetch|"
    r"compute|calculate|book|write|look)\b)",
    re.IGNORECASE,
)
_QUERY_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+#'-]*")
_ASKS_TO_SEARCH = re.compile(
    r"\b(?:search|look\s+up|google|latest|current|news|today|recent|find|sources?|cite)\b",
    re.IGNORECASE,
)
_QUERY_STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "can",
        "cite",
        "could",
        "did",
        "do",
        "does",
        "for",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "please",
        "should",
        "tell",
        "the",
        "to",
        "was",
        "what",
        "what's",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "would",
        "you",
        "your",
    }
)


@dataclass
class Conversation:
    """A Responses conversation in chat terms, plus what only Responses items carry.

    ``messages`` are chat-completions messages (instructions first as a ``system`` message,
    function calls as an assistant's ``tool_calls``, function outputs as ``tool`` messages).
    ``runs`` are the server-side tool runs replayed since the user's last message, so a final
    answer can cite the searches an earlier turn made; ``searched`` says whether any turn ran
    one.
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    runs: list[ServerToolRun] = field(default_factory=list)
    searched: bool = False

    @property
    def last_role(self) -> str | None:
        """Who spoke last: ``user``, ``assistant``, ``tool`` (a function output) or None."""
        return self.messages[-1]["role"] if self.messages else None

    @property
    def user_text(self) -> str:
        """The text of the user's last message (empty if the user never spoke)."""
        for message in reversed(self.messages):
            if message["role"] == "user":
                return message_text(message)
        return ""


def input_items(value: Any) -> list[Any]:
    """``input`` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    return list(value) if isinstance(value, list) else []


def _run_of(item: Mapping[str, Any]) -> ServerToolRun:
    """A replayed ``*_call`` item as the run it reports."""
    action = item.get("action") if isinstance(item.get("action"), Mapping) else {}
    kind = _CALL_KINDS[str(item.get("type"))]
    sources = tuple(
        str(s["url"])
        for s in action.get("sources") or ()
        if isinstance(s, Mapping) and isinstance(s.get("url"), str)
    )
    query = action.get("code") if kind == "code_interpreter" else action.get("query")
    return ServerToolRun(kind, str(query or ""), sources)


def read_conversation(items: Sequence[Any], instructions: str | None = None) -> Conversation:
    """Read input items (earlier turns first) into a :class:`Conversation`.

    Unknown item types are skipped: validation rejected the ones the API rejects, and replayed
    ``reasoning`` items say nothing the default answer uses.
    """
    conversation = Conversation()
    messages = conversation.messages
    if instructions:
        messages.append({"role": "system", "content": instructions})
    for item in items:
        if not isinstance(item, Mapping):
            continue
        kind = item.get("type")
        if kind in (None, "message") and isinstance(item.get("role"), str):
            role = "system" if item["role"] == "developer" else item["role"]
            if role == "user" and messages and messages[-1]["role"] == "tool":
                # What a function returned that function_call_output cannot carry (images,
                # files): clients send it as a user message right after the outputs. It belongs
                # to them; read as a new question it would have the tool called again forever.
                previous = messages[-1]
                previous["content"] = f"{message_text(previous)} {message_text(item)}".strip()
                continue
            messages.append({"role": role, "content": item.get("content")})
            if role == "user":
                conversation.runs.clear()
        elif kind == "function_call":
            call = {
                "id": str(item.get("call_id") or item.get("id") or ""),
                "type": "function",
                "function": {
                    "name": str(item.get("name", "")),
                    "arguments": str(item.get("arguments") or "{}"),
                },
            }
            if messages and messages[-1]["role"] == "assistant" and "tool_calls" in messages[-1]:
                messages[-1]["tool_calls"].append(call)
            else:
                messages.append({"role": "assistant", "content": "", "tool_calls": [call]})
        elif kind == "function_call_output":
            output = item.get("output")
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": str(item.get("call_id", "")),
                    "content": output if isinstance(output, (str, list)) else "",
                }
            )
        elif kind in _CALL_KINDS:
            conversation.runs.append(_run_of(item))
            conversation.searched = True
    return conversation


# the request in chat-completions terms ---------------------------------------------------------


def chat_tools(tools: Any) -> list[dict[str, Any]]:
    """The function tools, nested the chat way (``{"type":"function","function":{...}}``)."""
    if not isinstance(tools, list):
        return []
    return [
        {"type": "function", "function": {k: v for k, v in tool.items() if k != "type"}}
        for tool in tools
        if isinstance(tool, Mapping) and tool.get("type") == "function" and isinstance(tool.get("name"), str)
    ]


def text_format(body: Mapping[str, Any]) -> Mapping[str, Any]:
    """``text.format``, or ``{"type": "text"}`` when absent."""
    text = body.get("text")
    fmt = text.get("format") if isinstance(text, Mapping) else None
    return fmt if isinstance(fmt, Mapping) else {"type": "text"}


def _response_format(fmt: Mapping[str, Any]) -> dict[str, Any] | None:
    if fmt.get("type") == "json_schema":
        spec = {k: v for k, v in fmt.items() if k != "type"}
        return {"type": "json_schema", "json_schema": spec}
    if fmt.get("type") == "json_object":
        return {"type": "json_object"}
    return None


def _chat_body(body: Mapping[str, Any], conversation: Conversation) -> dict[str, Any]:
    chat: dict[str, Any] = {"messages": conversation.messages, "tools": chat_tools(body.get("tools"))}
    for key in ("tool_choice", "parallel_tool_calls"):
        if key in body:
            chat[key] = body[key]
    response_format = _response_format(text_format(body))
    if response_format is not None:
        chat["response_format"] = response_format
    return chat


# simulated searches --------------------------------------------------------------------------


def search_query(text: str) -> str:
    """A search query from a question, the way grok-4.3 shortens one.

    "Search the web: what is the latest stable Ruby version? Cite your source." becomes
    "latest stable Ruby version" (the recorded query): drop an instruction prefix, keep the
    first sentence up to an "and get …" that asks for something else, drop question and filler
    words, keep at most eight words.
    """
    stripped = _SEARCH_PREFIX.sub("", text.strip(), count=1)
    sentence = _NEXT_REQUEST.split(_SENTENCE_END.split(stripped, maxsplit=1)[0], maxsplit=1)[0]
    words = [w.rstrip(".'-") for w in _QUERY_WORD.findall(sentence)]
    kept = [w for w in words if w and w.lower() not in _QUERY_STOPWORDS][:8]
    return " ".join(kept) or "latest news"


def search_sources(kind: str, query: str) -> tuple[str, ...]:
    """Three deterministic source URLs for a query (never fetched; example domains only)."""
    slug = "-".join(re.findall(r"[a-z0-9]+", query.lower())[:8]) or "search"
    if kind == "x_search":
        digest = hashlib.blake2b(query.encode(), digest_size=16).digest()
        posts = [int.from_bytes(digest[i : i + 8], "big") % 10**19 for i in (0, 8)]
        return tuple(f"https://x.com/example/status/{post}" for post in posts)
    return (
        f"https://example.com/articles/{slug}",
        f"https://docs.example.org/{slug}",
        f"https://news.example.net/{slug}",
    )


def _planned_runs(body: Mapping[str, Any], conversation: Conversation) -> tuple[ServerToolRun, ...]:
    """The searches the default answer makes for this turn (see the module docstring)."""
    if conversation.last_role != "user":
        return ()
    choice = body.get("tool_choice", "auto")
    if choice == "none":
        return ()
    forced: str | None = None
    if isinstance(choice, Mapping):
        if choice.get("type") == "function" or "function" in choice or "name" in choice:
            return ()
        forced = str(choice.get("type"))
    elif (
        conversation.searched and choice != "required" and not _ASKS_TO_SEARCH.search(conversation.user_text)
    ):
        return ()
    tools = body.get("tools") if isinstance(body.get("tools"), list) else []
    kinds: list[str] = []
    for tool in tools:
        kind = tool.get("type") if isinstance(tool, Mapping) else None
        if kind in _SEARCH_TOOLS and kind not in kinds and forced in (None, kind):
            kinds.append(kind)
    query = search_query(conversation.user_text)
    return tuple(ServerToolRun(kind, query, search_sources(kind, query)) for kind in kinds)


def _search_answer(runs: Sequence[ServerToolRun]) -> tuple[str, list[str]]:
    """A short answer citing the first two sources, with the markers inline."""
    kinds = {run.type for run in runs}
    where = (
        "the web and x"
        if kinds == {"web_search", "x_search"}
        else ("x" if kinds == {"x_search"} else "the web")
    )
    sources = [url for run in runs for url in run.sources][:2]
    text = f'i searched {where} for "{runs[0].query}".'
    if sources:
        text += f" the top result answers it directly.[[1]]({sources[0]})"
    if len(sources) > 1:
        text += f" there is more detail in the second source.[[2]]({sources[1]})"
    return text, sources


def default_response_reply(body: Mapping[str, Any], conversation: Conversation, info: ModelInfo) -> Reply:
    """The built-in answer to a Responses request, a pure function of the conversation."""
    reply = default_reply(_chat_body(body, conversation), provider="xai", info=info)
    structured = text_format(body).get("type") in ("json_schema", "json_object")
    runs = _planned_runs(body, conversation)
    if runs:
        if reply.kind == "text" and not structured:
            text, cited = _search_answer(runs)
            reply = Reply.text(text, reasoning=reply.reasoning_pieces, citations=cited)
        return replace(reply, server_tools=runs)
    if conversation.last_role == "tool" and conversation.runs and reply.kind == "text" and not structured:
        cited = [url for run in conversation.runs for url in run.sources][:2]
        return replace(reply, citations=tuple(Citation(url) for url in cited))
    return reply
