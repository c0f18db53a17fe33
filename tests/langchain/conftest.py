"""Shared configuration for the LangChain adapter's tests.

Servers come from the ``grok_server`` / ``grok_server_factory`` fixtures of
``grok_transport.testing``'s pytest plugin: real HTTP on 127.0.0.1, one per test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_grok._connection import close_shared_clients

CASSETTES = Path(__file__).parent / "cassettes"


@pytest.fixture(scope="session", autouse=True)
def _close_shared_clients() -> Iterator[None]:
    """Models share pooled clients across tests; close their sockets when the session ends."""
    yield
    close_shared_clients()


@pytest.fixture(scope="module")
def vcr_config() -> dict:
    """VCR for ``test_stream_time``: a cassette recorded from the local server, replayed offline.

    Matching ignores host and port (the server's port is random per run) but not the body.
    ``record_mode`` is left to the command line (pytest-recording's default ``none``: a missing
    cassette fails instead of going to the network); re-record with ``--record-mode=rewrite``.
    """
    return {
        "cassette_library_dir": str(CASSETTES),
        "match_on": ["method", "path", "body"],
        "filter_headers": [("authorization", "REDACTED"), ("x-api-key", "REDACTED")],
        "allow_playback_repeats": True,
    }
