"""The call plan: which endpoint serves a chat turn, and the exact body it is sent.

Both adapters hand :func:`plan` the same thing — chat-completions-style message dicts, API
parameters by their chat-completions names, and their settings — and send what comes back. So
routing, parameter hygiene and the Responses-API renames are decided here, once, for LangChain
and LlamaIndex alike:

* **Routing.** ``/v1/responses`` when ``use_responses_api=True``, or (``None``, the default) when
  a server-side tool is bound, a message carries a file, or a Responses-only parameter is given
  (``previous_response_id``, ``include``, ``instructions``, ``max_output_tokens``);
  ``/v1/chat/completions`` otherwise. Any of those with ``use_responses_api=False`` is refused
  with :class:`~grok_transport.InvalidParameterError` before any request: xAI would answer 422
  (chat completions has no file part at all, docs/wire.md, "Files").
* **Bad input** (:mod:`grok_transport._validate`): unknown roles, malformed parts, bytes, tools
  whose parameters are not a JSON-Schema object, a conversation too large for the model's context
  window — refused with a typed error before any request.
* **Hygiene** (:func:`grok_transport._params.chosen_params`) for both endpoints: ``None`` is "not
  set", impossible values are refused, parameters the model rejects are dropped with one
  :class:`~grok_transport.UnsupportedParameterWarning` naming the parameter and the model.
* **Chat completions**: an assistant ``content`` of ``None`` is sent as ``""`` (xAI rejects
  ``null``); streams ask for usage (``stream_options.include_usage``) because xAI sends usage
  only then (docs/wire.md, "Streaming"); Grok Inc's system messages are folded into the first
  user turn (docs/wire.md, "Grok Inc and grokapi.io").
* **Responses API** (docs/wire.md, "Responses API"): messages become ``input`` items
  (``tool`` results → ``function_call_output``, assistant ``tool_calls`` → ``function_call``,
  image parts → ``input_image``, file parts → ``input_file``, an assistant message carrying
  ``responses_output`` is replayed verbatim); function tools are flattened;
  ``response_format`` → ``text.format``; ``reasoning_effort`` → ``reasoning.effort``;
  ``max_tokens`` → ``max_output_tokens``;
  ``store=False`` asks for the encrypted reasoning so the next turn can replay it.
* ``conversation_id`` becomes the ``x-grok-conv-id`` header on both endpoints (xAI's prompt-cache
  routing) and ``prompt_cache_key`` on the Responses API unless one is given.
* ``extra_body`` is merged last, unchecked, so a user can always send what this module does not know.

**Files** (docs/wire.md, "Files"). A file part is chat-completions-shaped (``{"type": "file",
"file": {"file_id" | "file_url" | "file_data", "filename"?}}``) or already xAI's ``input_file``.
xAI attaches a file only by id or public URL, which turns on its server-side document search, so
inline bytes (``file_data``: a ``data:`` URL or bare base64) stay in the planned body as
``{"type": "input_file", "file_data", "filename"?}`` and the client uploads them through the
Files API when it sends the call (:func:`inline_files`, :func:`with_file_ids`). Inline data over
the Files API's 48 MB is refused here, before anything is uploaded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from grok_transport._catalogue import lookup
from grok_transport._errors import InvalidMessageError, InvalidParameterError
from grok_transport._files import check_size
from grok_transport._mcp import from_spec
from grok_transport._params import PARAMETERS, chosen_params
from grok_transport._providers import Provider, fold_system_messages
from grok_transport._validate import check_messages, check_tools
from grok_transport._warnings import warn_unknown_model

__all__ = [
    "Call",
    "Endpoint",
    "InlineFile",
    "PLAN_SETTINGS",
    "SERVER_TOOL_TYPES",
    "inline_files",
    "is_server_tool",
    "plan",
    "plan_arguments",
    "server_tool",
    "with_file_ids",
]

Endpoint = Literal["/chat/completions", "/responses"]

SERVER_TOOL_TYPES = frozenset(
    {
        "web_search",
        "x_search",
        "code_interpreter",
        "code_execution",
        "file_search",
        "mcp",
        "collections_search",
        "document_search",
    }
)
"""Tools the server runs itself; any tool whose ``type`` is not ``function`` counts as one."""

_RENAMED_ON_RESPONSES = tuple(p for p in PARAMETERS if p.responses_name)
_RESPONSES_ONLY = frozenset({"previous_response_id", "include", "instructions", "max_output_tokens"})
"""Parameters that mean something on ``/v1/responses`` only; giving one routes the call there."""
PLAN_SETTINGS = ("use_responses_api", "stream_usage", "server_tools", "conversation_id", "store")
"""Keywords of :func:`plan` that are settings of the call, not API parameters: a framework model
keeps one field per name, and a call's keyword of the same name wins."""
_ENCRYPTED_REASONING = "reasoning.encrypted_content"
_FILE_PARTS = frozenset({"file", "input_file"})


