"""An async connection pool that stays fast with hundreds of concurrent requests.

The cause, measured: httpcore's ``AsyncConnectionPool`` re-runs
``_assign_requests_to_connections`` on every request arrival and completion, and that scans
every queued request against every connection (calling ``is_idle`` / ``has_expired`` on each).
With 200 requests in flight over 200 keep-alive connections this is millions of calls per
burst: on the project's 2-core machines a warm pool served about 40 requests/s, and a cold one
about 250, against a local server that answers thousands; capping the pool at 8 connections
only brought it to about 1,100.

The choice: keep httpx as the public API and as the HTTP implementation, but give each
connection its own single-connection httpcore pool (an ``httpx.AsyncHTTPTransport`` with
``max_connections=1``), handed out from a LIFO stack of idle ones. Every pool then scans one
connection, dispatch is O(1), and the most recently used (warmest) connection is reused first.
One TLS context is shared by all of them: building one per connection (loading the CA bundle)
is what made a cold burst slow.

An aiohttp-backed transport is the other way to get there, but it would add a second HTTP
stack (with its own TLS, proxy and timeout semantics) to a package whose contract is httpx.
Users who need mTLS or HTTP/2 pass their own ``httpx.AsyncClient``; with proxy variables in the
environment the client falls back to httpx's default transport so that they are honoured.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator, Callable

import httpx

__all__ = ["ShardedAsyncTransport"]

_SINGLE = httpx.Limits(max_connections=1, max_keepalive_connections=1, keepalive_expiry=30.0)


@functools.lru_cache(maxsize=1)
def _default_tls() -> ssl.SSLContext:
    """One verifying TLS context for the process: loading the CA bundle costs ~10-20 ms."""
    return httpx.create_ssl_context()


class _ReleasingStream(httpx.AsyncByteStream):
    """A response body that hands its connection back to the idle stack when closed."""

    def __init__(self, stream: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._stream = stream
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()


class ShardedAsyncTransport(httpx.AsyncBaseTransport):
    """Up to ``max_connections`` single-connection transports, dispatched from an idle stack."""

    def __init__(self, max_connections: int = 100, *, verify: ssl.SSLContext | bool = True) -> None:
        self._max = max_connections
        self._verify = verify
        self._idle: asyncio.LifoQueue[httpx.AsyncHTTPTransport] = asyncio.LifoQueue()
        self._shards: list[httpx.AsyncHTTPTransport] = []

    async def _checkout(self) -> httpx.AsyncHTTPTransport:
        if self._idle.empty() and len(self._shards) < self._max:
            # httpx builds a TLS context per transport even for http; share one per process.
            verify = _default_tls() if self._verify is True else self._verify
            shard = httpx.AsyncHTTPTransport(verify=verify, limits=_SINGLE)
            self._shards.append(shard)
            return shard
        return await self._idle.get()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send on an idle connection (or a new one, up to the limit, or wait for one)."""
        shard = await self._checkout()
        try:
            response = await shard.handle_async_request(request)
        except BaseException:
            self._idle.put_nowait(shard)
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.stream = _ReleasingStream(response.stream, lambda: self._idle.put_nowait(shard))
        return response

    async def aclose(self) -> None:
        """Close every connection."""
        shards, self._shards = self._shards, []
        for shard in shards:
            await shard.aclose()
