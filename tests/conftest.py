"""Recorded integration tests: where cassettes live, how they are matched, and what they talk to.

The adapters' integration tests (``tests/langchain/test_integration_standard.py``,
``tests/llama_index/test_integration.py``) are the tests that would talk to the real API. They
replay vcrpy cassettes from ``cassettes/`` in playback-only mode: pytest-recording's default
``--record-mode=none`` makes a missing or mismatched cassette a failure, never a network call
(nothing here sets ``record_mode``, so the command line decides; langchain-tests'
``base_vcr_config`` would force ``"once"``).

Where a cassette came from is where it is stored::

    cassettes/xai-api/<package>/<Test>.<test>.yaml       recorded from the real xAI API
    cassettes/local-server/<package>/<Test>.<test>.yaml  recorded from GrokTestServer

Replay prefers the real API's recording when both exist. ``scripts/record-cassettes``
re-records: against the real API when ``XAI_API_KEY`` is set, otherwise against a local server.

Matching is on method, path, query and the JSON body (key order and tool-call ids ignored: ids
are the model's, and langchain-tests makes some of its own at random) or the multipart form (its
random boundary ignored), never on host or port, so a cassette recorded against one base URL
replays against another. Secrets are filtered at record time: ``Authorization``, ``X-API-Key``
and cookies, key-like query parameters, and remote-MCP tools' credentials in request bodies.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grok_transport import GrokError, RateLimitError, _client
from grok_transport._retry import RetryPolicy

ROOT = Path(__file__).resolve().parents[1]
CASSETTES = ROOT / "cassettes"
ORIGINS = ("xai-api", "local-server")
REPLAY_BASE_URL = "http://127.0.0.1:9/v1"  # the discard port: a request that escapes VCR fails
SECRET_HEADERS = ("authorization", "x-api-key", "api-key")


def recording_origin() -> str:
    """Where a recording made now comes from."""
    return "xai-api" if os.environ.get("XAI_API_KEY") else "local-server"


def _multipart(body: bytes) -> bytes | None:
    """A ``multipart/form-data`` body with its random boundary replaced, else None."""
    first, newline, _ = body.partition(b"\r\n")
    if not (newline and first.startswith(b"--") and b"Content-Disposition: form-data" in body[:1000]):
        return None
    return body.replace(first[2:], b"BOUNDARY")


def redact_mcp_credentials(data: Any) -> bool:
    """Replace the credentials of every remote-MCP tool in a request body by ``REDACTED``, in place.

    An MCP tool's ``authorization`` and header values travel in the JSON body (docs/wire.md,
    "Remote MCP"), where header filters do not reach. Returns whether anything was replaced.
    """
    tools = data.get("tools") if isinstance(data, dict) else None
    changed = False
    for tool in tools if isinstance(tools, list) else ():
        if not (isinstance(tool, dict) and tool.get("type") == "mcp"):
            continue
        if "authorization" in tool:
            tool["authorization"], changed = "REDACTED", True
        for name in tool.get("headers") or {}:
            tool["headers"][name], changed = "REDACTED", True
    return changed


def _scrub_request(request: Any) -> Any:
    """Record no MCP credential: the body is rewritten only when it holds one."""
    body = request.body
    if not body or b'"mcp"' not in body:
        return request
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return request
    if redact_mcp_credentials(data):
        request.body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return request


def _normalized(body: Any) -> Any:
    if body is None:
        return None
    if isinstance(body, bytes):
        if (form := _multipart(body)) is not None:
            return form
        body = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(body)
    except (TypeError, ValueError):
        return body
    redact_mcp_credentials(data)  # recordings hold none, so a live request matches without its own
    ids: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key in ("tool_call_id", "call_id") or (key == "id" and "function" in value):
                    out[key] = ids.setdefault(str(item), f"call-{len(ids)}")
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(data)


def grok_json_body(r1: Any, r2: Any) -> None:
    """vcrpy matcher: equal JSON bodies, up to key order and tool-call ids."""
    assert _normalized(r1.body) == _normalized(r2.body), "request bodies differ"


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Register the JSON body matcher with every VCR pytest-recording builds."""
    vcr.register_matcher("grok_json_body", grok_json_body)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    headers = response.get("headers") or {}
    for name in list(headers):
        if name.lower() in ("set-cookie", "cf-ray"):
            del headers[name]
    return response