def is_server_tool(tool: Mapping[str, Any]) -> bool:
    """Whether ``tool`` is run by the server (web search, X search, code execution, …)."""
    return bool(tool.get("type", "function") != "function")


def server_tool(tool: str | Mapping[str, Any]) -> dict[str, Any]:
    """A server-side tool from its name (``"web_search"``) or its dict, refused if it is not one."""
    spec = {"type": tool} if isinstance(tool, str) else dict(tool)
    if spec.get("type") not in SERVER_TOOL_TYPES:
        raise InvalidParameterError(
            f"{tool!r} is not a server-side tool; those are {', '.join(sorted(SERVER_TOOL_TYPES))}."
        )
    if spec["type"] == "mcp":  # its credentials become secrets (grok_transport/_mcp.py)
        return from_spec(spec)
    return spec


def _mcp_secret(tool: Any) -> Any:
    """A bound ``{"type": "mcp"}`` dict with its credentials as secrets; other tools as they are."""
    return from_spec(tool) if isinstance(tool, dict) and tool.get("type") == "mcp" else tool


def plan_arguments(
    defaults: Mapping[str, Any], overrides: Mapping[str, Any], *, disabled: Iterable[str] = ()
) -> dict[str, Any]:
    """The keywords of :func:`plan` for one call of a framework model (LangChain's, LlamaIndex's).

    ``defaults`` are the model's own: ``model``, API parameters, :data:`PLAN_SETTINGS`,
    ``extra_body``; ``overrides`` the call's keywords, which win, except that ``extra_body`` is
    merged key by key and a ``model`` of ``None`` means the model's own. ``stream`` is the
    adapter method's to decide, so a keyword of that name is dropped; so are the ``disabled``
    parameters (for a proxy that rejects them).
    """
    arguments = {**defaults, **overrides}
    arguments.pop("stream", None)
    for name in disabled:
        arguments.pop(name, None)
    arguments["model"] = overrides.get("model") or defaults.get("model") or ""
    extra_body = {**(defaults.get("extra_body") or {}), **(overrides.get("extra_body") or {})}
    arguments["extra_body"] = extra_body or None
    return arguments


@dataclass(frozen=True, slots=True)
class Call:
    """What to send for one chat turn: the endpoint, the JSON body and any extra headers."""

    endpoint: Endpoint
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def stream(self) -> bool:
        """Whether the answer comes as a stream."""
        return bool(self.body.get("stream"))


def plan(
    messages: Sequence[Mapping[str, Any]],
    *,
    model: str,
    provider: Provider,
    stream: bool = False,
    use_responses_api: bool | None = None,
    stream_usage: bool | None = None,
    server_tools: Sequence[str | Mapping[str, Any]] = (),
    conversation_id: str | None = None,
    store: bool | None = None,
    extra_body: Mapping[str, Any] | None = None,
    **params: Any,
) -> Call:
    """Decide the endpoint and build the body for one chat turn (see the module docstring).

    ``params`` are API parameters by their chat-completions names (``temperature``, ``tools``,
    ``tool_choice``, ``response_format``, ``reasoning_effort``, ``max_tokens``…) plus the
    Responses-only ones; ``None`` means "not set". ``server_tools`` are added to ``tools``.
    """
    if not messages:
        raise InvalidParameterError("messages must not be empty.")
    info = lookup(model, provider.name)
    if provider.name == "xai" and not info.known:
        warn_unknown_model(model)
    check_messages(messages, context_window=info.context_window)
    tools = [*map(_mcp_secret, params.pop("tools", None) or ()), *map(server_tool, server_tools)]
    check_tools(tools)
    wants_responses = [t["type"] for t in tools if is_server_tool(t)]
    if any(map(_has_file, messages)):
        wants_responses.append("file parts")
    wants_responses += sorted(name for name in _RESPONSES_ONLY if params.get(name) is not None)
    if use_responses_api is False and wants_responses:
        raise InvalidParameterError(
            f"{', '.join(wants_responses)} exist only on the Responses API; "
            "leave use_responses_api unset (or True) to use them."
        )
    responses = use_responses_api if use_responses_api is not None else bool(wants_responses)
    chosen = chosen_params(model, info, {**params, "tools": tools or None})
    headers = {"x-grok-conv-id": conversation_id} if conversation_id else {}
    if responses:
        if conversation_id:
            chosen.setdefault("prompt_cache_key", conversation_id)
        body = _responses_body(model, messages, stream, store, chosen)
    else:
        body = _chat_body(model, messages, provider, stream, stream_usage, chosen)
    if extra_body:
        body.update(extra_body)
    return Call("/responses" if responses else "/chat/completions", body, headers)


