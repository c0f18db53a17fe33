"""Grok on xAI's Batch API, over real sockets against the local server's batch endpoints.

Chats come back as the ``ChatResponse`` ``chat_with_tools`` returns, prompt strings as the
``CompletionResponse`` ``complete`` returns, each in its input's slot; every request is the one
the live call sends. The server answers each item as it answers the same request sent alone, so
the live calls here are the reference for both the bodies and the answers.
"""

from __future__ import annotations

from typing import Any

import pytest
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse
from llama_index.core.tools import FunctionTool

from grok_transport import BatchItemError, InvalidMessageError, InvalidParameterError
from grok_transport.testing import GrokTestServer
from llama_index_grok import Grok
from tests.test_batch_both_adapters import FAILING, ticket
from tests.transport.test_batch import _calls, queue  # noqa: F401  (the fixture below)

pytestmark = pytest.mark.usefixtures("queue")  # items wait a second: the first look sees them pending


def refund_order(order_id: str) -> str:
    """Refund an order."""
    return f"refunded {order_id}"


REFUND = FunctionTool.from_defaults(refund_order)


def _llm(server: GrokTestServer) -> Grok:
    return Grok(base_url=server.base_url, api_key=server.api_key, max_retries=0)


def _inputs(count: int, failing: int | None = FAILING) -> list[Any]:
    """Chats, and every third input a prompt string; even tickets ask for a refund."""
    inputs: list[Any] = []
    for i in range(count):
        text = ticket(i, failing)
        if i % 3 == 0:
            inputs.append(text)
        else:
            inputs.append(
                [
                    ChatMessage(role="system", content="You sort support tickets."),
                    ChatMessage(role="user", content=text),
                ]
            )
    return inputs


def _live(llm: Grok, item: Any) -> ChatResponse:
    """The same input answered by a live call."""
    if isinstance(item, str):
        return llm.chat_with_tools([REFUND], user_msg=item)
    return llm.chat_with_tools([REFUND], chat_history=item)


def _bodies(server: GrokTestServer) -> list[dict[str, Any]]:
    """The chat bodies the adds carried, in the order sent."""
    items = [item for add in _calls(server, "POST", "/requests") for item in add.json["batch_requests"]]
    assert [item["batch_request_id"] for item in items] == [str(i) for i in range(len(items))]
    return [item["batch_request"]["chat_get_completion"] for item in items]


def _without_id(metadata: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in metadata.items() if key != "id"}


def _check_in_order(results: list[Any], inputs: list[Any], live: list[ChatResponse]) -> None:
    assert len(results) == len(inputs) == len(live) == 250
    for i, (result, item, reference) in enumerate(zip(results, inputs, live, strict=True)):
        if i == FAILING:
            assert isinstance(result, BatchItemError) and result.index == FAILING
            continue
        calls = reference.message.additional_kwargs.get("tool_calls")
        assert bool(calls) == (i % 2 == 0)
        if isinstance(item, str):
            assert isinstance(result, CompletionResponse)
            assert result.text == reference.message.content
            assert result.additional_kwargs.get("tool_calls") == calls
        else:
            assert isinstance(result, ChatResponse)
            assert result.message.blocks == reference.message.blocks
            assert _without_id(result.additional_kwargs) == _without_id(reference.additional_kwargs)
        assert result.raw["usage"] == reference.raw["usage"]
        assert result.additional_kwargs["cost_in_usd_ticks"] > 0


def test_250_inputs_with_a_tool_are_the_requests_chat_sends_and_come_back_in_order(
    grok_server: GrokTestServer,
) -> None:
    llm = _llm(grok_server)
    inputs = _inputs(250)
    job = llm.batch_submit(inputs, tools=[REFUND])
    assert job.total == 250
    assert job.status().pending == 250

    final = job.wait(poll_interval=0.05, progress=False)
    assert (final.succeeded, final.failed) == (249, 1)
    assert len(_calls(grok_server, "POST", "/v1/batches")) == 1
    assert len([r for r in grok_server.requests if r.path == f"/v1/batches/{job.id}"]) >= 3

    bodies = _bodies(grok_server)
    results = job.results(return_exceptions=True)
    live = [_live(llm, item) for item in inputs]
    live_bodies = [r.json for r in grok_server.requests if r.path == "/v1/chat/completions"]
    assert bodies == live_bodies
    assert all(body["tools"][0]["function"]["name"] == "refund_order" for body in bodies)
    _check_in_order(results, inputs, live)

    with pytest.raises(BatchItemError) as raised:
        job.results()
    assert raised.value.index == FAILING


def test_call_parameters_and_server_tools_are_planned_as_chat_plans_them(grok_server: GrokTestServer) -> None:
    llm = Grok(
        base_url=grok_server.base_url, api_key=grok_server.api_key, server_tools=["web_search"], seed=3
    )
    chat = [ChatMessage(role="user", content="what changed in python 3.14?")]
    llm.chat(chat, temperature=0.2)
    [live] = [r for r in grok_server.requests if r.method == "POST"]
    assert live.path == "/v1/responses"

    job = llm.batch_submit([chat], temperature=0.2)
    [add] = _calls(grok_server, "POST", "/requests")
    assert add.json["batch_requests"][0]["batch_request"] == {"responses": live.json}
    job.wait(poll_interval=0.05, progress=False)
    [response] = job.results()
    assert "python 3.14" in (response.message.content or "")


def test_a_fresh_model_collects_the_job_by_id(grok_server: GrokTestServer) -> None:
    prompts = [f"ticket {i}: the app crashes" for i in range(30)]
    first = _llm(grok_server).batch_submit(prompts)
    first.wait(poll_interval=0.05, progress=False)
    expected = [r.text for r in first.results()]

    fresh = _llm(grok_server)  # another process holds nothing but the id
    as_completions = fresh.batch_job(first.id, completion=True)
    assert as_completions.status().total == 30
    assert [r.text for r in as_completions.results()] == expected
    assert [r.message.content for r in fresh.batch_job(first.id).results()] == expected
    assert all(f"ticket {i}:" in text for i, text in enumerate(expected))


def test_bad_input_is_refused_before_any_request(grok_server: GrokTestServer) -> None:
    llm = _llm(grok_server)
    with pytest.raises(InvalidParameterError, match="list of ChatMessage or a prompt string"):
        llm.batch_submit([ChatMessage(role="user", content="a message, not a chat")])  # type: ignore[list-item]
    with pytest.raises(InvalidMessageError):
        llm.batch_submit(["fine", [ChatMessage.model_construct(role="robot", content="beep")]])
    with pytest.raises(InvalidParameterError, match="at least one"):
        llm.batch_submit([])
    assert grok_server.requests == []


async def test_async_round_trip(grok_server: GrokTestServer) -> None:
    llm = _llm(grok_server)
    inputs = _inputs(250)
    job = await llm.abatch_submit(inputs, tools=[REFUND])
    assert (await job.astatus()).pending == 250
    final = await job.await_completion(poll_interval=0.05, progress=False)
    assert (final.succeeded, final.failed) == (249, 1)
    results = await job.aresults(return_exceptions=True)
    _check_in_order(results, inputs, [_live(llm, item) for item in inputs])
    with pytest.raises(BatchItemError):
        await job.aresults()
