"""Remote MCP servers as a server-side tool: the ``{"type": "mcp", …}`` spec, with its secrets held.

xAI connects to the MCP server itself, runs the calls the model asks for and reports each as an
``mcp_call`` output item (docs/wire.md, "Remote MCP"); the client only describes the server. The
description carries credentials: ``authorization`` (sent by xAI as the ``Authorization`` header of
its calls to the server) and any extra ``headers``. :func:`mcp_tool` keeps every one of them as a
``pydantic.SecretStr``, so a printed model, a log line of invocation parameters, an error, a
LangChain ``dumpd`` or a LlamaIndex ``to_dict`` shows ``'**********'``; only the request body
itself, written by :func:`wire_value`, holds the value. A pickled tool keeps the secret (as
``SecretStr``, the way a pickled ``ChatGrok`` keeps its API key), because a worker must be able
to use it.

A plain dict with ``"type": "mcp"`` given as a server-side tool is read through :func:`mcp_tool`
too (see :func:`grok_transport.server_tool`), so the same rules and the same protection apply.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import SecretStr

from grok_transport._errors import InvalidToolError

__all__ = ["McpTool", "mcp_tool", "wire_value"]

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
"""An HTTP header name (RFC 9110 token)."""
_UNSUPPORTED = ("require_approval", "connector_id")
"""In xAI's schema, but documented as not supported (docs/wire.md, "Remote MCP")."""
_FIELDS = frozenset(
    {"type", "server_url", "server_label", "server_description", "allowed_tools", "authorization"}
    | {"headers", "defer_loading"}
)
"""The tool spec's fields, as :func:`mcp_tool` names its arguments."""


class McpTool(dict[str, Any]):
    """A remote MCP server as a server-side tool: a dict, so every framework takes it as a tool.

    Built by :func:`mcp_tool`. Its ``authorization`` and header values are ``SecretStr``.
    """

    @property
    def server_label(self) -> str:
        """The label xAI prefixes the server's tool names with, and names in ``mcp_call`` items."""
        return str(self["server_label"])

    @staticmethod
    def without_secrets(tool: Mapping[str, Any]) -> dict[str, Any]:
        """``tool`` for a serialized model: an MCP tool loses its credentials, as a model its API key.

        Any other tool is returned as it is (as a plain dict).
        """
        if tool.get("type") != "mcp":
            return dict(tool)
        return {key: value for key, value in tool.items() if key not in ("authorization", "headers")}


def _secret(value: Any, what: str) -> SecretStr:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if not isinstance(value, str) or not value.strip():
        raise InvalidToolError(f"{what} must be a non-empty string (or SecretStr).")
    if any(ch in value for ch in "\r\n\0"):
        raise InvalidToolError(f"{what} holds a line break or NUL, which no HTTP header can carry.")
    return SecretStr(value)


def mcp_tool(
    server_url: str,
    *,
    server_label: str,
    allowed_tools: Sequence[str] | None = None,
    authorization: str | SecretStr | None = None,
    headers: Mapping[str, str | SecretStr] | None = None,
    server_description: str | None = None,
    defer_loading: bool | None = None,
) -> McpTool:
    """A remote MCP server for xAI to call (Responses API); refused before any request if malformed.

    ``server_url`` must be ``http(s)://`` and reachable from xAI's servers (Streamable HTTP or
    SSE). ``server_label`` prefixes the server's tool names. ``allowed_tools`` limits which of
    them the model sees (``None``: all of them, whose definitions all cost prompt tokens).
    ``authorization`` is what xAI sends as the ``Authorization`` header (e.g. ``"Bearer …"``);
    ``headers`` are sent too. Both stay secret (see the module docstring).
    ``defer_loading=True`` keeps the definitions out of the prompt until the model searches them.
    """
    if not isinstance(server_url, str) or not server_url.startswith(("https://", "http://")):
        raise InvalidToolError(f"server_url must be an http(s):// URL, not {server_url!r}.")
    if not isinstance(server_label, str) or not server_label.strip():
        raise InvalidToolError("server_label must be a non-empty string (xAI requires one).")
    spec = McpTool(type="mcp", server_url=server_url, server_label=server_label)
    if server_description is not None:
        spec["server_description"] = str(server_description)
    if allowed_tools is not None:
        if isinstance(allowed_tools, str) or not all(isinstance(t, str) and t for t in allowed_tools):
            raise InvalidToolError("allowed_tools must be a list of tool names, e.g. ['search'].")
        spec["allowed_tools"] = list(allowed_tools)
    if authorization is not None:
        spec["authorization"] = _secret(authorization, "authorization")
    if headers:
        for name in headers:
            if not isinstance(name, str) or not _HEADER_NAME.match(name):
                raise InvalidToolError(f"{name!r} is not an HTTP header name.")
        spec["headers"] = {name: _secret(value, f"header {name}") for name, value in headers.items()}
    if defer_loading is not None:
        spec["defer_loading"] = bool(defer_loading)
    return spec


def from_spec(spec: Mapping[str, Any]) -> McpTool:
    """A ``{"type": "mcp", …}`` dict read as :func:`mcp_tool` reads its arguments."""
    if isinstance(spec, McpTool):
        return spec
    unknown = sorted(set(spec) - _FIELDS)
    if unknown:
        hint = " (documented as unsupported by xAI)" if set(unknown) & set(_UNSUPPORTED) else ""
        raise InvalidToolError(f"an mcp tool takes no {', '.join(unknown)}{hint}.")
    options = {k: v for k, v in spec.items() if k not in ("type", "server_url")}
    return mcp_tool(spec.get("server_url"), **options)  # type: ignore[arg-type]


def wire_value(value: Any) -> str:
    """``json.dumps``'s ``default``: a secret is written as its value, on the wire and nowhere else."""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
