"""``ChatGrok`` and ``Grok`` alike on deferred completions, stored responses and remote MCP tools.

Each adapter must defer what it would call live and hand back what the live call returns, keep
the answer xAI serves only once, re-attach by id (as another process would, from a new model),
raise the same typed errors, and keep an MCP tool's credentials out of everything it shows.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from dataclasses import dataclass
from typing import Any

import pytest

import grok_transport
from grok_transport import (
    DeferredResultLostError,
    DeferredResultNotFoundError,
    InvalidParameterError,
    JobTimeoutError,
    NotFoundError,
    mcp_tool,
)
from grok_transport.testing import GrokTestServer, Reply
from grok_transport.testing.deferred import deferred_store

QUESTION = "which planet has the most moons"
TOKEN = "Bearer mcp-secret-1b2c3d4e5f"
FAST = {"poll_interval": 0.01}


@dataclass(frozen=True)
class Adapter:
    """How one framework says the same things: build a model, defer, read a result's text."""

    name: str

    def model(self, server: GrokTestServer, **settings: Any) -> Any:
        options = {"base_url": server.base_url, "api_key": server.api_key, "model": "grok-4.3", **settings}
        if self.name == "langchain":
            from langchain_grok import ChatGrok

            return ChatGrok(**options)
        from llama_index_grok import Grok

        return Grok(**options)

    def live(self, llm: Any, text: str, **kwargs: Any) -> Any:
        if self.name == "langchain":
            return llm.invoke(text, **kwargs)
        from llama_index.core.llms import ChatMessage

        return llm.chat([ChatMessage(role="user", content=text)], **kwargs)

    def defer(self, llm: Any, text: str, **kwargs: Any) -> Any:
        if self.name == "langchain":
            return llm.defer(text, **kwargs)
        from llama_index.core.llms import ChatMessage

        return llm.defer_chat([ChatMessage(role="user", content=text)], **kwargs)

    async def adefer(self, llm: Any, text: str) -> Any:
        return await (llm.adefer(text) if self.name == "langchain" else llm.adefer_complete(text))

    def text(self, result: Any) -> str:
        content = result.content if self.name == "langchain" else result.message.content
        return str(content)

    def response_id(self, result: Any) -> str:
        if self.name == "langchain":
            return str(result.response_metadata["id"])
        return str(result.message.additional_kwargs["response_id"])

    def runs(self, result: Any) -> list[dict[str, Any]]:
        extras = result.additional_kwargs if self.name == "langchain" else result.message.additional_kwargs
        return list(extras.get("server_tool_calls") or ())


ADAPTERS = [Adapter("langchain"), Adapter("llama_index")]
BOTH = pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)


def _fetches(server: GrokTestServer) -> int:
    return sum(1 for r in server.requests if r.path.startswith("/v1/chat/deferred-completion/"))


# -- deferred completions ---------------------------------------------------------------------------


@BOTH
def test_a_deferred_call_answers_what_the_live_call_answers(
    adapter: Adapter, grok_server: GrokTestServer
) -> None:
    llm = adapter.model(grok_server, temperature=0.3)
    live = adapter.live(llm, QUESTION)
    job = adapter.defer(llm, QUESTION)
    assert isinstance(job.id, str) and job.id
    result = job.result(**FAST)
    assert adapter.text(result) == adapter.text(live)
    assert type(result) is type(live)
    assert job.result() is result  # kept: xAI serves it once
    assert _fetches(grok_server) >= 1 and grok_server.requests[1].json["temperature"] == 0.3


@BOTH
def test_a_new_model_re_attaches_by_id_and_the_first_job_keeps_its_answer(
    adapter: Adapter, grok_server: GrokTestServer
) -> None:
    deferred_store(grok_server).complete_after = 0.2
    job = adapter.defer(adapter.model(grok_server), QUESTION)
    elsewhere = adapter.model(grok_server).deferred_job(job.id)  # another process: a model and an id
    collected = elsewhere.result(**FAST)
    assert QUESTION in adapter.text(collected)
    with pytest.raises(DeferredResultNotFoundError, match="already fetched"):
        job.result(**FAST)  # the one delivery went to the other job


@BOTH
def test_the_same_errors_for_the_same_failures(adapter: Adapter, grok_server: GrokTestServer) -> None:
    llm = adapter.model(grok_server)
    with pytest.raises(DeferredResultNotFoundError):
        llm.deferred_job("1c0ffee0-0000-4000-8000-000000000000").result(**FAST)
    deferred_store(grok_server).complete_after = 0.0
    grok_server.enqueue(Reply.text("there are many moons around saturn, most of them small", cut_after=30))
    with pytest.raises(DeferredResultLostError):
        adapter.defer(llm, QUESTION).result(**FAST)
    deferred_store(grok_server).complete_after = 5.0
    with pytest.raises(JobTimeoutError):
        adapter.defer(llm, QUESTION).result(timeout=0.05, **FAST)
    before = len(grok_server.requests)
    with pytest.raises(InvalidParameterError, match="chat completions only"):
        adapter.defer(llm, QUESTION, server_tools=["web_search"])
    assert len(grok_server.requests) == before


@BOTH
def test_async_defer_and_result(adapter: Adapter, grok_server: GrokTestServer) -> None:
    llm = adapter.model(grok_server)

    async def run() -> tuple[Any, Any]:
        job = await adapter.adefer(llm, QUESTION)
        return await job.aresult(**FAST), await job.aresult()

    first, again = asyncio.run(run())
    assert first is again
    assert QUESTION in (first.content if adapter.name == "langchain" else first.text)


