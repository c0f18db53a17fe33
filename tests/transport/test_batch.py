"""xAI's Batch API through the transport: the real recording replayed, then the local server.

The recording (ruby_llm's two-item batch, Aug 2026) is replayed with vcrpy, matching method and
path only, and the expected answers are read from its bytes here, not from project code. Every
other test runs over a real socket against ``GrokTestServer``'s batch endpoints, whose timing and
failures are set through :func:`grok_transport.testing.batch.batch_queue`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from grok_transport import (
    AsyncGrokClient,
    BatchItemError,
    BatchSubmitError,
    GrokBatchJob,
    GrokClient,
    InvalidParameterError,
)
from grok_transport.testing import GrokTestServer
from grok_transport.testing.batch import BatchQueue, batch_queue
from tests.conformance.wire_cassettes import replay, require_shared_wire

RECORDING = "ruby_llm/batch_with_xai_grok-4-1-fast-non-reasoning_answers_staged_chats_and_appends_the_answers_to_their_conversations.yaml"
FAILING = 137


def _text(answer: Any) -> str:
    """A finished item's text, and proof that it is an answer, not an error."""
    assert not isinstance(answer, BatchItemError), answer
    return answer.text


def _recorded() -> tuple[Path, list[dict[str, Any]]]:
    path = require_shared_wire() / RECORDING
    return path, yaml.safe_load(path.read_text())["interactions"]


def _recorded_expectations(interactions: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]], list[str]]:
    """The batch id, the request bodies sent, and each item's answer text by input position."""
    created = json.loads(interactions[0]["response"]["body"]["string"])
    sent = json.loads(interactions[1]["request"]["body"])["batch_requests"]
    page = json.loads(interactions[-1]["response"]["body"]["string"])
    by_id = {
        r["batch_request_id"]: r["batch_result"]["response"]["chat_get_completion"]["choices"][0]["message"][
            "content"
        ]
        for r in page["results"]
    }
    return (
        created["batch_id"],
        [s["batch_request"]["responses"] for s in sent],
        [by_id[s["batch_request_id"]] for s in sent],
    )


@pytest.mark.wire
def test_recorded_batch_replays_through_the_transport() -> None:
    path, interactions = _recorded()
    batch_id, bodies, answers = _recorded_expectations(interactions)
    client = GrokClient(api_key="xai-replay")
    with replay(path):
        job = client.batches.submit(bodies, endpoint="/responses")
        assert job.id == batch_id
        status = job.wait(poll_interval=0.01, progress=False)
        results = job.results()
    assert (status.total, status.pending, status.succeeded, status.failed) == (2, 0, 2, 0)
    assert [_text(r) for r in results] == answers
    assert all(r.usage and r.usage.cost_in_usd_ticks for r in results)


@pytest.mark.wire
async def test_recorded_batch_replays_through_the_async_transport() -> None:
    path, interactions = _recorded()
    batch_id, bodies, answers = _recorded_expectations(interactions)
    client = AsyncGrokClient(api_key="xai-replay")
    with replay(path):
        job = await client.batches.submit(bodies, endpoint="/responses")
        status = await job.await_completion(poll_interval=0.01, progress=False)
        results = await job.aresults()
    assert job.id == batch_id and status.succeeded == 2
    assert [_text(r) for r in results] == answers


# the local server ---------------------------------------------------------------------------


def _prompts(count: int, failing: int | None = FAILING) -> Iterator[dict[str, Any]]:
    """Chat bodies drawn lazily, as a caller with 100,000 prompts would hand them over."""
    for i in range(count):
        marker = " [[batch-fail]]" if i == failing else ""
        yield {
            "model": "grok-4.3",
            "messages": [{"role": "user", "content": f"is ticket {i} spam?{marker}"}],
        }


@pytest.fixture
def queue(grok_server: GrokTestServer) -> BatchQueue:
    queue = batch_queue(grok_server)
    queue.delay = 1.0  # long enough that the first poll sees every item pending
    return queue


def _client(server: GrokTestServer, **kw: Any) -> GrokClient:
    return GrokClient(api_key=server.api_key, base_url=server.base_url, **kw)


def _async_client(server: GrokTestServer, **kw: Any) -> AsyncGrokClient:
    return AsyncGrokClient(api_key=server.api_key, base_url=server.base_url, **kw)


def _calls(server: GrokTestServer, method: str, suffix: str) -> list[Any]:
    return [r for r in server.requests if r.method == method and r.path.endswith(suffix)]


def _check_in_order(results: list[Any], queue: BatchQueue) -> None:
    assert len(results) == 250
    for i, result in enumerate(results):
        if i == FAILING:
            assert isinstance(result, BatchItemError)
            assert (result.index, result.message) == (FAILING, queue.failure_message)
        else:
            assert f"ticket {i} spam" in _text(result)


