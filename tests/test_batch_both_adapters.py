"""``ChatGrok`` and ``Grok`` on xAI's Batch API alike: the recorded batch, and cancelling.

The recording (two prompts sent as ``/v1/responses`` bodies with ``store: false``, polled until
done, answered as chat completions) is replayed with vcrpy, matching method and path only. Each
adapter must send, item by item, the bodies that were recorded (its plan for a Responses call
with ``store=False`` is the recorded one), and read the recorded answers and their costs back in
input order. Expectations are read from the recording's bytes, not from project code.

Both adapters hand back prompt strings' answers with a ``text``: ``AIMessage.text`` and
``CompletionResponse.text``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from grok_transport import BatchItemError
from grok_transport.testing import GrokTestServer
from grok_transport.testing.batch import batch_queue
from tests.conformance.wire_cassettes import replay
from tests.transport.test_batch import _recorded, _recorded_expectations

FAILING = 137
"""The item the adapters' 250-input tests mark to fail."""


def ticket(i: int, failing: int | None = FAILING) -> str:
    """The text of input ``i``: even tickets ask for a refund (the server calls a refund tool)."""
    text = f"ticket {i}: please refund order A-{i}" if i % 2 == 0 else f"ticket {i}: the app crashes"
    return text + " [[batch-fail]]" if i == failing else text


Make = Callable[..., Any]
"""Build an adapter's chat model from settings."""


def _langchain(**settings: Any) -> Any:
    from langchain_grok import ChatGrok

    return ChatGrok(**settings)


def _llama_index(**settings: Any) -> Any:
    from llama_index_grok import Grok

    return Grok(**settings)


ADAPTERS = pytest.mark.parametrize("make", [_langchain, _llama_index], ids=["langchain", "llama_index"])


def _cost(result: Any) -> int:
    """The item's cost: in ``response_metadata`` (LangChain) or ``additional_kwargs`` (LlamaIndex)."""
    metadata = getattr(result, "response_metadata", None) or result.additional_kwargs
    return int(metadata["cost_in_usd_ticks"])


@pytest.mark.wire
@ADAPTERS
def test_recorded_batch_replays_through_the_adapter(make: Make) -> None:
    path, interactions = _recorded()
    _, bodies, answers = _recorded_expectations(interactions)
    page = json.loads(interactions[-1]["response"]["body"]["string"])["results"]
    cost = {
        r["batch_request_id"]: r["batch_result"]["response"]["chat_get_completion"]["usage"][
            "cost_in_usd_ticks"
        ]
        for r in page
    }

    sent: list[httpx.Request] = []
    with replay(path), httpx.Client(event_hooks={"request": [sent.append]}) as http_client:
        llm = make(
            model="grok-4.3",
            api_key="xai-replay",
            use_responses_api=True,
            store=False,
            http_client=http_client,
        )
        job = llm.batch_submit([body["input"][0]["content"] for body in bodies])
        job.wait(poll_interval=0.01, progress=False)
        results = job.results()

    assert [(r.text, _cost(r)) for r in results] == list(zip(answers, (cost["0"], cost["1"]), strict=True))
    [add] = [r for r in sent if r.url.path.endswith("/requests")]
    assert [
        item["batch_request"]["responses"] for item in json.loads(add.content)["batch_requests"]
    ] == bodies


PROMPTS = [f"ticket {i}: the app crashes" for i in range(20)]


def _slow(make: Make, server: GrokTestServer) -> Any:
    """A model whose batches stay pending: the server's queue waits an hour."""
    batch_queue(server).delay = 3600.0
    return make(base_url=server.base_url, api_key=server.api_key)


def _all_cancelled(results: list[Any]) -> bool:
    return len(results) == 20 and all(
        isinstance(r, BatchItemError) and "cancelled" in r.message for r in results
    )


@ADAPTERS
def test_cancel_leaves_every_pending_item_a_cancelled_error(make: Make, grok_server: GrokTestServer) -> None:
    llm = _slow(make, grok_server)
    job = llm.batch_submit(PROMPTS)
    status = job.cancel()
    assert (status.total, status.pending, status.cancelled) == (20, 0, 20)
    assert _all_cancelled(job.results(return_exceptions=True))
    with pytest.raises(BatchItemError, match="cancelled"):
        job.results()
    assert llm.batch_job(job.id).wait(poll_interval=0.01, progress=False).cancelled == 20


@ADAPTERS
async def test_async_cancel(make: Make, grok_server: GrokTestServer) -> None:
    job = await _slow(make, grok_server).abatch_submit(PROMPTS)
    assert (await job.acancel()).cancelled == 20
    assert _all_cancelled(await job.aresults(return_exceptions=True))
