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

import httpx

from grok_transport import AsyncGrokClient, GrokError, StreamInterruptedError
from grok_transport.testing import GrokTestServer, Reply

WAVES, WAVE, CONCURRENCY = 10, 200, 200
DEFAULT_CONNECTIONS = 100  # AsyncGrokClient's connection limit


def _socket_ports() -> dict[str, tuple[int, int]]:
    """Socket inode -> (local port, remote port) for this machine's TCP sockets."""
    ports: dict[str, tuple[int, int]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                fields = row.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                ports[inode] = (int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16))
    return ports


def _descriptors(server_port: int) -> tuple[int, int]:
    """(this process's connections to the server, every other descriptor it holds).

    The local server runs in this process, so both ends of every keep-alive connection are
    counted here, and how many the pool holds at a given moment depends on which streams were
    cut last. The pool's own side is bounded by its limit; everything else must stay flat.
    """
    ports = _socket_ports()
    to_server = other = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the descriptor listdir itself used, already closed
            continue
        inode = target[len("socket:[") : -1] if target.startswith("socket:[") else ""
        local, remote = ports.get(inode, (0, 0))
        if remote == server_port:
            to_server += 1
        elif local != server_port:
            other += 1
    return to_server, other


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
    server_port = httpx.URL(grok_server.base_url).port
    assert server_port is not None

    async def soak() -> tuple[dict[str, int], dict[str, int], tuple[int, int, float], tuple[int, int, float]]:
        first = await _round(grok_server, client, 1)
        after_first = (*_descriptors(server_port), _rss_mb())
        second = await _round(grok_server, client, 2)
        after_second = (*_descriptors(server_port), _rss_mb())
        await client.aclose()
        return first, second, after_first, after_second

    first, second, (pooled_1, fds_1, rss_1), (pooled_2, fds_2, rss_2) = asyncio.run(soak())
    for outcomes in (first, second):
        assert sum(outcomes.values()) == WAVES * WAVE
        assert set(outcomes) <= {"ok", "StreamInterruptedError", "ServerError"}, outcomes
        assert outcomes["ok"] >= WAVES * WAVE * 0.9, outcomes  # 503s are retried; only cuts are lost
    assert first.get("StreamInterruptedError", 0) + second.get("StreamInterruptedError", 0) > 0  # cuts met
    assert len(grok_server.requests) > 2 * WAVES * WAVE  # and so were 503s, each retried
    assert max(pooled_1, pooled_2) <= DEFAULT_CONNECTIONS, (pooled_1, pooled_2)  # the pool keeps its limit
    assert fds_2 <= fds_1 + 5, (fds_1, fds_2)  # and nothing else grows: 2,000 requests would show
    assert rss_2 <= rss_1 + 16, (rss_1, rss_2)
