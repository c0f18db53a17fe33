"""Fixtures for the LlamaIndex adapter: one real local server per module, emptied between tests.

A server per module (not per test) keeps the suite fast; ``server.clear()`` before each test
empties its script and recordings so tests cannot see each other's traffic.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import pytest
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.events import BaseEvent
from llama_index.core.storage.chat_store.sql import SQLAlchemyChatStore

from grok_transport import _factory
from grok_transport.testing import GrokTestServer
from llama_index_grok import Grok


@pytest.fixture(scope="module")
def _module_server() -> Iterator[GrokTestServer]:
    with GrokTestServer(dialect="xai") as server:
        yield server


@pytest.fixture
def server(_module_server: GrokTestServer, monkeypatch: pytest.MonkeyPatch) -> GrokTestServer:
    """The module's server, forgetting everything; clients start fresh too, as in a new process.

    Models with equal settings share a client (grok_transport/_factory.py), and a client remembers
    the files it uploaded, which the cleared server no longer holds.
    """
    _module_server.clear()
    _module_server.set_default(None)
    monkeypatch.setattr(_factory, "_shared", OrderedDict())
    return _module_server


@pytest.fixture
def make_llm(server: GrokTestServer) -> Any:
    def make(**kwargs: Any) -> Grok:
        kwargs.setdefault("api_key", server.api_key)
        kwargs.setdefault("base_url", server.base_url)
        kwargs.setdefault("max_retries", 0)
        return Grok(**kwargs)

    return make


@pytest.fixture
def llm(make_llm: Any) -> Grok:
    return make_llm()


class EventRecorder(BaseEventHandler):
    """Collects every instrumentation event fired while it is attached."""

    events: list[BaseEvent] = []

    @classmethod
    def class_name(cls) -> str:
        return "EventRecorder"

    def handle(self, event: BaseEvent, **kwargs: Any) -> None:
        self.events.append(event)

    def names(self) -> list[str]:
        return [type(e).__name__ for e in self.events]


@pytest.fixture
def events() -> Iterator[EventRecorder]:
    recorder = EventRecorder(events=[])
    root = get_dispatcher()
    root.add_event_handler(recorder)
    try:
        yield recorder
    finally:
        root.event_handlers = [h for h in root.event_handlers if h is not recorder]


@pytest.fixture(autouse=True)
def _close_memory_stores(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Close the SQLite engines LlamaIndex's ``Memory`` opens (it never closes them itself).

    ``Memory.from_defaults()`` (an agent's memory, ``predict_and_call``'s default) keeps its turns
    in an in-memory aiosqlite database; left open, its connection is a ResourceWarning when
    collected, which the suite treats as an error.
    """
    opened: list[SQLAlchemyChatStore] = []
    setup = SQLAlchemyChatStore._setup_connections

    async def tracked(self: SQLAlchemyChatStore) -> Any:
        opened.append(self)
        return await setup(self)

    monkeypatch.setattr(SQLAlchemyChatStore, "_setup_connections", tracked)
    yield
    for engine in {id(s._async_engine): s._async_engine for s in opened if s._async_engine}.values():
        asyncio.run(engine.dispose())
