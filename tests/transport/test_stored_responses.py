"""Stored responses: read back what ``/v1/responses`` kept, delete it, and what a deleted one does.

docs/wire.md, "Stored responses": ``GET /v1/responses/{id}`` answers the object the create call
answered; ``DELETE`` answers ``{"deleted": true}``; an unknown, deleted or unstored id is a 404.
"""

from __future__ import annotations

import asyncio

import pytest

from grok_transport import AsyncGrokClient, GrokClient, InvalidParameterError, NotFoundError
from grok_transport._responses_reader import read_response
from grok_transport.testing import GrokTestServer

ASK = [{"role": "user", "content": "name three rivers"}]
MODEL = "grok-4.3"


def _client(server: GrokTestServer) -> GrokClient:
    return GrokClient(api_key=server.api_key, base_url=server.base_url)


def test_a_stored_response_reads_back_as_the_answer_it_was(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        live = client.chat(ASK, model=MODEL, use_responses_api=True)
        stored = client.responses.get(live.id)
    assert (stored.id, stored.text, stored.model) == (live.id, live.text, live.model)
    assert stored.usage is not None and live.usage is not None
    assert (stored.usage.prompt_tokens, stored.usage.output_tokens) == (
        live.usage.prompt_tokens,
        live.usage.output_tokens,
    )
    assert stored.output == live.output


def test_deleting_ends_the_conversation_there(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        first = client.chat(ASK, model=MODEL, use_responses_api=True)
        assert client.responses.delete(first.id) is True
        with pytest.raises(NotFoundError, match="not found"):
            client.responses.get(first.id)
        with pytest.raises(NotFoundError):
            client.chat(
                [{"role": "user", "content": "and a fourth?"}], model=MODEL, previous_response_id=first.id
            )
        with pytest.raises(NotFoundError):
            client.responses.delete(first.id)


def test_an_unstored_response_cannot_be_read_back(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client:
        unstored = client.chat(ASK, model=MODEL, use_responses_api=True, store=False)
        with pytest.raises(NotFoundError):
            client.responses.get(unstored.id)


def test_the_async_client_reads_and_deletes(grok_server: GrokTestServer) -> None:
    async def run() -> tuple[str, str, bool]:
        async with AsyncGrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
            live = await client.chat(ASK, model=MODEL, use_responses_api=True)
            stored = await client.responses.get(live.id)
            return live.text, stored.text, await client.responses.delete(live.id)

    live, stored, deleted = asyncio.run(run())
    assert (stored, deleted) == (live, True)


@pytest.mark.parametrize("bad", ["", "..", "."])
def test_a_blank_or_dot_id_is_refused_before_any_request(grok_server: GrokTestServer, bad: str) -> None:
    with _client(grok_server) as client:
        with pytest.raises(InvalidParameterError):
            client.responses.get(bad)
        with pytest.raises(InvalidParameterError):
            client.responses.delete(bad)
    assert grok_server.requests == []


def test_an_id_with_a_slash_stays_one_path_segment(grok_server: GrokTestServer) -> None:
    with _client(grok_server) as client, pytest.raises(NotFoundError):
        client.responses.get("../models")
    assert grok_server.requests[-1].path == "/v1/responses/..%2Fmodels"


def test_the_reference_example_with_chat_style_usage_keys_reads_the_same() -> None:
    """xAI's reference shows GET with ``prompt_tokens`` / ``completion_tokens``, create with ``input_tokens``."""
    output = [{"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "hi"}]}]
    chat_style = {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15}
    responses_style = {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}
    got, created = (
        read_response({"id": "r", "object": "response", "output": output, "usage": usage})
        for usage in (chat_style, responses_style)
    )
    assert got.usage is not None and created.usage is not None
    assert (got.usage.prompt_tokens, got.usage.output_tokens, got.usage.total_tokens) == (12, 3, 15)
    assert (created.usage.prompt_tokens, created.usage.output_tokens, created.usage.total_tokens) == (
        12,
        3,
        15,
    )


def test_input_items_page_through_the_request_s_own_input(grok_server: GrokTestServer) -> None:
    conversation = [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "first question"},
        {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "second question"},
    ]
    with _client(grok_server) as client:
        live = client.chat(conversation, model=MODEL, use_responses_api=True)
        asked = list(client.responses.input_items(live.id, limit=3))
        backwards = list(client.responses.input_items(live.id, order="desc", limit=100))
        with pytest.raises(InvalidParameterError):
            list(client.responses.input_items(live.id, limit=101))
    assert [item["content"] for item in asked] == [m["content"] for m in conversation]
    assert backwards == asked[::-1]
    pages = [r.query for r in grok_server.requests if r.path.endswith("/input_items")]
    assert len(pages) == 3  # 3 + 1 items at three a page, then one page of all four
    assert len({item["id"] for item in asked}) == 4


def test_async_input_items(grok_server: GrokTestServer) -> None:
    async def run() -> list[str]:
        async with AsyncGrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
            live = await client.chat(ASK, model=MODEL, use_responses_api=True)
            return [item["content"] async for item in client.responses.input_items(live.id, limit=1)]

    assert asyncio.run(run()) == ["name three rivers"]
