"""The shape a maintainer relies on: families as resources, one client factory, capabilities as data.

And what users would notice if it broke: a client used inline for a stream keeps its connection
to the end (it used to lose it after the first delta), a job wait polls by the shared schedule.
"""

from __future__ import annotations

import gc
import inspect
import pickle
import weakref

import httpx
import pytest

import grok_transport
from grok_transport import (
    CLIENT_SETTINGS,
    DEFAULT_MAX_RETRIES,
    PROVIDERS,
    AsyncGrokClient,
    ClientSettings,
    GrokClient,
    GrokClients,
    InvalidParameterError,
    MissingAPIKeyError,
    provider_named,
)
from grok_transport._polling import Schedule, poll
from grok_transport.testing import GrokTestServer, Reply

HI = [{"role": "user", "content": "hi"}]
WORDS = [f"w{i} " for i in range(30)]
FAMILIES = ("images", "videos", "files", "batches", "models", "tokens", "keys", "explanations", "media")


# -- bug 1: a stream keeps what it reads from alive -----------------------------------------------


def test_an_inline_client_streams_to_the_end(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text(WORDS, chunk_delay=0.01))  # still arriving when the client is dropped
    deltas = GrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key).stream_chat(
        HI, model="grok-4.3"
    )
    gc.collect()  # whatever the interpreter, nothing but the stream holds the client now
    assert "".join(d.text for d in deltas if d.kind == "text") == "".join(WORDS)


async def test_an_inline_async_client_streams_to_the_end(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text(WORDS, chunk_delay=0.01))  # still arriving when the client is dropped
    stream = await AsyncGrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key).stream_chat(
        HI, model="grok-4.3"
    )
    gc.collect()
    assert "".join([d.text async for d in stream if d.kind == "text"]) == "".join(WORDS)


# -- endpoint families ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILIES)
def test_each_family_is_a_resource_with_an_async_twin(name: str) -> None:
    sync = getattr(GrokClient(api_key="k"), name)
    asynchronous = getattr(AsyncGrokClient(api_key="k"), name)
    assert type(asynchronous).__name__ == "Async" + type(sync).__name__
    assert type(sync).__module__ == type(asynchronous).__module__  # one module per family
    public = {m for m in dir(sync) if not m.startswith("_")}
    assert public == {m for m in dir(asynchronous) if not m.startswith("_")}
    for method in public:
        twin = getattr(asynchronous, method)
        awaited = inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin)
        assert awaited or "AsyncIterator" in str(inspect.signature(twin).return_annotation), method


def test_the_client_holds_no_endpoint_family() -> None:
    """Only chat and the sending primitives are methods of the client; families are resources."""
    methods = {m for m in dir(GrokClient) if not m.startswith("_") and callable(getattr(GrokClient, m))}
    assert methods == {
        "chat",
        "stream_chat",
        "plan",
        "complete",
        "stream",
        "request_json",
        "request_bytes",
        "close",
    }


def test_a_resource_keeps_its_client_and_the_client_is_freed_when_dropped() -> None:
    images = GrokClient(api_key="k").images  # the client is referred to only by its resource
    assert images._client.base_url == "https://api.x.ai/v1"
    client = GrokClient(api_key="k")
    client.files  # noqa: B018 - a resource made and dropped leaves no cycle behind
    freed = weakref.ref(client)
    del client
    assert freed() is None  # no garbage collection needed


# -- one poller ------------------------------------------------------------------------------------


def test_the_poller_warms_up_then_backs_off_only_while_nothing_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("grok_transport._polling.time.sleep", waits.append)
    statuses = iter(["queued"] * 5 + ["running 1", "running 2"] + ["running 2"] * 4 + ["done"])
    schedule: Schedule[str] = Schedule(interval=1.0, max_interval=3.0, timeout=None, timed_out=RuntimeError)
    assert poll(lambda: next(statuses), lambda s: s == "done", schedule) == "done"
    warm_up = [0.25, 0.375, 0.5625, 0.84375, 1.0]  # a short job is seen within a second
    assert waits == pytest.approx([*warm_up, 1.0, 1.0, 1.5, 2.25, 3.0, 3.0])  # holds while moving, capped


