"""Tool and structured-output request pieces that both framework adapters need.

The frameworks hand over tools, tool choices and schemas in their own shapes; the wire wants
OpenAI's. The adapters convert their objects to JSON-schema dicts and call these, so that a
``tool_choice="any"`` or a strict JSON schema means the same thing from LangChain and LlamaIndex.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from grok_transport._errors import InvalidParameterError

__all__ = ["function_tool", "normalize_tool_choice", "json_schema_format", "JSON_OBJECT_FORMAT"]

JSON_OBJECT_FORMAT: dict[str, Any] = {"type": "json_object"}


def function_tool(
    name: str,
    description: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    *,
    strict: bool | None = None,
) -> dict[str, Any]:
    """An OpenAI-style function tool. No parameters means an empty object schema, not none."""
    function: dict[str, Any] = {
        "name": name,
        "parameters": dict(parameters) if parameters else {"type": "object", "properties": {}},
    }
    if description:
        function["description"] = description
    if strict is not None:
        function["strict"] = strict
    return {"type": "function", "function": function}


def normalize_tool_choice(choice: Any, tool_names: Iterable[str] = ()) -> str | dict[str, Any] | None:
    """Map every way users spell a tool choice onto what the API accepts.

    ``None`` → not sent; ``"auto"``/``"none"``/``"required"`` as they are; ``"any"`` and
    ``True`` → ``"required"``; ``False`` → ``"none"``; a tool's name → that function, forced;
    a dict passes through (``{"type": "function", "function": {"name": …}}``, or the short
    ``{"name": …}``). A name that is not among ``tool_names`` is refused before any request.
    """
    if choice is None:
        return None
    if choice is True or choice == "any":
        return "required"
    if choice is False:
        return "none"
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        names = set(tool_names)
        if names and choice not in names:
            raise InvalidParameterError(
                f"tool_choice {choice!r} names no bound tool; bound: {', '.join(sorted(names))}."
            )
        return {"type": "function", "function": {"name": choice}}
    if isinstance(choice, Mapping):
        if "name" in choice and "function" not in choice:
            return {"type": "function", "function": {"name": choice["name"]}}
        return dict(choice)
    raise InvalidParameterError(f"Unsupported tool_choice {choice!r}.")


def json_schema_format(
    schema: Mapping[str, Any], *, name: str | None = None, strict: bool | None = None
) -> dict[str, Any]:
    """A ``response_format`` asking for JSON valid against ``schema``.

    ``strict`` is sent only when the caller chose it: xAI defaults ``additionalProperties`` to
    false and rejects some schemas under strict mode, so forcing it (as langchain-xai does) turns
    working schemas into 400s.
    """
    body: dict[str, Any] = {
        "name": name or str(schema.get("title") or "response"),
        "schema": dict(schema),
    }
    if schema.get("description"):
        body["description"] = schema["description"]
    if strict is not None:
        body["strict"] = strict
    return {"type": "json_schema", "json_schema": body}