def test_langchain_bound_tools_and_structured_output_travel_with_defer(grok_server: GrokTestServer) -> None:
    from pydantic import BaseModel

    class Moon(BaseModel):
        """A moon of a planet."""

        name: str
        planet: str

    llm = Adapter("langchain").model(grok_server)
    called = llm.bind_tools([Moon], tool_choice="Moon").defer("name a moon").result(**FAST)
    assert [c["name"] for c in called.tool_calls] == ["Moon"]
    shaped = llm.with_structured_output(Moon, method="json_schema").first.defer("name a moon").result(**FAST)
    assert set(json.loads(shaped.content)) == {"name", "planet"}
    started = [r.json for r in grok_server.requests if r.method == "POST"]
    assert [("tools" in body, "response_format" in body, body["deferred"]) for body in started] == [
        (True, False, True),
        (False, True, True),
    ]


def test_llama_index_defer_complete_answers_what_complete_answers(grok_server: GrokTestServer) -> None:
    llm = Adapter("llama_index").model(grok_server, temperature=0)
    live = llm.complete(QUESTION)
    job = llm.defer_complete(QUESTION)
    result = job.result(**FAST)
    assert (type(result), result.text) == (type(live), live.text)  # a CompletionResponse, as complete's
    again = llm.deferred_job(job.id, completion=True)  # re-attached: the id is spent, and says so
    with pytest.raises(DeferredResultNotFoundError, match="already fetched"):
        again.result(**FAST)


@pytest.mark.parametrize("use_async", [False, True], ids=["defer_chat", "adefer_chat"])
def test_llama_index_tools_travel_with_defer_chat(grok_server: GrokTestServer, use_async: bool) -> None:
    from llama_index.core.llms import ChatMessage
    from llama_index.core.tools import FunctionTool

    def moon_count(planet: str) -> int:
        """How many moons a planet has."""
        return 146

    llm = Adapter("llama_index").model(grok_server)
    messages = [ChatMessage(role="user", content="moon_count for saturn")]
    options: dict[str, Any] = {"tools": [FunctionTool.from_defaults(moon_count)], "tool_required": True}
    if use_async:
        job = asyncio.run(llm.adefer_chat(messages, **options))
        response = asyncio.run(job.aresult(**FAST))
    else:
        job = llm.defer_chat(messages, **options)
        response = job.result(**FAST)
    calls = llm.get_tool_calls_from_response(response)
    assert [(t.tool_name, t.tool_kwargs) for t in calls] == [("moon_count", {"planet": "saturn"})]


# -- stored responses ----------------------------------------------------------------------------


@BOTH
def test_a_stored_response_reads_back_and_deletes(adapter: Adapter, grok_server: GrokTestServer) -> None:
    llm = adapter.model(grok_server, use_responses_api=True)
    live = adapter.live(llm, QUESTION)
    response_id = adapter.response_id(live)
    stored = llm.get_response(response_id)
    assert adapter.text(stored) == adapter.text(live)
    assert adapter.response_id(stored) == response_id
    assert adapter.text(asyncio.run(llm.aget_response(response_id))) == adapter.text(live)
    assert llm.delete_response(response_id) is True
    with pytest.raises(NotFoundError):
        llm.get_response(response_id)
    with pytest.raises(NotFoundError):
        asyncio.run(llm.adelete_response(response_id))


# -- remote MCP ----------------------------------------------------------------------------------


def _never_shown(adapter: Adapter, llm: Any) -> list[str]:
    """What a user, a tracer or a cache could see of a model (the probes the API key passes)."""
    shown = [repr(llm), str(llm)]
    if adapter.name == "langchain":
        from langchain_core.load import dumpd, dumps

        shown += [dumps(llm), json.dumps(dumpd(llm))]
    else:
        shown += [llm.to_json(), json.dumps(llm.to_dict(), default=str), llm.model_dump_json()]
    return shown


@BOTH
def test_mcp_calls_are_surfaced_and_the_authorization_never_shown(
    adapter: Adapter, grok_server: GrokTestServer
) -> None:
    tool = mcp_tool(
        "https://mcp.example.com/mcp", server_label="astro", allowed_tools=["moons"], authorization=TOKEN
    )
    llm = adapter.model(grok_server, server_tools=[tool])
    result = adapter.live(llm, "moons of saturn")
    [run] = adapter.runs(result)
    assert (run["type"], run["server_label"], run["tool_name"]) == ("mcp_call", "astro", "moons")
    assert run["output"] in adapter.text(result)
    assert grok_server.requests[-1].json["tools"][0]["authorization"] == TOKEN
    for text in _never_shown(adapter, llm):
        assert "mcp-secret" not in text
    revived = pickle.loads(pickle.dumps(llm))  # a worker gets a model that still authenticates
    adapter.live(revived, "moons of saturn")
    assert grok_server.requests[-1].json["tools"][0]["authorization"] == TOKEN
    assert grok_transport.McpTool  # the helper's type is public, for isinstance checks


def test_langchain_mcp_call_becomes_standard_content_blocks(grok_server: GrokTestServer) -> None:
    tool = mcp_tool("https://mcp.example.com/mcp", server_label="astro", authorization=TOKEN)
    message = Adapter("langchain").model(grok_server).bind_tools([tool]).invoke("moons of saturn")
    blocks = [b for b in message.content_blocks if b["type"].startswith("server_tool")]
    assert [b["type"] for b in blocks] == ["server_tool_call", "server_tool_result"]
    assert blocks[0]["args"]["tool_name"] == "search" and blocks[0]["args"]["server_label"] == "astro"
    assert "astro/search" in blocks[1]["output"]
    assert "mcp-secret" not in repr(message)