def test_a_zero_interval_polls_back_to_back(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("grok_transport._polling.time.sleep", waits.append)
    statuses = iter(["queued", "queued", "done"])
    schedule: Schedule[str] = Schedule(interval=0.0, max_interval=3.0, timeout=None, timed_out=RuntimeError)
    assert poll(lambda: next(statuses), lambda s: s == "done", schedule) == "done"
    assert waits == [0.0, 0.0]


# -- one client factory ----------------------------------------------------------------------------


def test_settings_are_declared_once_with_their_defaults() -> None:
    settings = ClientSettings()
    assert CLIENT_SETTINGS[:3] == ("provider", "api_key", "base_url")
    assert settings.max_retries == DEFAULT_MAX_RETRIES and settings.timeout is None
    assert "rate_limit_rpm" in CLIENT_SETTINGS and "http_async_client" in CLIENT_SETTINGS


@pytest.mark.parametrize(
    "bad",
    [{"max_retries": -1}, {"max_retries": 1.5}, {"timeout": 0}, {"timeout": -2.0}, {"rate_limit_rpm": -5}],
)
def test_a_setting_out_of_range_is_refused_as_a_typed_error(bad: dict[str, object]) -> None:
    with pytest.raises(InvalidParameterError, match=next(iter(bad))):
        ClientSettings(**bad)  # type: ignore[arg-type]


def test_the_factory_resolves_the_key_when_the_first_client_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("XAI_API_KEY", "GROK_API_KEY", "GROK_BASE_URL", "XAI_API_BASE"):
        monkeypatch.delenv(variable, raising=False)
    clients = GrokClients(ClientSettings())
    with pytest.raises(MissingAPIKeyError, match="XAI_API_KEY"):
        clients.sync.close()
    monkeypatch.setenv("XAI_API_KEY", "xai-later")
    assert clients.sync.base_url == "https://api.x.ai/v1"


def test_equal_settings_share_a_client_and_a_users_http_client_is_never_shared() -> None:
    first, second = GrokClients(ClientSettings(api_key="k1")), GrokClients(ClientSettings(api_key="k1"))
    assert first.sync is second.sync and first.async_ is second.async_
    assert GrokClients(ClientSettings(api_key="k2")).sync is not first.sync
    with httpx.Client() as own:
        mine = GrokClients(ClientSettings(api_key="k1", http_client=own))
        assert mine.sync is not first.sync and mine.sync._http() is own


def test_a_copy_or_pickle_rebuilds_and_a_users_http_client_refuses_to_pickle() -> None:
    clients = GrokClients(ClientSettings(api_key="k1", max_retries=5))
    assert clients.sync.retry.max_retries == 5
    restored = pickle.loads(pickle.dumps(clients))
    assert restored.built() == (None, None) and restored.settings.max_retries == 5
    with httpx.Client() as own, pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(GrokClients(ClientSettings(api_key="k1", http_client=own)))
    assert "k1" not in repr(clients) and "k1" not in repr(clients.settings)


# -- provider capabilities ----------------------------------------------------------------------------


def test_what_a_provider_offers_is_data_on_the_provider() -> None:
    assert PROVIDERS["xai"].files_api and PROVIDERS["xai"].batches and PROVIDERS["xai"].tokenizer
    for name in ("grokinc", "grokapi"):
        offered = PROVIDERS[name]
        assert not (offered.files_api or offered.batches or offered.tokenizer or offered.responses_api)
    assert PROVIDERS["grokinc"].key_management and not PROVIDERS["xai"].key_management
    assert provider_named("custom").files_api  # a proxy is taken to speak as xAI does
    assert grok_transport.lookup("grok-4.3", "xai").documents
    assert not grok_transport.lookup("grok-4", "grokapi").documents
