"""The budget's three settings through both adapters, their tools and tool specs (issue 19).

``rate_limit_rpm``, ``rate_limit_tpm`` and ``rate_limit_store`` mean the same on ``ChatGrok``,
``Grok`` and every tool: the calls share the budget named by (base URL, key, model), in Redis
when a store is set, and the objects still copy and pickle as plain settings.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from grok_transport import RateLimitError
from grok_transport.testing import GrokTestServer, Quota, Reply

Make = Callable[..., Any]


def _chat_grok(server: GrokTestServer, **settings: Any) -> tuple[Any, Callable[[str], Any]]:
    from langchain_grok import ChatGrok

    llm = ChatGrok(model="grok-4", base_url=server.base_url, api_key=server.api_key, **settings)
    return llm, llm.invoke


def _grok(server: GrokTestServer, **settings: Any) -> tuple[Any, Callable[[str], Any]]:
    from llama_index_grok import Grok

    llm = Grok(model="grok-4", base_url=server.base_url, api_key=server.api_key, **settings)
    return llm, llm.complete


ADAPTERS = pytest.mark.parametrize("make", [_chat_grok, _grok], ids=["langchain", "llama_index"])


def _budget_keys(url: str) -> list[bytes]:
    import redis

    return list(redis.Redis.from_url(url).scan_iter())


@ADAPTERS
def test_a_model_spends_the_shared_budget_and_corrects_it_from_usage(make: Make, redis_url: str) -> None:
    # 2,000 tokens a minute and 900 allowed per answer: the third call fits only once the first
    # two were corrected to the hundred-odd tokens they used; the 2 s timeout forbids waiting.
    with GrokTestServer(quota=Quota(rps=100, tpm=2_000)) as server:
        _, call = make(
            server, rate_limit_tpm=2_000, rate_limit_store=redis_url, max_tokens=900, timeout=2, max_retries=0
        )
        for _ in range(4):
            call("hello")
        assert server.quota is not None and server.quota.refused == 0
    assert _budget_keys(redis_url)


@ADAPTERS
def test_a_model_over_its_request_budget_fails_before_sending(make: Make) -> None:
    with GrokTestServer() as server:
        _, call = make(server, rate_limit_rpm=6, timeout=2)  # one per 10 s
        call("hello")
        with pytest.raises(RateLimitError, match="next slot is free in"):
            call("hello")
        assert len(server.requests) == 1


@ADAPTERS
def test_a_429_met_by_one_model_pauses_another_on_the_same_key(make: Make) -> None:
    with GrokTestServer() as server:
        _, first = make(server, rate_limit_rpm=6_000, max_retries=0)
        _, other = make(server, rate_limit_rpm=6_000, timeout=0.5)
        server.enqueue(Reply.error(429, retry_after=5))
        with pytest.raises(RateLimitError):
            first("hello")
        with pytest.raises(RateLimitError, match="next slot is free in"):
            other("hello")  # paused for 5 s, longer than its timeout: refused without sending
        assert len(server.requests) == 1


@ADAPTERS
def test_the_budget_settings_survive_copies_and_pickles(make: Make, redis_url: str) -> None:
    with GrokTestServer() as server:
        llm, _ = make(server, rate_limit_rpm=60, rate_limit_tpm=10_000, rate_limit_store=redis_url)
        for twin in (copy.deepcopy(llm), pickle.loads(pickle.dumps(llm))):
            assert (twin.rate_limit_rpm, twin.rate_limit_tpm, twin.rate_limit_store) == (
                60,
                10_000,
                redis_url,
            )


def _shown(llm: Any) -> list[str]:
    """Everything a notebook cell, a log line or a saved object shows of ``llm``."""
    shown = [repr(llm), str(llm)]
    if hasattr(llm, "to_json") and callable(llm.to_json) and hasattr(llm, "to_dict"):
        shown += [llm.to_json(), str(llm.to_dict())]  # LlamaIndex
    else:
        from langchain_core.load import dumpd, dumps

        shown += [dumps(llm), str(dumpd(llm))]
    return shown


@ADAPTERS
def test_a_redis_password_in_the_store_url_never_shows(make: Make) -> None:
    """The store URL is shown with its password masked (repr, str, serialized), and still used whole."""
    with GrokTestServer() as server:
        llm, _ = make(server, rate_limit_store="redis://:s3cret-Pa55@cache.internal:6379/0")
        for text in _shown(llm):
            assert "s3cret-Pa55" not in text
        assert any("cache.internal:6379" in text for text in _shown(llm)[:2])  # which Redis stays visible
        assert llm.rate_limit_store == "redis://:s3cret-Pa55@cache.internal:6379/0"  # what connects
        plain, _ = make(server, rate_limit_store="redis://cache.internal:6379/0")  # no secret to hide
        assert all("redis://cache.internal:6379/0" in text for text in _shown(plain))


@pytest.mark.filterwarnings("ignore:The function `load` is in beta")  # LangChain's label, not ours
@ADAPTERS
def test_a_saved_model_takes_a_store_password_from_the_environment(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = "redis://:s3cret-Pa55@cache.internal:6379/0"
    with GrokTestServer() as server:
        llm, _ = make(server, rate_limit_store=url)
    monkeypatch.setenv("GROK_RATE_LIMIT_STORE", url)
    monkeypatch.setenv("GROK_API_KEY", server.api_key)  # a base URL of its own: the custom provider
    if make is _grok:
        from llama_index_grok import Grok

        loaded = Grok.from_json(llm.to_json())
        assert loaded.rate_limit_store is None  # unset: the budget reads GROK_RATE_LIMIT_STORE
    else:
        from langchain_core.load import dumpd, load

        from langchain_grok import ChatGrok

        loaded = load(
            dumpd(llm), allowed_objects=[ChatGrok], valid_namespaces=["langchain_grok"], secrets_from_env=True
        )
        assert loaded.rate_limit_store == url  # the secret reference, resolved from the variable


def test_langchain_tools_share_the_models_budget(redis_url: str) -> None:
    from langchain_grok import ChatGrok, GrokImageGenerationTool

    with GrokTestServer() as server:
        llm = ChatGrok(
            base_url=server.base_url,
            api_key=server.api_key,
            rate_limit_rpm=6,
            rate_limit_store=redis_url,
            timeout=2,
        )
        tool = GrokImageGenerationTool.from_model(llm)
        assert (tool.rate_limit_rpm, tool.rate_limit_store) == (6, redis_url)
        tool.invoke({"prompt": "a cat"})
        with pytest.raises(RateLimitError):
            GrokImageGenerationTool.from_model(llm).invoke({"prompt": "a dog"})  # same key and model
        assert len([r for r in server.requests if r.path == "/v1/images/generations"]) == 1
    assert _budget_keys(redis_url)


def test_llama_index_tool_specs_take_the_budget_settings(redis_url: str) -> None:
    from llama_index_grok import GrokImageToolSpec

    with GrokTestServer() as server:
        settings: dict[str, Any] = {"base_url": server.base_url, "timeout": 2}
        budget: dict[str, Any] = {"rate_limit_rpm": 6, "rate_limit_tpm": 1_000, "rate_limit_store": redis_url}
        spec = GrokImageToolSpec(server.api_key, **settings, **budget)
        spec.generate_image("a cat")
        with pytest.raises(RateLimitError):
            GrokImageToolSpec(server.api_key, **settings, **budget).generate_image("a dog")
        assert len([r for r in server.requests if r.path == "/v1/images/generations"]) == 1
    assert _budget_keys(redis_url)


def test_langchains_own_rate_limiter_still_works_beside_the_budget() -> None:
    from langchain_core.rate_limiters import InMemoryRateLimiter

    from langchain_grok import ChatGrok

    with GrokTestServer() as server:
        limiter = InMemoryRateLimiter(requests_per_second=50, check_every_n_seconds=0.01)
        llm = ChatGrok(
            base_url=server.base_url, api_key=server.api_key, rate_limiter=limiter, rate_limit_rpm=6_000
        )
        assert [llm.invoke("hi").content for _ in range(2)]
        assert len(server.requests) == 2
