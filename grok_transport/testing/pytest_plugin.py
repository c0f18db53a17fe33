"""pytest fixtures for :class:`~grok_transport.testing.GrokTestServer` (registered via ``pytest11``).

Loaded into every pytest session where this distribution is installed, so it imports nothing but
pytest at import time. ``grok_server`` is a started ``xai`` server for one test;
``grok_server_factory(dialect="xai", **options)`` starts servers that all stop when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .server import GrokTestServer


@pytest.fixture
def grok_server(grok_server_factory: Callable[..., GrokTestServer]) -> GrokTestServer:
    """A running xAI-dialect test server, private to the test."""
    return grok_server_factory()


@pytest.fixture
def grok_server_factory() -> Iterator[Callable[..., GrokTestServer]]:
    """Start servers of any dialect and options; all are stopped at teardown."""
    from .server import GrokTestServer

    servers: list[GrokTestServer] = []

    def factory(dialect: str = "xai", **kwargs: Any) -> GrokTestServer:
        server = GrokTestServer(dialect, **kwargs).start()
        servers.append(server)
        return server

    try:
        yield factory
    finally:
        for server in servers:
            server.stop()
