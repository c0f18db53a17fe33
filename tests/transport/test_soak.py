"""A bounded soak: 2 x 2,000 requests, 200 at a time, with 503s and cut streams mixed in.

Every request must end with its own answer or a typed error — no hang, no bare exception — and
the process must not grow between the two rounds (descriptors and resident memory), which is
what a long-running service would notice first. Loopback only; each round is ten waves of 200
requests, and each wave meets 20 scripted 503s and 4 streams cut after their first event.
"""

from __future__ import annotations

import asyncio
import os
import resource

from grok_transport import AsyncGrokClient, GrokError, StreamInterruptedError
from grok_transport.testing import GrokTestServer, Reply

WAVES, WAVE, CONCURRENCY = 10, 200, 200


def _descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


async def _one(client: AsyncGrokClient, prompt: str, stream: bool, limit: asyncio.Semaphore) -> str:
    """``ok``, or the name of the typed error; anything else fails the test by raising."""
    messages = [{"role": "user", "content": prompt}]
    async with limit:
        try:
            if stream:
                answer_stream = await client.stream_chat(messages, model="grok-3")
                async with answer_stream:
                    text = "".join([d.text async for d in answer_stream if d.kind == "text"])
            else:
                text = (await client.chat(messages, model="grok-3")).text
        except (StreamInterruptedError, GrokError) as error:
            return type(error).__name__
    assert prompt in text, f"{prompt!r} got someone else's answer: {text!r}"
    return "ok"


async def _round(server: GrokTestServer, client: AsyncGrokClient, number: int) -> dict[str, int]:
    limit = asyncio.Semaphore(CONCURRENCY)
    outcomes: dict[str, int] = {}
    for wave in range(WAVES):
        server.enqueue(*[Reply.error(503)] * 20, *[Reply.text("cut short here", cut_after=1)] * 4)
        prompts = [f"soak {number} {wave} {i}" for i in range(WAVE)]
        results = await asyncio.wait_for(
            asyncio.gather(*(_one(client, p, i % 2 == 0, limit) for i, p in enumerate(prompts))), timeout=120
        )
        for result in results:
            outcomes[result] = outcomes.get(result, 0) + 1
    return outcomes


def test_two_rounds_end_every_request_and_leave_the_process_flat(grok_server: GrokTestServer) -> None:
    client = AsyncGrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key, max_retries=2)

    async def soak() -> tuple[dict[str, int], dict[str, int], tuple[int, float], tuple[int, float]]:
        first = await _round(grok_server, client, 1)
        after_first = (_descriptors(), _rss_mb())
        second = await _round(grok_server, client, 2)
        after_second = (_descriptors(), _rss_mb())
        await client.aclose()
        return first, second, after_first, after_second

    first, second, (fds_1, rss_1), (fds_2, rss_2) = asyncio.run(soak())
    for outcomes in (first, second):
        assert sum(outcomes.values()) == WAVES * WAVE
        assert set(outcomes) <= {"ok", "StreamInterruptedError", "ServerError"}, outcomes
        assert outcomes["ok"] >= WAVES * WAVE * 0.9, outcomes  # 503s are retried; only cuts are lost
    assert first.get("StreamInterruptedError", 0) + second.get("StreamInterruptedError", 0) > 0  # cuts met
    assert len(grok_server.requests) > 2 * WAVES * WAVE  # and so were 503s, each retried
    assert fds_2 <= fds_1 + 20, (
        fds_1,
        fds_2,
    )  # keep-alive connections come and go; 2,000 requests would show
    assert rss_2 <= rss_1 + 16, (rss_1, rss_2)
