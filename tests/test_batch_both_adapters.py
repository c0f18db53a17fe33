"""The recorded xAI batch replays through ``ChatGrok`` and ``Grok`` alike.

The recording (two prompts sent as ``/v1/responses`` bodies with ``store: false``, polled until
done, answered as chat completions) is replayed with vcrpy, matching method and path only. Each
adapter must send, item by item, the bodies that were recorded (its plan for a Responses call
with ``store=False`` is the recorded one), and read the recorded answers and their costs back in
input order. Expectations are read from the recording's bytes, not from project code.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from tests.conformance.wire_cassettes import replay
from tests.transport.test_batch import _recorded, _recorded_expectations

Submit = Callable[[httpx.Client, list[str]], list[tuple[str, int]]]
"""Submit prompts through an adapter, wait, and return each result's (text, cost in ticks)."""


def _langchain(http_client: httpx.Client, prompts: list[str]) -> list[tuple[str, int]]:
    from langchain_grok import ChatGrok

    llm = ChatGrok(
        model="grok-4.3", api_key="xai-replay", use_responses_api=True, store=False, http_client=http_client
    )
    job = llm.batch_submit(prompts)
    job.wait(poll_interval=0.01, progress=False)
    return [(str(m.content), m.response_metadata["cost_in_usd_ticks"]) for m in job.results()]


def _llama_index(http_client: httpx.Client, prompts: list[str]) -> list[tuple[str, int]]:
    from llama_index_grok import Grok

    llm = Grok(
        model="grok-4.3", api_key="xai-replay", use_responses_api=True, store=False, http_client=http_client
    )
    job = llm.batch_submit(prompts)
    job.wait(poll_interval=0.01, progress=False)
    return [(r.text, r.additional_kwargs["cost_in_usd_ticks"]) for r in job.results()]


@pytest.mark.wire
@pytest.mark.parametrize("submit", [_langchain, _llama_index], ids=["langchain", "llama_index"])
def test_recorded_batch_replays_through_the_adapter(submit: Submit) -> None:
    path, interactions = _recorded()
    _, bodies, answers = _recorded_expectations(interactions)
    page = json.loads(interactions[-1]["response"]["body"]["string"])["results"]
    cost = {
        r["batch_request_id"]: r["batch_result"]["response"]["chat_get_completion"]["usage"][
            "cost_in_usd_ticks"
        ]
        for r in page
    }
    prompts = [body["input"][0]["content"] for body in bodies]

    sent: list[httpx.Request] = []
    with replay(path), httpx.Client(event_hooks={"request": [sent.append]}) as http_client:
        results = submit(http_client, prompts)

    assert results == list(zip(answers, (cost["0"], cost["1"]), strict=True))
    [add] = [r for r in sent if r.url.path.endswith("/requests")]
    items = json.loads(add.content)["batch_requests"]
    assert [item["batch_request"]["responses"] for item in items] == bodies
