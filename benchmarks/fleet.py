"""``python -m benchmarks.fleet [--smoke]``: many worker processes, one key, one quota (issue 19).

Against the local server in quota mode (20 requests per second and 200,000 tokens per minute
per key and model), side by side in one run:

1. **shared**: 8 worker processes, 50 concurrent calls each, for 30 s, every worker's budget on one
   Redis. Expected: no 429 at the server, throughput ≥ 90 % of the quota.
2. **per process**: the same fleet, each worker with its own in-process budget of the whole
   quota (what a fleet had before): the 429s at the server and the requests they wasted.
3. **faults**: the shared fleet again; one worker is killed (SIGKILL) a third of the way in and
   Redis is killed and restarted (empty) two thirds of the way in. The other workers must finish
   every call.
4. **cost per admitted call**: the budget's own work per call in process (admission, and the
   whole spend: admit, then correct from usage) and on Redis (one script round trip; a bare
   ``PING`` for comparison).

The fleet is tests/fleet.py's (workers built on ``AsyncGrokClient``); Redis is a real
``redis-server`` (tests/redis_server.py). ``--smoke`` shrinks everything to seconds (the test
suite runs it so the harness cannot rot); it asserts nothing about speed. Figures are printed;
they are copied into benchmarks/FLEET.md, which ``python -m benchmarks`` includes in RESULTS.md
(``python -m benchmarks --rewrite-markdown`` re-renders RESULTS.md without measuring again).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

from grok_transport._budget import Budgets, budget_name
from grok_transport._budget_rule import Rule
from grok_transport._budget_store import LocalStore
from grok_transport.testing import GrokTestServer, Quota
from tests.fleet import Fleet, WorkerConfig
from tests.redis_server import RedisServer, redis_server_binary


@dataclass(frozen=True)
class Sizes:
    workers: int
    concurrency: int
    seconds: float
    rps: int
    tpm: int
    cost_calls: int


FULL = Sizes(workers=8, concurrency=50, seconds=30.0, rps=20, tpm=200_000, cost_calls=20_000)
SMOKE = Sizes(workers=2, concurrency=3, seconds=1.0, rps=10, tpm=200_000, cost_calls=200)
MAX_TOKENS = 256


def _phase(server: GrokTestServer, store: str, sizes: Sizes) -> list[WorkerConfig]:
    return [
        WorkerConfig(
            "transport",
            server.base_url,
            server.api_key,
            store,
            rpm=sizes.rps * 60,
            tpm=sizes.tpm,
            concurrency=sizes.concurrency,
            duration=sizes.seconds,
            max_tokens=MAX_TOKENS,
            stream_every=4,
            timeout=60,
            name=f"w{i}",
        )
        for i in range(sizes.workers)
    ]


def _figures(
    name: str, server: GrokTestServer, results: list[dict[str, Any]], sizes: Sizes, **more: Any
) -> dict[str, Any]:
    quota = server.quota
    assert quota is not None
    ok = sum(r["ok"] for r in results)
    failed = sum(len(r["errors"]) for r in results)
    arrivals = list(quota.arrivals)
    span = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else sizes.seconds
    figures = {
        "scenario": name,
        "calls_ok": ok,
        "calls_failed": failed,
        "server_429s": quota.refused,
        "requests_sent": quota.admitted + quota.refused,
        "wasted_requests": quota.refused,
        "admitted_per_s": round((quota.admitted - 1) / max(span, 1e-9), 2),
        "share_of_quota": round((quota.admitted - 1) / max(span, 1e-9) / sizes.rps, 3),
        **more,
        "first_errors": sorted({e for r in results for e in r["errors"]})[:3],
    }
    print(json.dumps(figures), flush=True)
    return figures


def fleet_figures(sizes: Sizes, redis: RedisServer) -> list[dict[str, Any]]:
    """Scenarios 1-3, in the same worker processes (phases), each against a fresh quota server."""
    servers = [
        GrokTestServer(quota=Quota(rps=sizes.rps, tpm=sizes.tpm), max_recorded=100).start() for _ in range(3)
    ]
    phases = [_phase(servers[0], redis.url, sizes), _phase(servers[1], "memory", sizes)]
    phases.append(_phase(servers[2], redis.url, sizes))
    fleet = Fleet([list(worker) for worker in zip(*phases, strict=True)]).start()
    out = []
    try:
        out.append(_figures("shared Redis budget", servers[0], fleet.go().results(last=False), sizes))
        out.append(_figures("per-process budgets", servers[1], fleet.go().results(last=False), sizes))
        fleet.go()
        time.sleep(sizes.seconds / 3)
        fleet.processes[0].kill()  # a worker killed mid-run
        time.sleep(sizes.seconds / 3)
        redis.stop()  # Redis lost mid-run...
        time.sleep(min(1.0, sizes.seconds / 6))
        redis.start()  # ...and back, empty
        results = fleet.results(dead=frozenset({0}))
        warned = sum(fleet.log(i).count("is unreachable") == 1 for i in range(1, sizes.workers))
        name = "faults: worker killed, Redis restarted"
        out.append(_figures(name, servers[2], results, sizes, survivors_that_warned_once=warned))
    finally:
        fleet.close()
        for server in servers:
            server.stop()
    return out


def _per_call(fn: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1e6


def cost_figures(sizes: Sizes, redis: RedisServer) -> dict[str, float]:
    """Microseconds of budget work per admitted call (limits far away, so nothing ever waits)."""
    import redis as redis_py

    from grok_transport._budget_redis import RedisStore

    rule = Rule(rpm=10**9, tpm=10**12)
    name = budget_name("http://bench", "key", "grok-4")
    local = LocalStore()
    budgets = Budgets("http://bench", "key", rpm=10**9, tpm=10**12, window=False, store="memory")
    body = {"model": "grok-4", "messages": [{"role": "user", "content": "hello " * 20}], "max_tokens": 64}
    headers = {"x-ratelimit-remaining-tokens": str(10**12)}
    payload = {"usage": {"total_tokens": 80}}

    def whole_spend() -> None:
        spend = budgets.spend("/chat/completions", body)
        spend.admit(60.0)
        spend.done(headers, payload)

    remote = RedisStore(redis.url)
    ping = redis_py.Redis.from_url(redis.url)
    n = sizes.cost_calls
    figures = {
        "in_process_admit_us": _per_call(lambda: local.admit(name, rule, 100), n),
        "in_process_whole_spend_us": _per_call(whole_spend, n),
        "redis_admit_us": _per_call(lambda: remote.admit(name, rule, 100), max(50, n // 10)),
        "redis_ping_us": _per_call(ping.ping, max(50, n // 10)),
    }

    async def async_admits() -> float:
        calls = max(50, n // 10)
        started = time.perf_counter()
        for _ in range(calls):
            await remote.aadmit(name, rule, 100)
        return (time.perf_counter() - started) / calls * 1e6

    figures["redis_async_admit_us"] = asyncio.run(async_admits())
    figures = {key: round(value, 2) for key, value in figures.items()}
    print(json.dumps(figures), flush=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run every scenario and print one JSON line per figure set."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="seconds, not minutes; no figures worth keeping")
    args = parser.parse_args(argv)
    sizes = SMOKE if args.smoke else FULL
    binary = redis_server_binary()
    if binary is None:
        print("redis-server is not installed (apt-get install -y redis-server)", file=sys.stderr)
        return 2
    redis = RedisServer(binary).start()
    try:
        print(
            f"fleet: {sizes.workers} workers x {sizes.concurrency} concurrent calls, {sizes.seconds:g} s, "
            f"quota {sizes.rps} rps and {sizes.tpm:,} tpm",
            flush=True,
        )
        fleet_figures(sizes, redis)
        print("cost per admitted call (µs)", flush=True)
        cost_figures(sizes, redis)
    finally:
        redis.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
