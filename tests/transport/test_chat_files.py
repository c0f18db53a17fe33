"""Documents in a chat turn: routed to the Responses API by the plan, uploaded by the client.

xAI attaches a file only by id or public URL (docs/wire.md, "Files"), so a message carrying the
bytes themselves costs an upload first. Over a real socket to GrokTestServer: what the plan
decides, what reaches ``/v1/files`` and ``/v1/responses``, that a document is uploaded once per
client however many turns resend it, and that bad or oversized data never leaves the process.
"""

from __future__ import annotations

import asyncio
import base64

import pytest

from grok_transport import (
    PROVIDERS,
    AsyncGrokClient,
    FileTooLargeError,
    GrokClient,
    InvalidMessageError,
    InvalidParameterError,
    NotFoundError,
    plan,
)
from grok_transport.testing import GrokTestServer, Reply
from tests.transport.test_media import pdf

LAUNCH = pdf("The launch is on 12 March.")


def ask(*parts: dict, question: str = "When is the launch?") -> list[dict]:
    return [{"role": "user", "content": [{"type": "text", "text": question}, *parts]}]


def inline(data: bytes = LAUNCH, mime_type: str = "application/pdf", **extra: str) -> dict:
    url = f"data:{mime_type};base64," + base64.b64encode(data).decode()
    return {"type": "file", "file": {"file_data": url, **extra}}


def client(server: GrokTestServer) -> GrokClient:
    return GrokClient(base_url=server.base_url, api_key=server.api_key)


def paths(server: GrokTestServer) -> list[str]:
    return [request.path for request in server.requests]


# -- the plan ---------------------------------------------------------------------------------


def test_a_file_routes_the_turn_to_the_responses_api_as_input_file():
    messages = ask(
        {"type": "file", "file": {"file_id": "file_1"}},
        {"type": "file", "file": {"file_url": "https://example.com/a.pdf"}},
        {"type": "input_file", "file_id": "file_2"},
    )
    call = plan(messages, model="grok-4.3", provider=PROVIDERS["xai"])
    assert call.endpoint == "/responses"
    assert call.body["input"][0]["content"] == [
        {"type": "input_text", "text": "When is the launch?"},
        {"type": "input_file", "file_id": "file_1"},
        {"type": "input_file", "file_url": "https://example.com/a.pdf"},
        {"type": "input_file", "file_id": "file_2"},
    ]


def test_a_file_with_chat_completions_forced_is_refused():
    with pytest.raises(InvalidParameterError, match="file parts exist only on the Responses API"):
        plan(ask(inline()), model="grok-4.3", provider=PROVIDERS["xai"], use_responses_api=False)


@pytest.mark.parametrize(
    ("part", "error", "match"),
    [
        (
            {"type": "file", "file": {"filename": "a.pdf"}},
            InvalidMessageError,
            "file_id, a file_url or file_data",
        ),
        ({"type": "file", "file": "file_1"}, InvalidMessageError, "file_id, a file_url or file_data"),
        (
            {"type": "file", "file": {"file_data": "data:application/pdf;base64," + "A" * 64_000_004}},
            FileTooLargeError,
            "48 MB",
        ),
        (
            {"type": "file", "file": {"file_data": "data:application/pdf;base64,%%%not base64"}},
            InvalidMessageError,
            "not base64",
        ),
    ],
)
def test_bad_or_oversized_files_never_leave_the_process(grok_server, part, error, match):
    with pytest.raises(error, match=match):
        client(grok_server).chat(ask(part), model="grok-4.3")
    assert grok_server.requests == []  # no upload, no chat


# -- over a socket ----------------------------------------------------------------------------


def test_inline_bytes_are_uploaded_then_referred_to_by_id(grok_server):
    answer = client(grok_server).chat(ask(inline()), model="grok-4.3")
    assert paths(grok_server) == ["/v1/files", "/v1/responses"]
    upload, turn = grok_server.requests
    assert b'filename="document.pdf"' in upload.body and b"Content-Type: application/pdf" in upload.body
    assert b'name="expires_after"\r\n\r\n86400' in upload.body  # attachments do not pile up
    (stored,) = grok_server.media.files()
    assert stored.data == LAUNCH and stored.expires_at is not None
    assert turn.json["input"][0]["content"][1] == {"type": "input_file", "file_id": stored.id}
    assert "The launch is on 12 March." in answer.text  # the server read the document