# -- chat completions ------------------------------------------------------------------------


def _chat_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    provider: Provider,
    stream: bool,
    stream_usage: bool | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    """Key order fixed (model, messages, stream, then parameters by name): cassettes match bytes."""
    wire = [_chat_message(m) for m in messages]
    if provider.user_assistant_only:
        wire = fold_system_messages(wire)
    body: dict[str, Any] = {"model": model, "messages": wire}
    if stream:
        body["stream"] = True
        if provider.stream_usage if stream_usage is None else stream_usage:
            body["stream_options"] = {"include_usage": True}
    for name in sorted(params):
        body[name] = params[name]
    return body


def _chat_message(message: Mapping[str, Any]) -> dict[str, Any]:
    """An assistant's ``None`` content as ``""`` (xAI rejects ``null``); Responses items left out."""
    if message.get("role") != "assistant":
        return dict(message)
    out = {k: v for k, v in message.items() if k != "responses_output"}
    if out.get("content") is None:
        out["content"] = ""
    return out


# -- Responses API ---------------------------------------------------------------------------


def _responses_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    stream: bool,
    store: bool | None,
    params: dict[str, Any],
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "input": _input_items(messages)}
    if stream:
        body["stream"] = True
    if tools := params.pop("tools", None):
        body["tools"] = [_flat_tool(t) for t in tools]
    if (choice := params.pop("tool_choice", None)) is not None:
        body["tool_choice"] = _flat_tool_choice(choice)
    if (response_format := params.pop("response_format", None)) is not None:
        body["text"] = _text_format(response_format)
    for parameter in _RENAMED_ON_RESPONSES:  # max_tokens, reasoning_effort: see _params.PARAMETERS
        if (value := params.pop(parameter.name, None)) is not None:
            outer, _, inner = (parameter.responses_name or "").partition(".")
            if inner:
                body.setdefault(outer, {})[inner] = value
            else:
                params.setdefault(outer, value)  # an explicit max_output_tokens wins
    if store is not None:
        params["store"] = store
        if store is False and "include" not in params:
            # Nothing is kept server-side: the reasoning must come back to be replayed next turn.
            params["include"] = [_ENCRYPTED_REASONING]
    for name in sorted(params):
        body[name] = params[name]
    return body


def _text_of(content: Any) -> str:
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return "" if content is None else str(content)


def _input_content(content: Any) -> Any:
    if not isinstance(content, list):
        return content if content is not None else ""
    parts = []
    for part in content:
        kind = part.get("type")
        if kind == "text":
            parts.append({"type": "input_text", "text": part.get("text", "")})
        elif kind == "image_url":
            image = part.get("image_url") or {}
            url = image if isinstance(image, str) else image.get("url")
            entry = {"type": "input_image", "image_url": url}
            if isinstance(image, dict) and image.get("detail"):
                entry["detail"] = image["detail"]
            parts.append(entry)
        elif kind in _FILE_PARTS:
            parts.append(_input_file(part.get("file") if kind == "file" else part))
        else:
            parts.append(part)
    return parts


def _input_items(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        if role == "tool":
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.get("tool_call_id", ""),
                    "output": _text_of(message.get("content")),
                }
            )
        elif role == "assistant" and message.get("responses_output"):
            items.extend(message["responses_output"])
        elif role == "assistant":
            if text := _text_of(message.get("content")):
                items.append({"role": "assistant", "content": text})
            for call in message.get("tool_calls") or ():
                function = call.get("function") or {}
                items.append(
                    {
                        "type": "function_call",
                        "call_id": call.get("id", ""),
                        "name": function.get("name", ""),
                        "arguments": function.get("arguments") or "{}",
                    }
                )
        else:
            items.append({"role": role, "content": _input_content(message.get("content"))})
    return items


