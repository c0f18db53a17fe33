"""Remote MCP servers as a server-side tool: the spec, its calls surfaced, its credentials kept secret.

docs/wire.md, "Remote MCP": xAI calls the MCP server itself and reports ``mcp_call`` items; the
tool spec carries ``authorization`` and ``headers``, which must reach the wire and nothing else.
"""

from __future__ import annotations

import logging
import pickle

import pytest

from grok_transport import (
    GrokClient,
    InvalidToolError,
    ServerError,
    mcp_tool,
)
from grok_transport.testing import GrokTestServer, Reply

TOKEN = "Bearer mcp-secret-7f3a9c2e41"
HEADER = "hdr-secret-0c9d8e7f6a"
ASK = [{"role": "user", "content": "lookup the install guide"}]
MODEL = "grok-4.3"


def _tool(**options: object) -> object:
    return mcp_tool(
        "https://mcp.example.com/mcp",
        server_label="docs",
        allowed_tools=["search", "lookup"],
        authorization=TOKEN,
        headers={"X-Tenant": HEADER},
        **options,  # type: ignore[arg-type]
    )


def _client(server: GrokTestServer, **options: object) -> GrokClient:
    return GrokClient(api_key=server.api_key, base_url=server.base_url, **options)  # type: ignore[arg-type]


def _leaks(text: str | bytes) -> bool:
    raw = text.encode() if isinstance(text, str) else text
    return TOKEN.encode() in raw or HEADER.encode() in raw or b"mcp-secret" in raw