def test_a_document_is_uploaded_once_however_many_turns_resend_it(grok_server):
    c = client(grok_server)
    messages = ask(inline(filename="launch.pdf"))
    first = c.chat(messages, model="grok-4.3")
    messages += [{"role": "assistant", "content": first.text}, {"role": "user", "content": "And where?"}]
    with c.stream_chat(messages, model="grok-4.3") as stream:
        for _ in stream:
            pass
    assert paths(grok_server) == ["/v1/files", "/v1/responses", "/v1/responses"]
    ids = [r.json["input"][0]["content"][1]["file_id"] for r in grok_server.requests[1:]]
    assert ids[0] == ids[1] == grok_server.media.files()[0].id
    assert grok_server.media.files()[0].filename == "launch.pdf"

    assert c.files.delete(ids[0])  # deleted through the client: the next turn uploads again
    c.chat(messages, model="grok-4.3")
    assert paths(grok_server)[-3:] == ["/v1/files/" + ids[0], "/v1/files", "/v1/responses"]


def test_the_planned_call_keeps_its_inline_data(grok_server):
    c = client(grok_server)
    call = c.plan(ask(inline()), model="grok-4.3")
    c.complete(call)
    assert call.body["input"][0]["content"][1]["file_data"].startswith("data:application/pdf;base64,")


def test_text_files_and_urls_reach_the_model_too(grok_server):
    notes = inline(b"Remember the milk.", "text/plain")
    answer = client(grok_server).chat(
        ask(notes, {"type": "file", "file": {"file_url": "https://example.com/a.pdf"}}), model="grok-4.3"
    )
    assert grok_server.media.files()[0].filename == "document.txt"
    assert 'document.txt says: "Remember the milk."' in answer.text
    assert "https://example.com/a.pdf is attached" in answer.text


def test_an_unknown_file_id_is_not_found(grok_server):
    with pytest.raises(NotFoundError, match="file_gone"):
        client(grok_server).chat(ask({"type": "file", "file": {"file_id": "file_gone"}}), model="grok-4.3")


def test_a_scripted_reply_wins_over_the_quote(grok_server):
    grok_server.enqueue(Reply.text("it is in march."))
    assert client(grok_server).chat(ask(inline()), model="grok-4.3").text == "it is in march."


def test_async_uploads_once_and_streams(grok_server):
    async def run() -> str:
        c = AsyncGrokClient(base_url=grok_server.base_url, api_key=grok_server.api_key)
        await c.chat(ask(inline()), model="grok-4.3")
        async with await c.stream_chat(ask(inline()), model="grok-4.3") as stream:
            async for _ in stream:
                pass
        return stream.answer.text

    text = asyncio.run(run())
    assert paths(grok_server) == ["/v1/files", "/v1/responses", "/v1/responses"]
    assert "The launch is on 12 March." in text


def test_a_reused_upload_gone_from_the_server_is_uploaded_again(grok_server):
    c = client(grok_server)
    c.chat(ask(inline()), model="grok-4.3")
    gone = grok_server.media.files()[0].id
    grok_server.media.delete_file(gone)  # deleted elsewhere: the console, another process
    answer = c.chat(ask(inline()), model="grok-4.3")
    assert paths(grok_server)[2:] == ["/v1/responses", "/v1/files", "/v1/responses"]
    assert grok_server.requests[2].json["input"][0]["content"][1]["file_id"] == gone
    assert grok_server.requests[4].json["input"][0]["content"][1]["file_id"] != gone
    assert "The launch is on 12 March." in answer.text


def test_other_404s_are_not_retried_with_fresh_uploads(grok_server):
    c = client(grok_server)
    c.chat(ask(inline()), model="grok-4.3")
    grok_server.enqueue(Reply.error(404, "The model grok-9 does not exist."))
    with pytest.raises(NotFoundError, match="grok-9"):
        c.chat(ask(inline()), model="grok-4.3")
    assert paths(grok_server) == ["/v1/files", "/v1/responses", "/v1/responses"]
