"""ChatGrok on xAI's Batch API, over real sockets against the local server's batch endpoints.

What a user relies on: every request of a batch is the request ``invoke`` would send (a bound
model's tools and parameters included), the results are the messages ``invoke`` would return, in
input order, with a failed item in its slot, and a job is collected by id from a fresh model.
The server answers each item as it answers the same request sent alone, so the live calls here
are the reference for both the bodies and the answers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from langchain_core.exceptions import ModelError, ModelInvalidRequestError
from langchain_core.messages import AIMessage, ChatMessage, HumanMessage
from langchain_core.prompt_values import ChatPromptValue
from langchain_core.tools import tool

from grok_transport import BatchItemError
from grok_transport.testing import GrokTestServer
from langchain_grok import ChatGrok
from tests.test_batch_both_adapters import FAILING, ticket
from tests.transport.test_batch import _calls, queue  # noqa: F401  (the fixture below)

pytestmark = pytest.mark.usefixtures("queue")  # items wait a second: the first look sees them pending


@tool
def refund_order(order_id: str) -> str:
    """Refund an order."""
    return f"refunded {order_id}"


def _chat(server: GrokTestServer, **kwargs: Any) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, **kwargs)


def _inputs(count: int, failing: int | None = FAILING) -> list[Any]:
    """Every form ``batch`` takes; even tickets ask for a refund (the server calls the tool)."""
    inputs: list[Any] = []
    for i in range(count):
        text = ticket(i, failing)
        form = i % 3
        if form == 0:
            inputs.append(text)
        elif form == 1:
            inputs.append([("system", "You sort support tickets."), ("human", text)])
        else:
            inputs.append(ChatPromptValue(messages=[HumanMessage(text)]))
    return inputs


def _items(server: GrokTestServer) -> list[dict[str, Any]]:
    """What the adds carried, item by item, in the order sent."""
    return [item for add in _calls(server, "POST", "/requests") for item in add.json["batch_requests"]]


def _live_bodies(server: GrokTestServer, path: str = "/v1/chat/completions") -> dict[str, dict[str, Any]]:
    """The bodies of live calls, by their messages (threads send them in any order)."""
    return {
        json.dumps(r.json.get("messages", r.json.get("input"))): r.json
        for r in server.requests
        if r.path == path
    }


def _same_answer(batched: AIMessage, live: AIMessage) -> None:
    assert batched.content == live.content
    assert batched.tool_calls == live.tool_calls
    assert batched.usage_metadata == live.usage_metadata
    assert batched.response_metadata["cost_in_usd_ticks"] == live.response_metadata["cost_in_usd_ticks"] > 0


def _check_in_order(results: list[Any], live: list[AIMessage]) -> None:
    assert len(results) == len(live) == 250
    for i, (result, reference) in enumerate(zip(results, live, strict=True)):
        if i == FAILING:
            assert isinstance(result, BatchItemError) and isinstance(result, ModelError)
            assert result.index == FAILING
        else:
            _same_answer(result, reference)
            assert bool(result.tool_calls) == (i % 2 == 0)


def test_250_inputs_with_a_bound_tool_are_the_requests_invoke_sends_and_come_back_in_order(
    grok_server: GrokTestServer,
) -> None:
    bound = _chat(grok_server).bind_tools([refund_order])
    inputs = _inputs(250)
    job = bound.batch_submit(inputs)
    assert job.total == 250
    assert job.status().pending == 250

    final = job.wait(poll_interval=0.05, progress=False)
    assert (final.succeeded, final.failed) == (249, 1)
    assert len(_calls(grok_server, "POST", "/v1/batches")) == 1
    polls = [r for r in grok_server.requests if r.method == "GET" and r.path == f"/v1/batches/{job.id}"]
    assert len(polls) >= 3  # the pending look above, then the wait's polls until done

    items = _items(grok_server)
    assert [item["batch_request_id"] for item in items] == [str(i) for i in range(250)]
    bodies = [item["batch_request"]["chat_get_completion"] for item in items]
    assert all(body["tools"][0]["function"]["name"] == "refund_order" for body in bodies)

    results = job.results(return_exceptions=True)
    live = bound.batch(inputs)  # the same inputs, answered one call at a time
    live_bodies = _live_bodies(grok_server)
    assert bodies == [live_bodies[json.dumps(body["messages"])] for body in bodies]
    _check_in_order(results, live)

    with pytest.raises(BatchItemError) as raised:
        job.results()
    assert raised.value.index == FAILING and isinstance(raised.value, ModelError)


@pytest.mark.parametrize(
    "binding",
    [
        pytest.param(lambda llm: llm.bind(temperature=0, seed=7), id="bind"),
        pytest.param(lambda llm: llm.bind_tools([refund_order], tool_choice="refund_order"), id="bind_tools"),
        pytest.param(lambda llm: llm.bind_tools([refund_order]).bind(max_tokens=50), id="bind_tools.bind"),
        pytest.param(lambda llm: llm.with_config(tags=["nightly"]).bind(top_p=0.5), id="with_config.bind"),
        pytest.param(
            lambda llm: llm.with_listeners(on_end=lambda run: None).bind(seed=3), id="with_listeners.bind"
        ),
        pytest.param(lambda llm: llm.bind_tools([{"type": "web_search"}]), id="server_tool"),
    ],
)
def test_a_bound_model_submits_exactly_what_invoke_sends(grok_server: GrokTestServer, binding: Any) -> None:
    bound = binding(_chat(grok_server))
    prompt = "ticket 1: please refund order A-1"
    answer = bound.invoke(prompt)
    [live] = [r for r in grok_server.requests if r.method == "POST"]

    job = bound.batch_submit([prompt])
    [item] = _items(grok_server)
    kind = "responses" if live.path == "/v1/responses" else "chat_get_completion"
    assert item["batch_request"] == {kind: live.json}

    job.wait(poll_interval=0.05, progress=False)
    [message] = job.results()
    assert isinstance(message, AIMessage)
    assert message.content == answer.content and message.tool_calls == answer.tool_calls
    assert message.usage_metadata == answer.usage_metadata


def test_a_fresh_model_collects_the_job_by_id(grok_server: GrokTestServer) -> None:
    inputs = _inputs(250)
    batch_id = _chat(grok_server).bind_tools([refund_order]).batch_submit(inputs).id

    fresh = _chat(grok_server)  # another process holds nothing but the id
    job = fresh.batch_job(batch_id)
    assert job.status().total == 250
    job.wait(poll_interval=0.05, progress=False)
    _check_in_order(job.results(return_exceptions=True), fresh.bind_tools([refund_order]).batch(inputs))


def test_bad_input_is_refused_before_any_request(grok_server: GrokTestServer) -> None:
    llm = _chat(grok_server)
    with pytest.raises(ModelInvalidRequestError):
        llm.batch_submit(["fine", [ChatMessage(role="robot", content="beep")]])
    with pytest.raises(ModelInvalidRequestError, match="at least one"):
        llm.batch_submit([])
    with pytest.raises(ModelInvalidRequestError):
        llm.batch_job("")
    assert grok_server.requests == []


def test_a_bound_model_still_serializes_as_a_plain_binding(grok_server: GrokTestServer) -> None:
    from langchain_core.load import dumpd

    serialized = dumpd(_chat(grok_server).bind_tools([refund_order]))
    assert serialized["id"] == ["langchain", "schema", "runnable", "RunnableBinding"]


async def test_async_round_trip(grok_server: GrokTestServer) -> None:
    bound = _chat(grok_server).bind_tools([refund_order])
    inputs = _inputs(250)
    job = await bound.abatch_submit(inputs)
    assert (await job.astatus()).pending == 250
    final = await job.await_completion(poll_interval=0.05, progress=False)
    assert (final.succeeded, final.failed) == (249, 1)
    assert all("tools" in item["batch_request"]["chat_get_completion"] for item in _items(grok_server))
    _check_in_order(await job.aresults(return_exceptions=True), await bound.abatch(inputs))
    with pytest.raises(BatchItemError):
        await job.aresults()
