"""The request-and-token budget (grok_transport/_budget.py and its stores): the same rules in process and on Redis.

The store tests drive both stores through the same cases and read the waits they compute (no
sleeping, no timing). The client tests go over a real socket to the local server in quota mode.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from grok_transport import AsyncGrokClient, GrokClient, InvalidParameterError, RateLimitError
from grok_transport._budget import DEFAULT_COMPLETION_ALLOWANCE, budget_name, estimate_tokens
from grok_transport._budget_rule import Rule
from grok_transport._budget_store import LocalStore, Store, store_for
from grok_transport.testing import GrokTestServer, Quota, Reply
from tests.redis_server import free_port

MESSAGES = [{"role": "user", "content": "hello"}]


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield LocalStore()
    else:
        yield store_for(request.getfixturevalue("redis_url"))


def _name(request: pytest.FixtureRequest) -> str:
    return budget_name("http://test", "key", request.node.name)


def test_requests_are_spread_over_the_second_not_burst(store: Store, request: pytest.FixtureRequest) -> None:
    rule, name = Rule(rpm=600), _name(request)  # 10 a second
    waits = [store.admit(name, rule, 0) for _ in range(5)]
    assert all(admitted for admitted, _ in waits)
    # each reserved slot is 100 ms after the previous (the clock moves a little between calls)
    assert [round(wait, -1) for _, wait in waits] == pytest.approx([0, 100, 200, 300, 400], abs=30)


def test_a_slot_beyond_the_horizon_is_not_reserved(store: Store, request: pytest.FixtureRequest) -> None:
    rule, name = Rule(rpm=60), _name(request)  # one a second
    assert store.admit(name, rule, 0) == (True, pytest.approx(0, abs=20))
    assert store.admit(name, rule, 0)[0]  # the next second is within the horizon
    admitted, wait = store.admit(name, rule, 0)
    assert not admitted and wait == pytest.approx(2000, abs=50)


def test_tokens_are_charged_then_corrected_from_usage(store: Store, request: pytest.FixtureRequest) -> None:
    rule, name = Rule(tpm=6_000), _name(request)  # 100 tokens a second
    assert store.admit(name, rule, 6_000)[0]  # a whole minute's worth, estimated
    admitted, wait = store.admit(name, rule, 600)
    assert not admitted and wait == pytest.approx(6_000, abs=100)
    store.settle(name, rule, -5_900, -1, -1)  # the answer used 100 tokens, not 6,000
    assert store.admit(name, rule, 600) == (True, pytest.approx(0, abs=20))


def test_the_servers_remaining_tokens_tighten_the_budget(
    store: Store, request: pytest.FixtureRequest
) -> None:
    rule, name = Rule(tpm=6_000), _name(request)
    store.settle(name, rule, 0, 100, -1)  # the server says 100 tokens are left (another app spent them)
    assert store.admit(name, rule, 100)[0]
    admitted, wait = store.admit(name, rule, 300)
    assert not admitted and wait == pytest.approx(3_000, abs=100)


def test_no_requests_left_at_the_server_holds_the_next_one_back(
    store: Store, request: pytest.FixtureRequest
) -> None:
    rule, name = Rule(rpm=600), _name(request)
    store.settle(name, rule, 0, -1, 0)  # X-Ratelimit-Remaining-Requests: 0
    assert store.admit(name, rule, 0) == (True, pytest.approx(100, abs=20))


def test_a_pause_holds_the_budget_back(store: Store, request: pytest.FixtureRequest) -> None:
    rule, name = Rule(rpm=6_000), _name(request)
    store.pause(name, rule, 2.0)
    assert store.paused(name) == pytest.approx(2_000, abs=50)
    admitted, wait = store.admit(name, rule, 0)
    assert not admitted and wait == pytest.approx(2_000, abs=50)


def test_a_plain_window_admits_its_limit_at_once_then_waits_the_minute(
    store: Store, request: pytest.FixtureRequest
) -> None:
    rule, name = Rule(rpm=5, window=True), _name(request)  # Grok Inc
    assert all(store.admit(name, rule, 0) == (True, pytest.approx(0, abs=20)) for _ in range(5))
    admitted, wait = store.admit(name, rule, 0)
    assert not admitted and wait == pytest.approx(60_000, abs=100)


def test_every_redis_key_expires_and_none_holds_the_key(redis_url: str) -> None:
    import redis

    store = store_for(redis_url)
    secret = "xai-very-secret-key"
    for rule in (Rule(rpm=600, tpm=1_000), Rule(rpm=5, window=True)):
        name = budget_name("https://api.x.ai/v1", secret, "grok-4")
        store.admit(name, rule, 500)
        store.settle(name, rule, -400, 900, 0)
        store.pause(name, rule, 0.5)
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter())
    assert keys
    assert all(0 < client.pttl(key) <= 62_000 for key in keys)  # nothing outlives a window
    assert all(secret.encode() not in key for key in keys)


def test_the_estimate_counts_the_prompt_and_the_completion_allowance() -> None:
    short = estimate_tokens({"messages": MESSAGES})
    assert DEFAULT_COMPLETION_ALLOWANCE < short < DEFAULT_COMPLETION_ALLOWANCE + 10
    assert 10 < estimate_tokens({"messages": MESSAGES, "max_tokens": 10}) < 20
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 100_000}}
    with_image = estimate_tokens({"messages": [{"role": "user", "content": [image]}], "max_tokens": 10})
    assert with_image < 2_000  # an image counts as an image, not as 100,000 characters


# -- through the client, against the local server in quota mode ----------------------------------


def _client(server: GrokTestServer, **options: Any) -> GrokClient:
    return GrokClient(base_url=server.base_url, api_key=server.api_key, timeout=5, **options)


def test_usage_corrects_the_charge_so_calls_are_not_held_back(redis_url: str) -> None:
    """2,000 tokens a minute, 900 allowed per answer, ~100 used: uncorrected, the 3rd call would wait ~40 s."""
    with GrokTestServer(quota=Quota(rps=100, tpm=2_000)) as server:
        for store in ("memory", redis_url):
            client = _client(server, rate_limit_tpm=2_000, rate_limit_store=store)
            for _ in range(3):
                client.chat(MESSAGES, model="grok-4", max_tokens=900)
                with client.stream_chat(MESSAGES, model="grok-4", max_tokens=900) as stream:
                    list(stream)
        assert server.quota is not None and server.quota.refused == 0


def test_a_stream_left_unfinished_keeps_its_whole_estimate() -> None:
    with GrokTestServer() as server:
        client = GrokClient(base_url=server.base_url, api_key=server.api_key, timeout=1, rate_limit_tpm=1_000)
        with client.stream_chat(MESSAGES, model="grok-4", max_tokens=900) as stream:
            next(iter(stream))  # never read to its usage: the estimate stands
        with pytest.raises(RateLimitError, match="longer than the 1 s timeout"):
            client.chat(MESSAGES, model="grok-4", max_tokens=900)
        assert len(server.requests) == 1


def test_a_wait_longer_than_the_timeout_fails_at_once_without_sending() -> None:
    with GrokTestServer() as server:
        client = _client(server, rate_limit_rpm=6)  # one per 10 s; the timeout is 5 s
        client.chat(MESSAGES, model="grok-4")
        with pytest.raises(RateLimitError, match=r"next slot is free in (9\.\d|10\.0) s") as caught:
            client.chat(MESSAGES, model="grok-4")
        assert not caught.value.retryable
        assert len(server.requests) == 1


def test_a_429_pauses_every_client_of_the_key_for_its_retry_after() -> None:
    with GrokTestServer() as server:
        first = _client(server, rate_limit_rpm=6_000, max_retries=0)
        other = _client(server, rate_limit_rpm=6_000)
        server.enqueue(Reply.error(429, retry_after=1))
        with pytest.raises(RateLimitError):
            first.chat(MESSAGES, model="grok-4")
        other_short = GrokClient(
            base_url=server.base_url, api_key=server.api_key, timeout=0.5, rate_limit_rpm=6_000
        )
        with pytest.raises(RateLimitError, match="next slot is free in"):
            other_short.chat(MESSAGES, model="grok-4")  # the key's budget is paused for 1 s
        other.chat(MESSAGES, model="grok-4")  # waits the pause out
        assert len(server.requests) == 2


def test_models_have_budgets_of_their_own() -> None:
    with GrokTestServer() as server:
        client = _client(server, rate_limit_rpm=6)
        client.chat(MESSAGES, model="grok-4")
        client.chat(MESSAGES, model="grok-3")  # another model's budget is untouched
        assert len(server.requests) == 2


def test_the_async_client_keeps_the_same_budget(redis_url: str) -> None:
    async def run() -> None:
        with GrokTestServer(quota=Quota(rps=10, burst=0.2)) as server:
            client = AsyncGrokClient(
                base_url=server.base_url,
                api_key=server.api_key,
                rate_limit_rpm=600,
                rate_limit_store=redis_url,
            )
            await asyncio.gather(*(client.chat(MESSAGES, model="grok-4") for _ in range(8)))
            async with await client.stream_chat(MESSAGES, model="grok-4") as stream:
                [delta async for delta in stream]
            assert server.quota is not None and server.quota.refused == 0
            await client.aclose()

    asyncio.run(run())


def test_an_unreachable_redis_warns_once_and_the_calls_go_on(caplog: pytest.LogCaptureFixture) -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there
    with GrokTestServer() as server, caplog.at_level(logging.INFO, logger="grok_transport"):
        client = _client(server, rate_limit_rpm=6_000, rate_limit_store=url)
        for _ in range(3):
            client.chat(MESSAGES, model="grok-4")
        assert len(server.requests) == 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "unreachable" in warnings[0].getMessage()
    assert "hunter2" not in caplog.text  # the URL's password is masked


def test_the_environment_variable_shares_every_client_on_redis(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import redis

    monkeypatch.setenv("GROK_RATE_LIMIT_STORE", redis_url)
    with GrokTestServer() as server:
        _client(server, rate_limit_rpm=600).chat(MESSAGES, model="grok-4")
    assert list(redis.Redis.from_url(redis_url).scan_iter())


@pytest.mark.parametrize(
    "options",
    [
        {"rate_limit_tpm": 1_000, "rate_limit_store": "http://localhost:6379"},
        {"rate_limit_store": "localhost:6379"},
        {"rate_limit_tpm": -1},
        {"rate_limit_rpm": 2.5},
    ],
)
def test_bad_budget_settings_are_refused_before_any_request(options: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterError):
        GrokClient(api_key="k", **options)


def test_without_redis_each_process_keeps_its_share_of_the_last_known_fleet(
    redis_server: Any, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    import redis

    store, rule = store_for(redis_url), Rule(rpm=600)  # 10 a second for the whole fleet
    name = budget_name("http://test", "key", "grok-4")
    redis.Redis.from_url(redis_url).zadd(name + ":workers", {"another-process": 10**15})
    assert store.admit(name, rule, 0)[0]  # Redis counts two processes on this budget
    redis_server.stop()
    # In process now: held back a second first (Redis may have reserved slots that far ahead for
    # the fleet), then half the budget: a slot every 200 ms, not every 100.
    assert store.admit(name, rule, 0) == (True, pytest.approx(1_000, abs=40))
    assert store.admit(name, rule, 0) == (False, pytest.approx(1_200, abs=40))
    assert "unreachable" in caplog.text


def test_grok_incs_window_is_shared_through_redis_too(redis_url: str) -> None:
    import redis

    with GrokTestServer("grokinc", rate_limit_rpm=None) as server:  # the client keeps the limit

        def client() -> GrokClient:
            return GrokClient(
                provider="grokinc",
                base_url=server.base_url,
                api_key=server.api_key,
                timeout=1,
                rate_limit_store=redis_url,
            )

        for _ in range(5):
            client().chat(MESSAGES, model="grok-lite")  # five at once...
        with pytest.raises(RateLimitError, match="5 requests per minute"):
            client().chat(MESSAGES, model="grok-lite")  # ...then wait for the minute
        assert len(server.requests) == 5
    logs = [key for key in redis.Redis.from_url(redis_url).scan_iter() if key.endswith(b":log")]
    assert len(logs) == 1 and redis.Redis.from_url(redis_url).zcard(logs[0]) == 5
