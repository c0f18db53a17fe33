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


def _configs(server: GrokTestServer, subject: str, store: str, **options: Any) -> list[WorkerConfig]:
    return [
        WorkerConfig(subject, server.base_url, server.api_key, store, name=f"w{i}", **options)
        for i in range(WORKERS)
    ]


def _phases(*phases: list[WorkerConfig]) -> Fleet:
    """A fleet whose worker i runs the i-th config of every phase, in turn."""
    return Fleet([list(worker) for worker in zip(*phases, strict=True)])


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
def test_a_fleet_shares_one_budget_pauses_together_corrects_tokens_and_survives_losing_redis(
    subject: str, redis_server: Any, redis_url: str
) -> None:
    shared = GrokTestServer(quota=Quota(rps=10, tpm=50_000)).start()
    lossy = GrokTestServer(quota=Quota(rps=10)).start()
    # Phase 1. 600 rpm is the server's 10 rps. 6,000 tokens per minute admits only three calls at
    # the estimate (2,000 completion tokens each) and refills 100 tokens a second: without the
    # correction from usage (about a hundred tokens each), the other calls could not get tokens
    # within their 5 s timeout and would fail. Half the calls stream (their usage comes last).
    first = _configs(shared, subject, redis_url, rpm=600, tpm=6_000, max_tokens=2_000, calls=6, timeout=5)
    # Phase 2: 8 calls each at 10 rps while Redis dies and comes back.
    second = _configs(lossy, subject, redis_url, rpm=600, calls=8, concurrency=2)
    fleet = _phases(first, second).start()
    try:
        # The fleet's first request meets a 429 with Retry-After: 1; its worker pauses everyone.
        shared.enqueue(Reply.error(429, retry_after=1))
        results = fleet.go().results(last=False)
        stored = _everything_in(redis_url)

        assert [result["errors"] for result in results] == [[]] * WORKERS
        assert shared.quota is not None
        assert shared.quota.refused == 0  # not one 429 from the quota: the fleet kept to it
        arrivals = list(shared.quota.arrivals)
        assert len(arrivals) == WORKERS * 6 + 1  # every call once, plus the one that met the 429
        # Nobody sent during the 1 s pause once the 429 was known (a request already on its way
        # within the first 300 ms may still land).
        assert not [a for a in arrivals[1:] if arrivals[0] + 0.3 < a < arrivals[0] + 0.9]
        # spread at 10 a second, never a burst (one late wake-up may bunch two: margin for CI)
        assert arrivals[-1] - arrivals[1] > 0.8 * (len(arrivals) - 2) / 10
        assert stored, "the budget was not in Redis"
        assert not [item for item in stored if shared.api_key.encode() in item]

        fleet.go()
        time.sleep(0.8)
        redis_server.stop()  # lost mid-run (killed: a crash, not a clean shutdown)
        time.sleep(0.5)
        redis_server.start()  # back, empty
        results = fleet.results()

        assert [result["errors"] for result in results] == [[]] * WORKERS
        assert lossy.quota is not None
        # Every call reached the server exactly once, except those the fleet's per-process
        # fallback got refused (each retried once more): nothing dropped, nothing duplicated.
        chat = [r for r in lossy.requests if r.path == "/v1/chat/completions"]
        assert len(chat) == WORKERS * 8 + lossy.quota.refused
        logs = [fleet.log(i) for i in range(WORKERS)]
        assert [log.count("is unreachable") for log in logs] == [1] * WORKERS
        assert all("redis://" in log and shared.api_key not in log for log in logs)
        assert any("is back" in log for log in logs)
    finally:
        fleet.close()
        shared.stop()
        lossy.stop()


def test_per_process_budgets_collect_the_429s_a_shared_one_avoids() -> None:
    """The counterfactual of the test above: the same kind of fleet, each worker with its own budget."""
    with GrokTestServer(quota=Quota(rps=10, burst=0.2)) as server:
        fleet = _phases(_configs(server, "transport", "memory", rpm=600, calls=10, stream_every=0)).start()
        try:
            fleet.go().results()
        finally:
            fleet.close()
        assert server.quota is not None
        assert server.quota.refused >= 3  # three workers each spending the whole 10 rps
