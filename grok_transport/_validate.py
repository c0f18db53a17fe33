"""Refusing a conversation or a tool list that cannot work, before a byte is sent.

Every mistake here used to cost a round trip and come back as a 400 or 422 worded for the
server's deserializer, or never left the process at all as a bare ``TypeError`` from
``json.dumps``; a conversation too long for any model was uploaded whole (50 MB) before the
server refused it. These checks name the problem and where it is (``messages[3].content[1]``).

They run on every call, so they stay cheap: one pass over the messages and their parts that
reads string lengths and never serializes anything.

What is checked:

* every message is a mapping whose ``role`` is one Grok accepts (:data:`ROLES`);
* ``content`` is text, ``None`` or a list of parts; a text part's ``text`` is a string; an image
  part's URL is ``http(s)://`` or a ``data:`` URL; other parts (``input_file``, ``file``) pass;
* every value is something JSON can carry: no ``bytes`` or other objects anywhere;
* the text fits the context window at *some* tokenization: more than
  :data:`MAX_CHARS_PER_TOKEN` characters per token is implausible for any tokenizer on real text,
  so a conversation longer than ``context_window * MAX_CHARS_PER_TOKEN`` characters cannot fit.
  Images and files are not counted (their cost is not in characters); the server stays the judge
  of everything shorter;
* a function tool's ``parameters``, when given, is a JSON-Schema object
  (``{"type": "object", …}``); server-side tools (``{"type": "web_search"}``) pass as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from grok_transport._errors import InvalidMessageError, InvalidToolError, PromptTooLongError

__all__ = ["ROLES", "MAX_CHARS_PER_TOKEN", "check_messages", "check_tools"]

ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})
"""Roles Grok's chat completions accept (``function`` is what LangChain's FunctionMessage sends)."""

MAX_CHARS_PER_TOKEN = 16
"""A generous ceiling: English averages about 4 characters per token and code fewer; only long runs
of one repeated character pack more, and a prompt of nothing else is not a conversation."""

_TEXT_PARTS = frozenset({"text", "input_text", "output_text"})
_IMAGE_PARTS = frozenset({"image_url", "input_image"})
_IMAGE_SCHEMES = ("http://", "https://", "data:")


class _NotJSON(Exception):
    """Internal: a value JSON cannot carry, with the path to it collected on the way out."""

    def __init__(self, value: Any) -> None:
        super().__init__()
        self.value = value
        self.path: list[str] = []

    def where(self, prefix: str) -> str:
        return prefix + "".join(reversed(self.path))


def _chars(value: Any) -> int:
    """The characters of text in a JSON value; raises :class:`_NotJSON` on anything else."""
    if isinstance(value, str):
        return len(value)
    if value is None or isinstance(value, (bool, int, float)):
        return 0
    if isinstance(value, SecretStr):  # an MCP credential: written as its value (grok_transport/_mcp.py)
        return len(value.get_secret_value())
    if isinstance(value, (dict, Mapping)):  # dict first: the ABC check costs ten times more
        pairs: Iterable[tuple[Any, Any]] = value.items()
        step = ".{}"
    elif isinstance(value, (list, tuple)):
        pairs = enumerate(value)
        step = "[{}]"
    else:
        raise _NotJSON(value)
    total = 0
    for key, item in pairs:
        try:
            total += _chars(item)
        except _NotJSON as bad:
            bad.path.append(step.format(key))
            raise
    return total


def _not_json(bad: _NotJSON, prefix: str) -> str:
    kind = type(bad.value).__name__
    hint = " (decode text, or send an image or file as a part)" if isinstance(bad.value, bytes) else ""
    return f"{bad.where(prefix)} is {kind}, which JSON cannot carry{hint}."


def _image_url(part: Mapping[str, Any]) -> Any:
    image = part.get("image_url")
    return image.get("url") if isinstance(image, (dict, Mapping)) else image


def _part_chars(part: Any, content: str, index: int) -> int:
    """Check ``content[index]``; return the characters of text it adds."""
    where = f"{content}[{index}]"
    kind = part.get("type") if isinstance(part, (dict, Mapping)) else None
    if not isinstance(kind, str):
        raise InvalidMessageError(f"{where} must be a mapping with a 'type', not {_preview(part)}.")
    if kind in _TEXT_PARTS:
        text = part.get("text")
        if not isinstance(text, str):
            raise InvalidMessageError(f"{where} is a text part whose text is {type(text).__name__}, not str.")
    elif kind in _IMAGE_PARTS:
        url = _image_url(part)
        if not (isinstance(url, str) and url[:8].lower().startswith(_IMAGE_SCHEMES)):
            raise InvalidMessageError(
                f"{where} is an image whose URL is {_preview(url)}; Grok takes an http(s) URL or a "
                "data: URL (base64)."
            )
    try:
        _chars(part)
    except _NotJSON as bad:
        raise InvalidMessageError(_not_json(bad, where)) from None
    return len(part["text"]) if kind in _TEXT_PARTS else 0  # images and files are not priced in characters


def _content_chars(content: Any, index: int) -> int:
    if isinstance(content, str) or content is None:
        return len(content or "")
    where = f"messages[{index}].content"
    if isinstance(content, (list, tuple)):
        return sum(_part_chars(part, where, j) for j, part in enumerate(content))
    hint = " (decode it to text, or send it as an image or file part)" if isinstance(content, bytes) else ""
    raise InvalidMessageError(
        f"{where} is {type(content).__name__}; it must be a string or a list of parts{hint}."
    )


def check_messages(messages: Sequence[Mapping[str, Any]], *, context_window: int | None) -> None:
    """Raise :class:`~grok_transport._errors.InvalidMessageError` for a message Grok cannot take.

    ``context_window`` (tokens) bounds the text; ``None`` skips that check. A conversation over
    the bound raises :class:`~grok_transport._errors.PromptTooLongError`, which is also a
    ``ContextLengthExceededError``.
    """
    chars = 0
    for index, message in enumerate(messages):
        if not isinstance(message, (dict, Mapping)):
            raise InvalidMessageError(
                f"messages[{index}] must be a mapping with a role, not {_preview(message)}."
            )
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise InvalidMessageError(
                f"messages[{index}] has role {role!r}; Grok takes {', '.join(sorted(ROLES))}."
            )
        for key, value in message.items():
            if key == "content":
                chars += _content_chars(value, index)
            elif key != "role":
                try:
                    chars += _chars(value)
                except _NotJSON as bad:
                    raise InvalidMessageError(_not_json(bad, f"messages[{index}].{key}")) from None
    if context_window is not None and chars > context_window * MAX_CHARS_PER_TOKEN:
        raise PromptTooLongError(
            f"The conversation holds {chars:,} characters of text; a {context_window:,}-token "
            f"context window cannot take more than {context_window * MAX_CHARS_PER_TOKEN:,} at "
            f"any tokenization ({MAX_CHARS_PER_TOKEN} characters per token). Shorten or "
            "summarise it."
        )


def check_tools(tools: Sequence[Mapping[str, Any]] | None) -> None:
    """Raise :class:`~grok_transport._errors.InvalidToolError` for a tool Grok cannot take.

    Accepts both the chat form (``{"type": "function", "function": {…}}``) and the flat
    Responses form (``{"type": "function", "name", "parameters"}``).
    """
    for index, tool in enumerate(tools or ()):
        where = f"tools[{index}]"
        kind = tool.get("type", "function") if isinstance(tool, Mapping) else None
        if not isinstance(kind, str):
            raise InvalidToolError(f"{where} must be a mapping with a 'type', not {_preview(tool)}.")
        if kind == "function":
            function = tool.get("function", tool)
            name = function.get("name") if isinstance(function, Mapping) else None
            if not (isinstance(name, str) and name):
                raise InvalidToolError(f"{where} is a function tool without a name.")
            parameters = function.get("parameters")
            if parameters is not None and not (
                isinstance(parameters, Mapping) and parameters.get("type") == "object"
            ):
                raise InvalidToolError(
                    f"{where} ({name}): parameters must be a JSON Schema object "
                    f'({{"type": "object", "properties": {{…}}}}), not {_preview(parameters)}.'
                )
        try:
            _chars(tool)
        except _NotJSON as bad:
            raise InvalidToolError(_not_json(bad, where)) from None


def _preview(value: Any) -> str:
    """A short, safe description of a wrong value for a message (data URLs can be megabytes)."""
    text = repr(value)
    return f"{text[:60]}… ({type(value).__name__})" if len(text) > 60 else text