def test_the_credentials_reach_the_server_and_the_calls_come_back(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        answer = client.chat(ASK, model=MODEL, server_tools=[_tool()])
    sent = grok_server.requests[-1].json["tools"][0]
    assert (sent["authorization"], sent["headers"]) == (TOKEN, {"X-Tenant": HEADER})
    [run] = [r.as_dict() for r in answer.server_tool_runs]
    assert run["type"] == "mcp_call" and run["server_label"] == "docs"
    assert run["tool_name"] == "lookup"  # the allowed tool the message names
    assert run["arguments"] == '{"query":"lookup the install guide"}'
    assert run["output"] in answer.text  # the answer comes from what the tool returned
    assert answer.usage is not None and answer.usage.num_server_side_tools_used == 1


def test_a_stream_reports_the_call_before_the_answer(grok_server: GrokTestServer) -> None:
    with (
        _client(grok_server) as client,
        client.stream_chat(ASK, model=MODEL, server_tools=[_tool()]) as stream,
    ):
        deltas = list(stream)
    runs = [d.server_tool for d in deltas if d.kind == "server_tool"]
    first_text = next(i for i, d in enumerate(deltas) if d.kind == "text")
    assert [r.as_dict()["tool_name"] for r in runs if r is not None] == ["lookup"]
    assert deltas.index(next(d for d in deltas if d.kind == "server_tool")) < first_text


def test_a_plain_dict_is_read_and_protected_the_same_way(grok_server: GrokTestServer) -> None:
    raw = {"type": "mcp", "server_url": "https://mcp.example.com/mcp", "server_label": "docs"}
    with _client(grok_server) as client:
        call = client.plan(ASK, model=MODEL, server_tools=[{**raw, "authorization": TOKEN}])
        bound = client.plan(ASK, model=MODEL, tools=[{**raw, "authorization": TOKEN}])
        assert not _leaks(repr(call)) and not _leaks(repr(bound)) and not _leaks(str(call.body))
        client.complete(bound)
    assert grok_server.requests[-1].json["tools"][0]["authorization"] == TOKEN


def test_nothing_but_the_wire_shows_the_credentials(
    grok_server: GrokTestServer, caplog: pytest.LogCaptureFixture
) -> None:
    tool = _tool()
    grok_server.enqueue(Reply.error(503), Reply.error(503))
    with caplog.at_level(logging.DEBUG), _client(grok_server, max_retries=1) as client:
        call = client.plan(ASK, model=MODEL, server_tools=[tool])
        with pytest.raises(ServerError) as caught:
            client.complete(call)
    error = caught.value
    for text in (repr(tool), str(tool), repr(call), caplog.text, str(error), repr(error), repr(error.body)):
        assert not _leaks(text), text
    assert not _leaks(pickle.dumps(error))
    assert pickle.loads(pickle.dumps(tool)) == tool  # a worker can still use it


def test_a_batch_item_carrying_an_mcp_tool_is_sent_whole(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        call = client.plan(ASK, model=MODEL, server_tools=[_tool()])
        job = client.batches.submit([call.body], endpoint=call.endpoint)
    [add] = [r for r in grok_server.requests if r.path.endswith("/requests")]
    item = add.json["batch_requests"][0]["batch_request"]["responses"]
    assert item["tools"][0]["authorization"] == TOKEN
    assert job.total == 1


@pytest.mark.parametrize(
    ("arguments", "problem"),
    [
        ({"server_url": "mcp.example.com"}, "http"),
        ({"server_label": " "}, "server_label"),
        ({"allowed_tools": "search"}, "allowed_tools"),
        ({"authorization": ""}, "authorization"),
        ({"authorization": "Bearer a\r\nX-Evil: 1"}, "line break"),
        ({"headers": {"Bad Header": "v"}}, "header name"),
    ],
)
def test_a_malformed_tool_is_refused_before_any_request(arguments: dict[str, object], problem: str) -> None:
    options: dict[str, object] = {
        "server_url": "https://mcp.example.com/mcp",
        "server_label": "docs",
        **arguments,
    }
    with pytest.raises(InvalidToolError, match=problem) as caught:
        mcp_tool(**options)  # type: ignore[arg-type]
    assert "a\r\nX-Evil" not in str(caught.value)


def test_fields_xai_does_not_support_are_refused_by_name(grok_server: GrokTestServer) -> None:
    spec = {
        "type": "mcp",
        "server_url": "https://m.example/mcp",
        "server_label": "m",
        "require_approval": "never",
    }
    with (
        _client(grok_server) as client,
        pytest.raises(InvalidToolError, match=r"require_approval.*unsupported"),
    ):
        client.plan(ASK, model=MODEL, server_tools=[spec])
    assert grok_server.requests == []


def test_the_server_refuses_an_mcp_tool_without_a_label(grok_server: GrokTestServer) -> None:
    from grok_transport import BadRequestError

    body = {"model": MODEL, "input": "hi", "tools": [{"type": "mcp", "server_url": "https://m.example/mcp"}]}
    with _client(grok_server) as client, pytest.raises(BadRequestError, match="server_label"):
        client.request_json("POST", "/responses", body)


def test_a_failed_call_and_a_tool_listing_are_kept_as_server_runs() -> None:
    """xAI documents no ``mcp_list_tools`` item (OpenAI has one); if one comes, it is not dropped."""
    from grok_transport._responses_reader import read_response

    listing = {
        "type": "mcp_list_tools",
        "id": "mcpl_1",
        "server_label": "docs",
        "tools": [{"name": "search"}],
    }
    failed = {
        "type": "mcp_call",
        "id": "mcp_1",
        "server_label": "docs",
        "name": "search",
        "arguments": '{"query":"x"}',
        "output": None,
        "error": "the MCP server answered 401",
        "status": "failed",
    }
    message = {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "sorry"}]}
    answer = read_response({"id": "r", "output": [listing, failed, message]})
    runs = [run.as_dict() for run in answer.server_tool_runs]
    assert [(r["type"], r["server_label"]) for r in runs] == [
        ("mcp_list_tools", "docs"),
        ("mcp_call", "docs"),
    ]
    assert runs[0]["tools"] == [{"name": "search"}]
    assert (runs[1]["tool_name"], runs[1]["error"], runs[1]["status"]) == (
        "search",
        "the MCP server answered 401",
        "failed",
    )
    assert answer.text == "sorry"
