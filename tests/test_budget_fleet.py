"""Many processes, one key: worker processes share one budget on a real Redis (issue 19).

Each test starts three worker processes (tests/fleet.py) of one subject — the transport, LangChain's
``ChatGrok``, LlamaIndex's ``Grok`` — against a local server in quota mode, and releases them
at the same moment. What a user would see: with the shared budget the server refuses nothing,
every call succeeds, a 429 holds the whole fleet back, a Redis that dies and comes back costs
one warning per worker and no call, and the key is nowhere in Redis.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from grok_transport.testing import GrokTestServer, Quota, Reply
from tests.fleet import Fleet, WorkerConfig

SUBJECTS = ["transport", "langchain", "llama_index"]
WORKERS = 3


def _fleet(server: GrokTestServer, subject: str, store: str, **options: Any) -> Fleet:
    configs = [
        WorkerConfig(subject, server.base_url, server.api_key, store, name=f"w{i}", **options)
        for i in range(WORKERS)
    ]
    return Fleet(configs)


def _everything_in(url: str) -> list[bytes]:
    """Every key and every value Redis holds."""
    import redis

    client = redis.Redis.from_url(url)
    found: list[bytes] = []
    for key in client.scan_iter():
        found.append(key)
        kind = client.type(key)
        if kind == b"hash":
            for field, value in client.hgetall(key).items():
                found += [field, value]
        elif kind == b"zset":
            found += client.zrange(key, 0, -1)
        else:
            found.append(client.dump(key) or b"")
    return found


@pytest.mark.parametrize("subject", SUBJECTS)
def test_a_fleet_shares_one_budget_waits_out_a_429_together_and_corrects_tokens_from_usage(
    subject: str, redis_url: str
) -> None:
    quota = Quota(rps=10, tpm=50_000)
    with GrokTestServer(quota=quota) as server:
        # The fleet's first request meets a 429 with Retry-After: 2; its worker pauses everyone.
        server.enqueue(Reply.error(429, retry_after=2))
        # 600 rpm is the server's 10 rps. 3,000 tokens per minute admits only two calls at the
        # estimate (1,000 completion tokens each) and refills 50 tokens a second: without the
        # correction from usage (a few dozen tokens each), the last calls could not get tokens
        # within their 5 s timeout and would fail.
        fleet = _fleet(server, subject, redis_url, rpm=600, tpm=3_000, max_tokens=1_000, calls=6, timeout=5)
        results = fleet.start().results()
        stored = _everything_in(redis_url)

        assert [result["errors"] for result, _ in results] == [[]] * WORKERS
        assert sum(result["ok"] for result, _ in results) == WORKERS * 6
        assert server.quota is not None
        assert server.quota.refused == 0  # not one 429 from the quota: the fleet kept to it
        arrivals = list(server.quota.arrivals)
        assert len(arrivals) == WORKERS * 6 + 1  # every call once, plus the one that met the 429
        assert arrivals[1] - arrivals[0] > 1.5  # nobody sent during the 2 s pause
        # spread at 10 a second, never a burst (one late wake-up may bunch two: margin for CI)
        assert arrivals[-1] - arrivals[1] > 0.8 * (len(arrivals) - 2) / 10

    assert stored, "the budget was not in Redis"
    assert not [item for item in stored if server.api_key.encode() in item]


def test_per_process_budgets_collect_429s_where_the_shared_one_collects_none(redis_url: str) -> None:
    """The counterfactual of the test above: the same fleet, each worker with its own budget."""
    refused = {}
    for store in ("memory", redis_url):
        with GrokTestServer(quota=Quota(rps=10, burst=0.5)) as server:
            _fleet(server, "transport", store, rpm=600, calls=8, stream_every=0).start().results()
            assert server.quota is not None
            refused[store] = server.quota.refused
    assert refused[redis_url] == 0
    assert refused["memory"] >= 5  # three workers each spending the whole 10 rps


@pytest.mark.parametrize("subject", SUBJECTS)
def test_redis_lost_and_back_mid_run_costs_one_warning_per_worker_and_no_call(
    subject: str, redis_server: Any, redis_url: str
) -> None:
    with GrokTestServer(quota=Quota(rps=10)) as server:
        fleet = _fleet(server, subject, redis_url, rpm=600, calls=14, concurrency=2).start()
        time.sleep(1.0)
        redis_server.stop()  # lost mid-run (killed: a crash, not a clean shutdown)
        time.sleep(1.0)
        redis_server.start()  # back, empty
        results = fleet.results()

        assert [result["errors"] for result, _ in results] == [[]] * WORKERS
        assert server.quota is not None
        # Every call reached the server exactly once, except those the fleet's per-process
        # fallback got refused (each retried once more): nothing dropped, nothing duplicated.
        chat = [r for r in server.requests if r.path == "/v1/chat/completions"]
        assert len(chat) == WORKERS * 14 + server.quota.refused
    logs = [log for _, log in results]
    assert [log.count("is unreachable") for log in logs] == [1] * WORKERS
    assert all("redis://" in log and server.api_key not in log for log in logs)
    assert any("is back" in log for log in logs)
