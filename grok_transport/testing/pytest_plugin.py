"""pytest fixtures for :class:`~grok_transport.testing.GrokTestServer` (registered via ``pytest11``).

Loaded into every pytest session of an environment where this distribution is installed, so it
imports nothing but pytest at import time; the server module is imported the first time a test
asks for one of the fixtures.

* ``grok_server``: a started ``xai`` server for one test, stopped afterwards.
* ``grok_server_factory``: ``factory(dialect="xai", **kwargs)`` starts a server with those
  options; every server it made is stopped when the test ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .server import GrokTestServer


@pytest.fixture
def grok_server() -> Iterator[GrokTestServer]:
    """A running xAI-dialect test server, private to the test."""
    from .server import GrokTestServer

    server = GrokTestServer("xai").start()
    try:
        yield server
    finally:
        server.stop()


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