def _flat_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    if is_server_tool(tool) or "function" not in tool:
        return dict(tool)
    return {"type": "function", **tool["function"]}


def _flat_tool_choice(choice: Any) -> Any:
    if isinstance(choice, Mapping) and isinstance(choice.get("function"), Mapping):
        return {"type": "function", "name": choice["function"]["name"]}
    return choice


def _text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    if response_format.get("type") == "json_schema":
        return {"format": {"type": "json_schema", **(response_format.get("json_schema") or {})}}
    return {"format": dict(response_format)}


# -- files -----------------------------------------------------------------------------------


def _has_file(message: Mapping[str, Any]) -> bool:
    content = message.get("content")
    return isinstance(content, list) and any(
        isinstance(part, Mapping) and part.get("type") in _FILE_PARTS for part in content
    )


def _input_file(spec: Any) -> dict[str, Any]:
    """A file part as ``input_file``: by id, by URL, or inline (uploaded when the call is sent)."""
    spec = spec if isinstance(spec, Mapping) else {}
    for key in ("file_id", "file_url"):
        if isinstance(spec.get(key), str) and spec[key]:
            return {"type": "input_file", key: spec[key]}
    data = spec.get("file_data")
    if not (isinstance(data, str) and data):
        raise InvalidMessageError(
            "a file part needs a file_id, a file_url or file_data (a data: URL or base64), "
            f"not {sorted(spec)}."
        )
    b64 = data.partition(",")[2] if data.startswith("data:") else data
    size = len(b64) * 3 // 4 - b64[-2:].count("=")
    check_size(size, "an attached file")
    entry = {"type": "input_file", "file_data": data}
    if isinstance(spec.get("filename"), str) and spec["filename"]:
        entry["filename"] = spec["filename"]
    return entry


@dataclass(frozen=True)
class InlineFile:
    """Inline file data of a planned call, decoded: what the client uploads before sending it."""

    data: bytes
    filename: str | None
    key: str
    """The content's SHA-256 and the file name: equal keys are the same upload."""


def inline_files(call: Call) -> dict[str, InlineFile]:
    """The call's inline ``input_file`` parts by their ``file_data`` (each distinct one once).

    A part's name is its ``filename``, else ``document`` with the extension of its ``data:``
    URL's type, else none (the upload names bare bytes by their content).
    """
    found: dict[str, InlineFile] = {}
    for part in _inline_parts(call):
        data = part["file_data"]
        if data in found:
            continue
        header, _, b64 = data.partition(",") if data.startswith("data:") else ("", "", data)
        try:
            content = base64.b64decode("".join(b64.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidMessageError(
                f"a file part's file_data is not base64 (or a base64 data: URL): {data[:40]!r}…"
            ) from None
        mime_type = header[5:].partition(";")[0]
        extension = mimetypes.guess_extension(mime_type) if mime_type else None
        filename = part.get("filename") or (f"document{extension}" if extension else None)
        key = f"{hashlib.sha256(content).hexdigest()}:{filename or ''}"
        found[data] = InlineFile(content, filename, key)
    return found


def with_file_ids(call: Call, file_ids: Mapping[str, str]) -> Call:
    """The call with each inline part replaced by ``{"type": "input_file", "file_id"}``.

    ``file_ids`` maps a part's ``file_data`` to the id its upload got. The original call is left
    as it was.
    """
    items = []
    for item in call.body.get("input") or ():
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, list) and any(_is_inline(part) for part in content):
            parts = [
                {"type": "input_file", "file_id": file_ids[part["file_data"]]} if _is_inline(part) else part
                for part in content
            ]
            item = {**item, "content": parts}
        items.append(item)
    return replace(call, body={**call.body, "input": items})


def _is_inline(part: Any) -> bool:
    return isinstance(part, dict) and part.get("type") == "input_file" and "file_data" in part


def _inline_parts(call: Call) -> list[dict[str, Any]]:
    if call.endpoint != "/responses":
        return []
    return [
        part
        for item in call.body.get("input") or ()
        if isinstance(item, dict) and isinstance(item.get("content"), list)
        for part in item["content"]
        if _is_inline(part)
    ]