@pytest.fixture
def vcr_config(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Filters and matching for every recorded test (record_mode stays the command line's).

    Recorded answers play in order, once each, so two identical requests get their own answers;
    only benchmarks, which repeat one call by design, may replay an answer again.
    """
    return {
        "filter_headers": [(name, "REDACTED") for name in SECRET_HEADERS] + [("cookie", None)],
        "filter_query_parameters": [("api_key", "REDACTED"), ("key", "REDACTED"), ("token", "REDACTED")],
        "before_record_request": _scrub_request,
        "before_record_response": _scrub_response,
        "decode_compressed_response": True,
        "match_on": ["method", "path", "query", "grok_json_body"],
        "allow_playback_repeats": request.node.get_closest_marker("benchmark") is not None,
    }


def _package(request: pytest.FixtureRequest) -> str:
    parts = Path(str(request.node.path)).parts
    return "llama_index" if "llama_index" in parts else "langchain"


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest, record_mode: str, default_cassette_name: str) -> str:
    """``cassettes/<origin>/<package>``: the recording's origin is visible from where it is."""
    package = _package(request)
    if record_mode != "none":
        return str(CASSETTES / recording_origin() / package)
    for origin in ORIGINS:
        folder = CASSETTES / origin / package
        if (folder / f"{default_cassette_name}.yaml").is_file():
            return str(folder)
    return str(CASSETTES / "local-server" / package)  # missing: the first request fails the test


@dataclass
class GrokTarget:
    """What a recorded test talks to: a base URL and a key, and the local server if one runs."""

    base_url: str | None
    api_key: str
    server: Any = None

    @property
    def scripted(self) -> bool:
        """Whether replies can be scripted (recording against the local server)."""
        return self.server is not None


@pytest.fixture(scope="session")
def grok_target(record_mode: str) -> Iterator[GrokTarget]:
    """Replay: a placeholder URL and key. Recording: the real API with a key, else a local server."""
    if record_mode == "none":
        yield GrokTarget(REPLAY_BASE_URL, "replay-key")
    elif os.environ.get("XAI_API_KEY"):
        yield GrokTarget(None, os.environ["XAI_API_KEY"])
    else:
        from grok_transport.testing import GrokTestServer

        with GrokTestServer(dialect="xai") as server:
            yield GrokTarget(server.base_url, server.api_key, server)


class _ZeroBackoff(RetryPolicy):
    """The real retry policy (what is retried, how often, ``Retry-After``) minus the backoff sleep.

    A rate limit keeps its wait: the server's window must pass before a retry can succeed.
    """

    def delay(self, error: GrokError, attempt: int, *, idempotent: bool = True) -> float | None:
        delay = super().delay(error, attempt, idempotent=idempotent)
        return delay if delay is None or isinstance(error, RateLimitError) else 0.0


@pytest.fixture(autouse=True)
def _zero_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every client a test builds retries at once: no test sleeps through exponential backoff.

    Which failures are retried, ``max_retries`` and rate-limit waits are unchanged; the
    backoff's own numbers are tested on ``RetryPolicy`` directly (tests/transport/test_hardening.py).
    """
    monkeypatch.setattr(_client, "RetryPolicy", _ZeroBackoff)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """A real ``redis-server`` on a free port for the session (tests/redis_server.py).

    Missing binary: skip locally, fail under ``CI=true`` (scripts/test installs it).
    """
    from tests.redis_server import RedisServer, redis_server_binary

    binary = redis_server_binary()
    if binary is None:
        message = "redis-server is not installed (apt-get install -y redis-server)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    server = RedisServer(binary).start()
    yield server
    server.close()


@pytest.fixture
def redis_url(redis_server: Any) -> Iterator[str]:
    """The session's Redis, running and empty, with no client-side store remembered from another test."""
    import redis

    from grok_transport import _budget_store

    if not _answers(redis_server.url):
        redis_server.start()
    redis.Redis.from_url(redis_server.url).flushall()
    _budget_store._stores.clear()
    yield redis_server.url
    if not _answers(redis_server.url):
        redis_server.start()
    _budget_store._stores.clear()


def _answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


@pytest.fixture(autouse=True)
def _fresh_in_process_budgets() -> None:
    """Every test starts with empty in-process rate budgets.

    A budget is named by (base URL, key, model), and a later test's local server may get an
    earlier one's port: without this, it would inherit that test's spent budget.
    """
    from grok_transport import _budget_store

    _budget_store.local_store().clear()


@pytest.fixture(autouse=True)
def _close_the_event_loop_a_sync_test_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the event loop LlamaIndex's sync methods leave set on the thread.

    ``llama_index.core.async_utils.asyncio_run`` runs an async twin on ``get_event_loop()``,
    creating a loop it never closes; once something replaces it, it is collected unclosed, a
    ResourceWarning (an error in this suite). With none set, LlamaIndex uses ``asyncio.run``.
    """
    yield
    if inspect.iscoroutinefunction(getattr(request, "function", None)):
        return  # pytest-asyncio owns that test's loop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            loop = asyncio.get_event_loop()
        except RuntimeError:
            return
    if not loop.is_running():
        loop.close()
        asyncio.set_event_loop(None)
