"""The local server's quota mode (grok_transport/testing/quota.py), seen over a real socket."""

from __future__ import annotations

import httpx

from grok_transport.testing import GrokTestServer, Quota


def _ask(server: GrokTestServer, model: str = "grok-4", **body: object) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/chat/completions",
        headers={"Authorization": f"Bearer {server.api_key}"},
        json={"model": model, "messages": [{"role": "user", "content": "hi"}], **body},
    )


def test_a_success_carries_the_per_minute_headers_of_its_key_and_model() -> None:
    with GrokTestServer(quota=Quota(rps=2, tpm=10_000)) as server:
        answer = _ask(server)
        assert answer.status_code == 200
        used = answer.json()["usage"]["total_tokens"]
        assert answer.headers["x-ratelimit-limit-requests"] == "120"  # per minute, as xAI sends it
        assert answer.headers["x-ratelimit-limit-tokens"] == "10000"
        assert int(answer.headers["x-ratelimit-remaining-tokens"]) == 10_000 - used
        assert int(answer.headers["x-ratelimit-remaining-requests"]) < 120


def test_requests_past_the_per_second_rule_get_xais_429() -> None:
    with GrokTestServer(quota=Quota(rps=2, burst=0.5)) as server:
        statuses = [_ask(server).status_code for _ in range(4)]  # back to back: faster than 2 a second
        assert statuses[0] == 200 and 429 in statuses
        refused = next(r for r in (_ask(server) for _ in range(3)) if r.status_code == 429)
        assert set(refused.json()) == {"code", "error"}  # xAI's flat error body
        assert "retry-after" not in refused.headers  # never recorded from xAI
        assert _ask(server, model="grok-3").status_code == 200  # another model's budget
        assert server.quota is not None and server.quota.refused >= 2


def test_answers_that_spend_the_tokens_get_429_until_the_bucket_refills() -> None:
    with GrokTestServer(quota=Quota(rps=100, tpm=150)) as server:
        assert _ask(server).status_code == 200  # about a hundred tokens: the bucket is overdrawn next
        assert _ask(server).status_code == 200
        assert _ask(server).status_code == 429
