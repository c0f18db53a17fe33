"""Deferred completions over a real socket: started, pending, delivered once, and what breaks.

The local server answers ``"deferred": true`` with a request id, then 202 until
``complete_after`` seconds have passed, then the completion once, then 404 (docs/wire.md,
"Deferred completions"). A result lost on the way cannot be fetched again, so the client must
say so instead of reporting an unknown id.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import pytest

from grok_transport import (
    AsyncGrokClient,
    DeferredResultLostError,
    DeferredResultNotFoundError,
    GrokClient,
    GrokDeferredJob,
    InvalidParameterError,
    JobTimeoutError,
    NotFoundError,
    ServerError,
    mcp_tool,
)
from grok_transport.testing import GrokTestServer, Reply
from grok_transport.testing.deferred import deferred_store

ASK = [{"role": "user", "content": "how many legs has a spider"}]
MODEL = "grok-4.3"


def _client(server: GrokTestServer, **options: object) -> GrokClient:
    return GrokClient(api_key=server.api_key, base_url=server.base_url, **options)  # type: ignore[arg-type]


def _fetches(server: GrokTestServer) -> list[str]:
    return [r.path for r in server.requests if r.path.startswith("/v1/chat/deferred-completion/")]


def test_a_deferred_call_is_pending_then_answers_what_a_live_call_answers(
    grok_server: GrokTestServer,
) -> None:
    deferred_store(grok_server).complete_after = 0.3
    with _client(grok_server) as client:
        live = client.chat(ASK, model=MODEL)
        request_id = client.deferred.start(client.plan(ASK, model=MODEL))
        assert client.deferred.fetch(request_id) is None  # 202, empty body: still pending
        answer = client.deferred.wait(request_id, poll_interval=0.02)
    assert grok_server.requests[1].json == {**grok_server.requests[0].json, "deferred": True}
    assert (answer.text, answer.finish_reason) == (live.text, live.finish_reason)
    assert answer.usage is not None and answer.usage.total_tokens == live.usage.total_tokens  # type: ignore[union-attr]
    assert len(_fetches(grok_server)) >= 2


def test_a_second_fetch_is_not_found_and_says_why(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.0
    with _client(grok_server) as client:
        request_id = client.deferred.start(client.plan(ASK, model=MODEL))
        assert client.deferred.fetch(request_id) is not None
        with pytest.raises(DeferredResultNotFoundError, match="already fetched") as caught:
            client.deferred.fetch(request_id)
    assert caught.value.deferred_id == request_id
    assert caught.value.status_code == 404
    assert len(_fetches(grok_server)) == 2  # a 404 is not retried


def test_a_job_keeps_the_answer_it_fetched_and_returns_it_every_time(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.0
    with _client(grok_server) as client:
        job = client.deferred.submit(client.plan(ASK, model=MODEL))
        first = job.result(poll_interval=0.01)
        assert job.result() is first
        assert job.fetch() is first
    assert job.done and job.answer is first
    assert len(_fetches(grok_server)) == 1


def test_threads_sharing_a_job_share_its_one_fetch(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.2
    with _client(grok_server) as client:
        job = client.deferred.submit(client.plan(ASK, model=MODEL))
        results: list[object] = []
        threads = [
            threading.Thread(target=lambda: results.append(job.result(poll_interval=0.01))) for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(results) == 4 and all(r is results[0] for r in results)  # one that met the 404 would miss


def test_a_delivery_cut_mid_body_is_reported_as_lost_not_as_unknown(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.0
    grok_server.enqueue(Reply.text("eight legs, and eight eyes on most of them", cut_after=40))
    with _client(grok_server, max_retries=3) as client:
        job = client.deferred.submit(client.plan(ASK, model=MODEL))
        with pytest.raises(DeferredResultLostError, match="delivered but the connection broke") as caught:
            job.result(poll_interval=0.01)
        with pytest.raises(DeferredResultLostError):  # the job remembers: a later look says the same
            job.fetch()
    assert caught.value.deferred_id == job.id
    assert not caught.value.retryable
    # the cut delivery, one look that found it gone (404), and the job's later look: no blind retries
    assert len(_fetches(grok_server)) == 3


def test_an_unknown_id_is_not_found_at_once(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client, pytest.raises(DeferredResultNotFoundError, match="unknown, expired"):
        client.deferred.wait("0b8b2f3e-0000-4000-8000-000000000000", poll_interval=0.01)
    assert len(_fetches(grok_server)) == 1


def test_a_wait_that_times_out_leaves_the_job_to_collect_later(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.5
    with _client(grok_server) as client:
        job = client.deferred.submit(client.plan(ASK, model=MODEL))
        with pytest.raises(JobTimeoutError) as caught:
            job.result(timeout=0.05, poll_interval=0.01)
        assert caught.value.job_id == job.id
        time.sleep(0.5)
        again = GrokDeferredJob(client, caught.value.job_id)  # re-attached by id, as another process would
        assert again.result(poll_interval=0.01).text


@pytest.mark.parametrize(
    ("params", "problem"),
    [
        ({"server_tools": ["web_search"]}, "chat completions only"),
        (
            {"server_tools": [mcp_tool("https://mcp.example.com/mcp", server_label="docs")]},
            "chat completions only",
        ),
        ({"previous_response_id": "resp_1"}, "chat completions only"),
        ({"stream": True}, "cannot be streamed"),
    ],
)
def test_what_cannot_be_deferred_is_refused_before_any_request(
    grok_server: GrokTestServer, params: dict[str, object], problem: str
) -> None:
    with _client(grok_server) as client, pytest.raises(InvalidParameterError, match=problem):
        client.deferred.start(client.plan(ASK, model=MODEL, **params))  # type: ignore[arg-type]
    assert grok_server.requests == []


@pytest.mark.parametrize("bad", ["", " ", "..", "."])
def test_a_blank_or_dot_id_is_refused_before_any_request(grok_server: GrokTestServer, bad: str) -> None:
    with _client(grok_server) as client:
        with pytest.raises(InvalidParameterError):
            GrokDeferredJob(client, bad)
        with pytest.raises(InvalidParameterError):
            client.deferred.fetch(bad)
    assert grok_server.requests == []


def test_the_async_client_starts_waits_and_keeps_the_answer(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.1

    async def run() -> tuple[str, object, object, object]:
        async with AsyncGrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
            job = await client.deferred.submit(client.plan(ASK, model=MODEL))
            assert await job.afetch() is None
            first, second = await asyncio.gather(
                job.aresult(poll_interval=0.01), job.aresult(poll_interval=0.01)
            )
            return job.id, first, second, await job.aresult()

    request_id, first, second, third = asyncio.run(run())
    assert first is second is third
    assert "spider" in first.text  # type: ignore[attr-defined]
    with _client(grok_server) as client, pytest.raises(DeferredResultNotFoundError):
        client.deferred.fetch(request_id)  # handed over once, to the one fetch the job shared


def test_a_job_without_the_client_it_needs_says_which_to_pass(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        job = GrokDeferredJob(client, "req-1")
        with pytest.raises(TypeError, match="async_client="):
            asyncio.run(job.aresult())


@pytest.mark.parametrize("dialect", ["grokapi", "grokinc"])
def test_a_provider_without_deferred_completions_is_refused_before_any_request(
    grok_server_factory: Callable[..., GrokTestServer], dialect: str
) -> None:
    server = grok_server_factory(dialect)
    client = GrokClient(provider=dialect, api_key=server.api_key, base_url=server.base_url)
    with client, pytest.raises(InvalidParameterError, match="xAI feature"):
        client.deferred.start(client.plan(ASK, model="grok-3"))
    assert server.requests == []


def test_a_request_that_failed_at_xai_raises_the_server_message_once(grok_server: GrokTestServer) -> None:
    deferred_store(grok_server).complete_after = 0.0
    grok_server.enqueue(Reply.error_in_body("Timed out waiting for first token"))
    with _client(grok_server, max_retries=3) as client:
        job = client.deferred.submit(client.plan(ASK, model=MODEL))
        with pytest.raises(ServerError, match="Timed out waiting for first token"):
            job.result(poll_interval=0.01)
    assert len(_fetches(grok_server)) == 1  # the failure was the one delivery: asking again cannot help


def test_clear_forgets_deferred_requests_and_batches_but_keeps_their_settings(
    grok_server: GrokTestServer,
) -> None:
    from grok_transport.testing.batch import batch_queue

    deferred_store(grok_server).complete_after = 0.0
    batch_queue(grok_server).fail_marker = "[[odd]]"
    with _client(grok_server) as client:
        request_id = client.deferred.start(client.plan(ASK, model=MODEL))
        batch = client.batches.create("before the clear")
        grok_server.clear()  # what one test left must not answer in the next
        with pytest.raises(DeferredResultNotFoundError):
            client.deferred.fetch(request_id)
        assert list(client.batches.list()) == []
        with pytest.raises(NotFoundError):
            client.batches.get(batch.id)
    assert deferred_store(grok_server).complete_after == 0.0
    assert batch_queue(grok_server).fail_marker == "[[odd]]"
