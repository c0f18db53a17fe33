"""A remote MCP server stand-in: what xAI's side of an ``{"type": "mcp"}`` tool looks like.

xAI calls the MCP server itself and reports each call as an ``mcp_call`` output item
``{type, id, server_label, name, arguments (a JSON string), output, error, status}`` before the
answer (docs/wire.md, "Remote MCP"). This server cannot reach the MCP server either, so when a
``/v1/responses`` request carries MCP tools and the user spoke last (and ``tool_choice`` is not
``"none"``), each such tool gets one simulated call:

* the tool called is the first of ``allowed_tools`` the user's message names, else the first
  allowed one, else ``search`` (a server that allows everything);
* its arguments are ``{"query": <the user's message>}`` and its output a deterministic line
  naming the server, the tool and the query, so a test can see the answer came from it;
* without a scripted reply the answer states that output, and the usage counts the calls
  (``server_side_tool_usage_details.mcp_calls``).

A tool without ``server_url`` or ``server_label`` is refused, as xAI's deserializer refuses it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .conversation import Conversation
from .exchange import Exchange
from .replies import Reply

__all__ = ["mcp_calls", "mcp_reply", "numbered"]

_DEFAULT_TOOL = "search"


def _tools(x: Exchange, body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    for index, tool in enumerate(body.get("tools") or ()):
        if isinstance(tool, Mapping) and tool.get("type") == "mcp":
            for field in ("server_url", "server_label"):
                if not isinstance(tool.get(field), str):
                    x.bad(f"tools[{index}]: missing field `{field}`")
            found.append(tool)
    return found


def _chosen(tool: Mapping[str, Any], text: str) -> str:
    allowed = [name for name in tool.get("allowed_tools") or () if isinstance(name, str)]
    named = [name for name in allowed if name.lower() in text.lower()]
    return (named or allowed or [_DEFAULT_TOOL])[0]


def mcp_calls(x: Exchange, body: Mapping[str, Any], conversation: Conversation) -> list[dict[str, Any]]:
    """The ``mcp_call`` items this turn makes, ids still to come from :func:`numbered`.

    Validates the MCP tools, so call it before the scripted reply is taken.
    """
    tools = _tools(x, body)
    if not tools or conversation.last_role != "user" or body.get("tool_choice") == "none":
        return []
    query = conversation.user_text.strip()[:200]
    items = []
    for tool in tools:
        label, name = str(tool["server_label"]), _chosen(tool, query)
        output = f'{label}/{name} found 1 result for "{query}"'
        items.append(
            {
                "type": "mcp_call",
                "id": "",
                "server_label": label,
                "name": name,
                "arguments": json.dumps({"query": query}, ensure_ascii=False, separators=(",", ":")),
                "output": output,
                "error": None,
                "status": "completed",
            }
        )
    return items


def numbered(calls: list[dict[str, Any]], response_id: str) -> list[tuple[dict[str, Any], tuple[str, ...]]]:
    """The calls as output items of response ``response_id`` (no text of their own to stream)."""
    return [({**call, "id": f"mcp_{response_id}_{n}"}, ()) for n, call in enumerate(calls)]


def mcp_reply(calls: list[dict[str, Any]]) -> Reply:
    """The stand-in's answer after ``calls``: what the tools said, and the usage they add."""
    said = "; ".join(f"the {c['name']} tool of {c['server_label']} says: {c['output']}" for c in calls)
    usage = {
        "num_server_side_tools_used": len(calls),
        "server_side_tool_usage_details": {"mcp_calls": len(calls)},
    }
    return Reply.text(said, usage=usage)
