"""A request that changes state is sent once: after a 500 it is raised, never replayed.

One test, parametrized over every state-changing call of every endpoint family, sync and async,
counts what reached the local server after it answered that call with a 500 (``server.fail``).
A 500 may come after the server acted (a batch created, a file stored), so sending the request
again could create a second one. A read after a 500 is retried, as the control case shows.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from grok_transport import AsyncGrokClient, GrokClient, GrokError
from grok_transport._retry import REPLAYABLE_POSTS, replayable
from grok_transport.testing import GrokTestServer, Reply

PNG_URL = "https://example.com/cat.png"


@dataclass(frozen=True)
class Change:
    """One state-changing call: the route it reaches, what must exist first, and the call."""

    dialect: str
    method: str
    route: str
    call: Callable[[Any, dict[str, str]], Any]
    setup: Callable[[GrokClient], dict[str, str]] = lambda client: {}


def _batch(client: GrokClient) -> dict[str, str]:
    return {"batch": client.batches.create("b").id}


def _file(client: GrokClient) -> dict[str, str]:
    return {"file": client.files.upload(b"a note", filename="note.txt").id}


def _key(client: GrokClient) -> dict[str, str]:
    return {"key": client.keys.generate("someone").api_key.get_secret_value()}


def _collection(client: GrokClient) -> dict[str, str]:
    return {"collection": client.collections.create("c").id}


def _document(client: GrokClient) -> dict[str, str]:
    state = {**_collection(client), **_file(client)}
    client.collections.attach(state["collection"], state["file"])
    return state


def _stored_response(client: GrokClient) -> dict[str, str]:
    answer = client.chat([{"role": "user", "content": "hi"}], model="grok-4.3", use_responses_api=True)
    return {"response": str(answer.id)}


BODY = {"model": "grok-4.3", "messages": [{"role": "user", "content": "hi"}]}

CHANGES = {
    "batches.create": Change("xai", "POST", "/v1/batches", lambda c, s: c.batches.create("b")),
    "batches.add": Change(
        "xai", "POST", "/v1/batches/{id}/requests", lambda c, s: c.batches.add(s["batch"], [BODY]), _batch
    ),
    "batches.cancel": Change(
        "xai", "POST", "/v1/batches/{id}:cancel", lambda c, s: c.batches.cancel(s["batch"]), _batch
    ),
    "files.upload": Change("xai", "POST", "/v1/files", lambda c, s: c.files.upload(b"x", filename="x.txt")),
    "files.delete": Change("xai", "DELETE", "/v1/files/{id}", lambda c, s: c.files.delete(s["file"]), _file),
    "videos.start": Change("xai", "POST", "/v1/videos/generations", lambda c, s: c.videos.start("a wave")),
    "keys.generate": Change("grokinc", "POST", "/v1/keys/generate", lambda c, s: c.keys.generate("me")),
    "keys.delete": Change("grokinc", "POST", "/v1/keys/delete", lambda c, s: c.keys.delete(s["key"]), _key),
    "collections.create": Change("xai", "POST", "/v1/collections", lambda c, s: c.collections.create("c")),
    "collections.update": Change(
        "xai",
        "PUT",
        "/v1/collections/{id}",
        lambda c, s: c.collections.update(s["collection"], name="d"),
        _collection,
    ),
    "collections.delete": Change(
        "xai",
        "DELETE",
        "/v1/collections/{id}",
        lambda c, s: c.collections.delete(s["collection"]),
        _collection,
    ),
    "collections.attach": Change(
        "xai",
        "POST",
        "/v1/collections/{id}/documents/{file_id}",
        lambda c, s: c.collections.attach(s["collection"], s["file"]),
        lambda client: {**_collection(client), **_file(client)},
    ),
    "collections.remove_document": Change(
        "xai",
        "DELETE",
        "/v1/collections/{id}/documents/{file_id}",
        lambda c, s: c.collections.remove_document(s["collection"], s["file"]),
        _document,
    ),
    "collections.reindex_document": Change(
        "xai",
        "PATCH",
        "/v1/collections/{id}/documents/{file_id}",
        lambda c, s: c.collections.reindex_document(s["collection"], s["file"]),
        _document,
    ),
    "responses.delete": Change(
        "xai",
        "DELETE",
        "/v1/responses/{id}",
        lambda c, s: c.responses.delete(s["response"]),
        _stored_response,
    ),
}


def _run(client: Any, change: Change, state: dict[str, str]) -> Any:
    result = change.call(client, state)
    if isinstance(result, Awaitable):
        return asyncio.run(_awaited(result))
    return result


async def _awaited(result: Awaitable[Any]) -> Any:
    return await result


def _hits(server: GrokTestServer, method: str, route: str, before: int) -> int:
    pattern = re.compile(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(route)) + "$")
    return sum(1 for r in server.requests[before:] if r.method == method and pattern.match(r.path))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", sorted(CHANGES))
def test_a_state_change_answered_with_500_is_sent_exactly_once(grok_server_factory, name, mode):
    change = CHANGES[name]
    server = grok_server_factory(change.dialect)
    settings = {
        "base_url": server.base_url,
        "api_key": server.api_key,
        "max_retries": 3,
        "management_api_key": server.management_api_key,
        "management_base_url": server.base_url,
    }
    state = change.setup(GrokClient(**settings))
    client = GrokClient(**settings) if mode == "sync" else AsyncGrokClient(**settings)
    server.fail(change.method, change.route, Reply.error(500), Reply.error(500))
    before = len(server.requests)
    with pytest.raises(GrokError) as info:  # a ServerError, or a BatchSubmitError naming the batch
        _run(client, change, state)
    assert info.value.status_code == 500
    assert _hits(server, change.method, change.route, before) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_read_answered_with_500_is_retried(grok_server, mode):
    """The control: the same fault on a read is retried (the test above can tell the two apart)."""
    settings = {"base_url": grok_server.base_url, "api_key": grok_server.api_key, "max_retries": 3}
    client = GrokClient(**settings) if mode == "sync" else AsyncGrokClient(**settings)
    grok_server.fail("GET", "/v1/files", Reply.error(500), Reply.error(500))
    assert _run(client, Change("xai", "GET", "/v1/files", lambda c, s: c.files.list()), {}) == []
    assert _hits(grok_server, "GET", "/v1/files", 0) == 3


def test_which_requests_may_be_replayed_is_one_rule():
    assert replayable("GET", "/batches/b/results?limit=100")
    assert replayable("POST", "/chat/completions") and replayable("POST", "/responses")
    assert not replayable("POST", "/batches") and not replayable("DELETE", "/files/f")
    assert not replayable("POST", "/a-family-added-tomorrow")  # new endpoints are not replayed
    assert all(path.startswith("/") and "{" not in path for path in REPLAYABLE_POSTS)
    assert not replayable("GET", "/chat/deferred-completion/r1")  # served once: a repeat finds a 404


def test_every_route_of_the_local_server_that_changes_state_is_covered():
    """A state-changing route added to the server without a row above fails here."""
    from grok_transport.testing.routes import ROUTES

    changing = {
        (r.method, r.path)
        for r in ROUTES
        if r.path.startswith("/v1/") and not replayable(r.method, r.path.removeprefix("/v1"))
    }
    changing.discard(("GET", "/v1/chat/deferred-completion/{id}"))  # a read served once: test_deferred.py
    covered = {(c.method, c.route) for c in CHANGES.values()}
    assert changing - covered == set()