def test_250_prompts_one_create_bounded_adds_polls_and_results_in_input_order(
    grok_server: GrokTestServer, queue: BatchQueue
) -> None:
    client = _client(grok_server)
    job = client.batches.submit(_prompts(250), max_items=100)
    assert job.total == 250
    first = job.status()
    assert (first.total, first.pending) == (250, 250)

    final = job.wait(poll_interval=0.05, progress=False)
    assert (final.pending, final.succeeded, final.failed) == (0, 249, 1)

    assert len(_calls(grok_server, "POST", "/v1/batches")) == 1
    adds = _calls(grok_server, "POST", "/requests")
    assert [len(a.json["batch_requests"]) for a in adds] == [100, 100, 50]
    sent = [item["batch_request_id"] for a in adds for item in a.json["batch_requests"]]
    assert sent == [str(i) for i in range(250)]
    polls = [r for r in grok_server.requests if r.method == "GET" and r.path == f"/v1/batches/{job.id}"]
    assert len(polls) >= 3  # the pending look above, then the wait's polls until done

    _check_in_order(job.results(return_exceptions=True, page_size=40), queue)
    with pytest.raises(BatchItemError) as raised:
        job.results()
    assert raised.value.index == FAILING


def test_results_arrive_shuffled_and_paginated(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    queue.delay = 0.0
    client = _client(grok_server)
    job = client.batches.submit(_prompts(60, failing=None))
    job.wait(poll_interval=0.02, progress=False)
    pages = list(client.batches.result_pages(job.id, limit=25))
    assert [len(p) for p in pages] == [25, 25, 10]
    order = [int(r["batch_request_id"]) for page in pages for r in page]
    assert sorted(order) == list(range(60)) and order != sorted(order)
    assert [_text(r) for r in job.results()] == [
        _text(r) for r in GrokBatchJob(client, job.id).results(page_size=7)
    ]


def test_a_fresh_client_resumes_the_job_by_id(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    batch_id = _client(grok_server).batches.submit(_prompts(250), max_items=100).id

    fresh = _client(grok_server)  # another process would hold nothing but the id
    job = GrokBatchJob(fresh, batch_id)
    assert job.status().total == 250
    job.wait(poll_interval=0.05, progress=False)
    _check_in_order(job.results(return_exceptions=True), queue)


def test_cancel_stops_pending_items_and_their_slots_say_so(
    grok_server: GrokTestServer, queue: BatchQueue
) -> None:
    queue.delay = 3600.0
    client = _client(grok_server)
    job = client.batches.submit(_prompts(20, failing=None))
    status = job.cancel()
    assert (status.total, status.pending, status.cancelled) == (20, 0, 20)
    assert status.cancelled_at is not None
    assert job.wait(poll_interval=0.05, progress=False).done
    results = job.results(return_exceptions=True)
    assert all(isinstance(r, BatchItemError) and "cancelled" in r.message for r in results)
    with pytest.raises(BatchSubmitError) as raised:
        client.batches.add(job.id, _prompts(1, failing=None), start=20)
    assert raised.value.status_code == 400 and raised.value.batch_id == job.id


def test_a_failed_add_names_the_batch_so_the_rest_can_follow(
    grok_server: GrokTestServer, queue: BatchQueue
) -> None:
    queue.delay = 0.0
    queue.add_calls_per_window = 2  # the grok_server now refuses the third add call with a 429
    client = _client(grok_server, max_retries=0)
    with pytest.raises(BatchSubmitError) as raised:
        client.batches.submit(_prompts(50, failing=None), max_items=10)
    error = raised.value
    assert (error.status_code, error.submitted) == (429, 20)

    queue.add_calls_per_window = 100
    rest = (body for i, body in enumerate(_prompts(50, failing=None)) if i >= error.submitted)
    assert client.batches.add(error.batch_id, rest, start=error.submitted) == 30
    job = GrokBatchJob(client, error.batch_id)
    job.wait(poll_interval=0.02, progress=False)
    assert [f"ticket {i} spam" in _text(r) for i, r in enumerate(job.results())] == [True] * 50


def test_each_item_is_answered_as_its_endpoint_would_answer_it(
    grok_server: GrokTestServer, queue: BatchQueue
) -> None:
    queue.delay = 0.0
    client = _client(grok_server)
    chat = client.batches.submit(
        [
            {"model": "grok-4.3", "messages": [{"role": "user", "content": "what is a batch?"}]},
            {"model": "grok-4.3", "messages": [{"role": "robot", "content": "beep"}]},
        ]
    )
    chat.wait(poll_interval=0.02, progress=False)
    answer, rejected = chat.results(return_exceptions=True)
    assert "what is a batch?" in _text(answer)
    assert isinstance(rejected, BatchItemError) and "unknown variant `robot`" in rejected.message
    alone = client.request_json(
        "POST",
        "/chat/completions",
        {"model": "grok-4.3", "messages": [{"role": "user", "content": "what is a batch?"}]},
    )
    assert _text(answer) == alone["choices"][0]["message"]["content"]

    responses = client.batches.submit(
        [{"model": "grok-4.3", "input": [{"role": "user", "content": "what is 2 + 2?"}], "store": False}],
        endpoint="/responses",
    )
    responses.wait(poll_interval=0.02, progress=False)
    [result] = responses.results()
    assert "what is 2 + 2?" in _text(result)
    assert result.usage is not None and result.usage.total_tokens > 0
    # As recorded: a Responses item comes back as a chat completion.
    [page] = client.batches.result_pages(responses.id)
    assert page[0]["batch_result"]["response"]["chat_get_completion"]["object"] == "chat.completion"


def test_list_shows_every_batch_newest_first(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    client = _client(grok_server)
    first = client.batches.create("first").id
    second = client.batches.create("second").id
    listed = list(client.batches.list(limit=1))
    assert [b.id for b in listed] == [second, first]
    assert [b.name for b in listed] == ["second", "first"]


def test_bad_input_fails_before_any_request(grok_server: GrokTestServer) -> None:
    client = _client(grok_server)
    with pytest.raises(InvalidParameterError):
        client.batches.submit(_prompts(3), endpoint="/images/generations")  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError):
        client.batches.submit([])
    with pytest.raises(InvalidParameterError):
        client.batches.add("", _prompts(3))
    with pytest.raises(InvalidParameterError):  # "/batches/.." would be sent as GET /v1
        client.batches.get("..")
    with pytest.raises(InvalidParameterError):
        client.batches.add("batch_x", _prompts(3), max_bytes=30_000_000)
    with pytest.raises(InvalidParameterError):
        client.batches.add("batch_x", ["not a body"])  # type: ignore[list-item]
    with pytest.raises(InvalidParameterError):
        client.batches.add("batch_x", _prompts(1), max_bytes=50)
    with pytest.raises(InvalidParameterError):
        GrokBatchJob(client, "batch_x").wait(poll_interval=-1)
    assert grok_server.requests == []


def test_wait_gives_up_after_its_timeout_and_the_job_lives_on(
    grok_server: GrokTestServer, queue: BatchQueue
) -> None:
    queue.delay = 3600.0
    job = _client(grok_server).batches.submit(_prompts(5, failing=None))
    with pytest.raises(TimeoutError, match=job.id):
        job.wait(poll_interval=0.02, timeout=0.1, progress=False)
    assert job.status().pending == 5


def test_paced_processing_shows_partial_progress(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    queue.delay = 0.0
    queue.items_per_second = 1e-9  # one item at the first look, then nothing for a very long time
    job = _client(grok_server).batches.submit(_prompts(8, failing=None))
    assert (job.status().succeeded, job.status().pending) == (1, 7)
    with pytest.raises(TimeoutError):
        job.wait(poll_interval=0.02, timeout=0.1, progress=False)
    results = job.results(return_exceptions=True)
    waiting = [r for r in results if isinstance(r, BatchItemError)]
    assert len(waiting) == 7 and all("still pending" in r.message for r in waiting)


def test_progress_bar_shows_counts_and_can_be_turned_off(
    grok_server: GrokTestServer, queue: BatchQueue, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    queue.delay = 0.0
    job = _client(grok_server).batches.submit(_prompts(250), max_items=100)
    job.wait(poll_interval=0.02)
    shown = capsys.readouterr().err
    assert "250/250" in shown and "249 ok, 1 failed, 0 cancelled" in shown

    job.wait(poll_interval=0.02, progress=False)
    assert capsys.readouterr().err == ""


def test_a_job_says_which_client_it_lacks(grok_server: GrokTestServer) -> None:
    job = GrokBatchJob(_async_client(grok_server), "batch_x")
    with pytest.raises(TypeError, match="no GrokClient"):
        job.status()


# async twins ----------------------------------------------------------------------------------


async def test_async_250_prompts_round_trip(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    client = _async_client(grok_server)
    job = await client.batches.submit(_prompts(250), max_items=100)
    assert (await job.astatus()).pending == 250
    final = await job.await_completion(poll_interval=0.05, progress=False)
    assert (final.succeeded, final.failed) == (249, 1)
    assert [len(a.json["batch_requests"]) for a in _calls(grok_server, "POST", "/requests")] == [100, 100, 50]
    _check_in_order(await job.aresults(return_exceptions=True, page_size=40), queue)
    with pytest.raises(BatchItemError):
        await job.aresults()


async def test_async_resume_by_id_and_cancel(grok_server: GrokTestServer, queue: BatchQueue) -> None:
    queue.delay = 3600.0
    batch_id = (await _async_client(grok_server).batches.submit(_prompts(10, failing=None))).id
    job = GrokBatchJob(_async_client(grok_server), batch_id, sync_client=_client(grok_server))
    assert (await job.astatus()).pending == 10
    assert (await job.acancel()).cancelled == 10
    assert job.status().cancelled == 10  # the same job, through its blocking client
    results = await job.aresults(return_exceptions=True)
    assert all(isinstance(r, BatchItemError) for r in results)
    assert [b.id async for b in _async_client(grok_server).batches.list()] == [batch_id]
