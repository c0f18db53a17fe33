"""GrokClient and AsyncGrokClient over a real socket to GrokTestServer: retries, faults, streams,
concurrency, event loops, every endpoint, and the key kept out of everything."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from grok_transport import (
    APITimeoutError,
    AsyncGrokClient,
    AuthenticationError,
    BadRequestError,
    GrokClient,
    InsufficientCreditsError,
    MissingAPIKeyError,
    ServerError,
    StreamInterruptedError,
)
from grok_transport._ratelimit import RateLimitInfo, SlidingWindowLimiter
from grok_transport.testing import GrokTestServer, Reply

HI = [{"role": "user", "content": "hi"}]


def client(server: GrokTestServer, **kwargs) -> GrokClient:
    return GrokClient(base_url=server.base_url, api_key=server.api_key, **kwargs)


def test_429_with_retry_after_is_waited_out_then_succeeds(grok_server):
    grok_server.enqueue(Reply.error(429, retry_after=0.3), Reply.text("done"))
    start = time.monotonic()
    answer = client(grok_server).chat(HI, model="grok-4.3")
    assert answer.text == "done"
    assert time.monotonic() - start >= 0.3
    assert len(grok_server.requests) == 2


def test_5xx_and_an_error_inside_a_200_are_retried(grok_server):
    grok_server.enqueue(Reply.error(503), Reply.error_in_body(), Reply.error(500), Reply.text("ok"))
    assert client(grok_server, max_retries=3).chat(HI, model="grok-4.3").text == "ok"
    assert len(grok_server.requests) == 4


def test_retries_stop_at_max_retries_with_the_servers_error(grok_server):
    grok_server.enqueue(*[Reply.error(503, "at capacity")] * 3)
    with pytest.raises(ServerError, match="at capacity") as info:
        client(grok_server, max_retries=1).chat(HI, model="grok-4.3")
    assert info.value.status_code == 503 and len(grok_server.requests) == 2


def test_other_4xx_and_credit_exhaustion_are_never_retried(grok_server_factory):
    xai = grok_server_factory("xai")
    xai.enqueue(Reply.error(400, "bad argument"))
    with pytest.raises(BadRequestError):
        client(xai).chat(HI, model="grok-4.3")
    assert len(xai.requests) == 1
    grokapi = grok_server_factory("grokapi", credits=0)
    with pytest.raises(InsufficientCreditsError) as info:
        GrokClient(provider="grokapi", base_url=grokapi.base_url, api_key=grokapi.api_key).chat(
            HI, model="grok-4"
        )
    assert info.value.status_code == 402 and len(grokapi.requests) == 1


def test_wrong_key_is_an_authentication_error_that_does_not_echo_the_key(grok_server):
    secret = "my-very-secret-key-123"
    with pytest.raises(AuthenticationError) as info:
        GrokClient(base_url=grok_server.base_url, api_key=secret).chat(HI, model="grok-4.3")
    error = info.value
    assert error.status_code == 400
    for text in (str(error), repr(error), str(error.body), error.message):
        assert secret not in text


def test_a_cut_stream_raises_with_the_text_received_so_far(grok_server):
    grok_server.enqueue(Reply.text(["one ", "two ", "three ", "four"], cut_after=3))
    received = []
    with (
        pytest.raises(StreamInterruptedError) as info,
        client(grok_server).stream_chat(HI, model="grok-4.3") as stream,
    ):
        for delta in stream:
            received.append(delta.text)
    assert info.value.text == "one two three "
    assert "".join(filter(None, received)) == info.value.text
    assert len(grok_server.requests) == 1  # never retried once bytes reached the caller


def test_a_stream_is_retried_before_its_first_byte(grok_server):
    grok_server.enqueue(Reply.error(503), Reply.text(["a", "b"]))
    with client(grok_server).stream_chat(HI, model="grok-4.3") as stream:
        assert "".join(d.text for d in stream if d.kind == "text") == "ab"
    assert stream.answer.usage.total_tokens > 0  # usage from the trailing choices: [] chunk


def test_an_error_event_inside_a_stream_is_typed_and_keeps_the_partial_answer(grok_server):
    grok_server.enqueue(Reply.error_in_body("Timed out waiting for first token", after=2))
    received: list[str] = []
    with (
        pytest.raises(ServerError, match="Timed out") as info,
        client(grok_server).stream_chat(HI, model="grok-4.3") as stream,
    ):
        received.extend(delta.text for delta in stream)
    # The two chunks before the error reached the caller, and the error keeps them (grok-4.3
    # thinks first, so they are reasoning).
    assert len(received) == 2
    assert info.value.partial.reasoning == "".join(received)


def test_malformed_json_is_a_typed_error(grok_server):
    grok_server.enqueue(*[Reply.malformed_json()] * 3)
    with pytest.raises(ServerError, match="malformed JSON"):
        client(grok_server, max_retries=0).chat(HI, model="grok-4.3")


def test_a_slow_first_byte_past_the_timeout_is_a_timeout_error(grok_server):
    grok_server.enqueue(Reply.text("late", first_byte_delay=1.0))
    with pytest.raises(APITimeoutError):
        client(grok_server, timeout=httpx.Timeout(0.2), max_retries=0).chat(HI, model="grok-4.3")


def test_rate_limit_headers_are_big_ints(grok_server):
    answer = client(grok_server).chat(HI, model="grok-4.3")
    limits = RateLimitInfo.from_headers(answer.headers)
    assert limits is not None and limits.remaining_requests < limits.limit_requests
    assert (
        RateLimitInfo.from_headers({"x-ratelimit-limit-tokens": "18446744073709551615"}).limit_tokens
        == 2**64 - 1
    )


def test_every_endpoint(grok_server_factory):
    xai = grok_server_factory("xai")
    c = client(xai)
    assert any(card.id == "grok-4.3" for card in c.models.list())
    assert all(card.input_modalities for card in c.models.list_language_models())
    image = c.images.generate("a cat", response_format="b64_json").images[0]
    assert image.image_bytes() and image.data_url().startswith("data:image/")
    assert c.tokens.count("hello world", model="grok-4.3") >= 2
    grokinc = grok_server_factory("grokinc")
    public = GrokClient(provider="grokinc", base_url=grokinc.base_url, require_key=False)
    new_key = public.keys.generate("my-app").api_key
    assert "my-app" not in repr(new_key) and new_key.get_secret_value() not in repr(new_key)
    with pytest.raises(MissingAPIKeyError):
        public.keys.list()
    mine = GrokClient(provider="grokinc", base_url=grokinc.base_url, api_key=new_key)
    assert len(mine.keys.list()) >= 1
    assert mine.explanations.create([{"role": "user", "content": "why?"}], "because.").islower()
    mine.keys.delete(new_key)
    with pytest.raises(AuthenticationError):
        mine.keys.list()


def test_grokinc_requests_carry_x_api_key_and_folded_system(grok_server_factory):
    server = grok_server_factory("grokinc")
    GrokClient(provider="grokinc", base_url=server.base_url, api_key=server.api_key).chat(
        [{"role": "system", "content": "be brief"}, *HI], model="grok-lite"
    )
    request = server.requests[-1]
    assert request.headers["x-api-key"] == "***" and "authorization" not in request.headers
    assert request.json["messages"] == [{"role": "user", "content": "be brief\n\nhi"}]


def test_sliding_window_limiter_waits_instead_of_failing():
    limiter = SlidingWindowLimiter(2, period=0.3)
    start = time.monotonic()
    for _ in range(3):
        limiter.acquire()
    assert time.monotonic() - start >= 0.29


async def test_200_concurrent_requests_on_one_loop(grok_server):
    aclient = AsyncGrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key)
    answers = await asyncio.gather(*(aclient.chat(HI, model="grok-4.3") for _ in range(200)))
    assert len({a.id for a in answers}) == 200
    stream = await aclient.stream_chat(HI, model="grok-4.3")
    async with stream:
        assert [c async for c in stream]
    await aclient.aclose()


def test_one_async_client_across_asyncio_run_calls(grok_server):
    aclient = AsyncGrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key)
    for _ in range(3):
        assert asyncio.run(aclient.chat(HI, model="grok-4.3")).text
        assert not aclient._pools  # each loop's pool was closed when its loop shut down


def test_user_supplied_http_client_and_default_headers(grok_server):
    seen = []
    http = httpx.Client(event_hooks={"request": [lambda r: seen.append(r.url.path)]})
    c = client(grok_server, http_client=http, default_headers={"x-grok-conv-id": "conv-1"})
    c.chat(HI, model="grok-4.3")
    assert seen == ["/v1/chat/completions"]
    assert grok_server.requests[-1].headers["x-grok-conv-id"] == "conv-1"
    c.close()
    assert not http.is_closed  # the user's client is theirs to close
    http.close()
