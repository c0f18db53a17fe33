"""Grok Imagine and documents through LlamaIndex: image edits, videos, PDFs, and the specs in an agent.

Over a real socket to GrokTestServer, plus the real xAI recordings of an edit and a video replayed
through the tool specs.
"""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.base.llms.types import ChatMessage, DocumentBlock, ImageBlock, TextBlock

import grok_transport
from grok_transport.testing import GrokTestServer, Reply
from llama_index_grok import GrokImageToolSpec, GrokVideoToolSpec
from tests.conformance.wire_cassettes import replay
from tests.transport.test_media import EDIT, VIDEO, body_of, pdf, recording

# Core's workflows inspect agent objects and trip pydantic's deprecation warnings (not ours).
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:inspect")

LAUNCH = pdf("The launch is on 12 March.")


def painter(server: GrokTestServer, **kwargs) -> GrokImageToolSpec:
    return GrokImageToolSpec(api_key=server.api_key, base_url=server.base_url, max_retries=0, **kwargs)


def director(server: GrokTestServer, **kwargs) -> GrokVideoToolSpec:
    return GrokVideoToolSpec(
        api_key=server.api_key, base_url=server.base_url, max_retries=0, poll_interval=0, **kwargs
    )


def a_generated_image_as_data_url(server: GrokTestServer) -> str:
    spec = painter(server)
    _, image = spec.generate_image("a blue square")
    return "data:image/jpeg;base64," + base64.b64encode(spec.client.media.download(str(image.url))).decode()


def question(*blocks) -> ChatMessage:
    return ChatMessage(role="user", blocks=[TextBlock(text="When is the launch?"), *blocks])


# -- image edits -------------------------------------------------------------------------------


def test_edit_image_from_a_data_url_returns_text_and_the_new_image(server) -> None:
    reference = a_generated_image_as_data_url(server)
    text, image = painter(server).edit_image("make the square red", [reference], aspect_ratio="1:1")
    assert server.requests[-1].path == "/v1/images/edits"
    assert server.requests[-1].json == {
        "model": "grok-imagine-image-quality",
        "prompt": "make the square red",
        "aspect_ratio": "1:1",
        "images": [{"type": "image_url", "url": reference}],
    }
    assert isinstance(text, TextBlock) and isinstance(image, ImageBlock)
    assert str(image.url) in text.text and httpx.get(str(image.url)).content[:3] == b"\xff\xd8\xff"


async def test_aedit_image_inline(server) -> None:
    reference = a_generated_image_as_data_url(server)
    text, image = await painter(server, response_format="b64_json").aedit_image("a hat", [reference])
    assert image.resolve_image().read()[:3] == b"\xff\xd8\xff" and "inline image/jpeg" in text.text


@pytest.mark.parametrize("references", [["/etc/passwd"], ["data:application/pdf;base64,JVBERi0="], []])
def test_edits_from_anything_but_image_urls_never_leave(server, references) -> None:
    with pytest.raises(grok_transport.InvalidParameterError):
        painter(server).edit_image("edit", references)
    assert server.requests == []


def test_a_misspelt_setting_is_refused(server) -> None:
    with pytest.raises(TypeError, match="base_ur"):
        GrokVideoToolSpec(api_key=server.api_key, base_ur=server.base_url)


# -- videos ------------------------------------------------------------------------------------


def test_a_video_goes_through_several_polls_to_a_playable_file(server, monkeypatch) -> None:
    monkeypatch.setattr(server.media, "video_polls", 4)
    spec = director(server, resolution="720p")
    text = spec.generate_video("a calm ocean wave", duration=2)
    paths = [r.path for r in server.requests]
    assert paths[0] == "/v1/videos/generations" and len(paths) == 6  # four 202s, then done
    assert server.requests[0].json == {
        "model": "grok-imagine-video",
        "prompt": "a calm ocean wave",
        "duration": 2,
        "resolution": "720p",
    }
    url = text.rsplit(" ", 1)[1]
    assert text == f"Generated a 2 s video with grok-imagine-video: {url}"
    assert spec.client.media.download(url)[4:8] == b"ftyp"


async def test_agenerate_video_from_a_first_frame(server, monkeypatch) -> None:
    monkeypatch.setattr(server.media, "video_polls", 2)
    frame = a_generated_image_as_data_url(server)
    text = await director(server, duration=4).agenerate_video("it spins", image_url=frame)
    start = next(r for r in server.requests if r.path == "/v1/videos/generations")
    assert start.json["image"] == {"url": frame} and start.json["duration"] == 4
    assert "4 s video" in text


def test_a_failed_video_is_a_typed_error(server, monkeypatch) -> None:
    monkeypatch.setattr(server.media, "video_outcome", "expired")
    with pytest.raises(grok_transport.VideoGenerationError, match="expired"):
        director(server).generate_video("a wave")


# -- documents -----------------------------------------------------------------------------------


def test_a_pdf_document_is_uploaded_and_the_answer_quotes_it(make_llm, server) -> None:
    answer = make_llm().chat([question(DocumentBlock(data=LAUNCH, title="launch"))])
    assert [r.path for r in server.requests] == ["/v1/files", "/v1/responses"]
    (stored,) = server.media.files()
    assert (stored.data, stored.filename) == (LAUNCH, "launch.pdf")
    assert server.requests[1].json["input"][0]["content"][1] == {"type": "input_file", "file_id": stored.id}
    assert "The launch is on 12 March." in answer.message.content


async def test_a_pdf_from_a_path_streams_and_a_url_is_attached_as_it_is(make_llm, server, tmp_path) -> None:
    path = tmp_path / "launch.pdf"
    path.write_bytes(LAUNCH)
    stream = await make_llm().astream_chat([question(DocumentBlock(path=path))])
    last = [response async for response in stream][-1]
    assert "The launch is on 12 March." in last.message.content
    assert server.media.files()[0].filename == "launch.pdf"

    url = "https://example.com/launch.pdf"
    answer = make_llm().chat([question(DocumentBlock(url=url, document_mimetype="application/pdf"))])
    assert server.requests[-1].json["input"][0]["content"][1] == {"type": "input_file", "file_url": url}
    assert f"{url} is attached" in answer.message.content


def test_a_document_with_chat_completions_forced_is_refused(make_llm, server) -> None:
    with pytest.raises(grok_transport.InvalidParameterError, match="Responses API"):
        make_llm(use_responses_api=False).chat([question(DocumentBlock(data=LAUNCH))])
    assert server.requests == []


# -- the specs in an agent ------------------------------------------------------------------------


async def test_an_agent_draws_edits_and_animates_then_answers(make_llm, server, monkeypatch) -> None:
    monkeypatch.setattr(server.media, "video_polls", 2)
    first_image = f"{server.url}/files/img-1.jpeg"
    server.enqueue(  # one script for every endpoint: the image endpoints take a turn too
        Reply.tool_calls([{"name": "generate_image", "arguments": {"prompt": "a cat"}}]),
        Reply.text("(image endpoint: default answer)"),
        Reply.tool_calls(
            [
                {"name": "edit_image", "arguments": {"prompt": "give it a hat", "image_urls": [first_image]}},
                {"name": "generate_video", "arguments": {"prompt": "the cat dances", "duration": 3}},
            ]
        ),
        Reply.text("(image endpoint: default answer)"),
    )
    tools = [*painter(server).to_tool_list(), *director(server).to_tool_list()]
    handler = FunctionAgent(tools=tools, llm=make_llm(), streaming=False).run(
        user_msg="draw a cat, give it a hat, then animate it"
    )
    results = {
        e.tool_name: e.tool_output
        for e in [e async for e in handler.stream_events()]
        if isinstance(e, ToolCallResult)
    }
    output = await handler
    assert sorted(results) == ["edit_image", "generate_image", "generate_video"]
    assert not any(result.is_error for result in results.values())
    assert first_image in results["generate_image"].content
    assert server.requests[[r.path for r in server.requests].index("/v1/images/edits")].json["images"] == [
        {"type": "image_url", "url": first_image}
    ]
    assert output.response.content  # the loop ended in text, on the third turn
    assert [r.path for r in server.requests].count("/v1/chat/completions") == 3
    # The model was shown every result: the video's URL as text, the images as images.
    video_url = results["generate_video"].content.rsplit(" ", 1)[1]
    last = server.requests[-1].json["messages"]
    assert any(m["role"] == "tool" and video_url in m["content"] for m in last)
    shown = [p["image_url"]["url"] for p in last[-1]["content"] if p["type"] == "image_url"]
    edited = next(b.url for b in results["edit_image"].blocks if isinstance(b, ImageBlock))
    assert last[-1]["role"] == "user" and str(edited) in shown


async def test_an_agent_answers_a_question_about_a_pdf(make_llm, server) -> None:
    tools = painter(server).to_tool_list()
    handler = FunctionAgent(tools=tools, llm=make_llm(), streaming=True).run(
        user_msg=question(DocumentBlock(data=LAUNCH, title="launch.pdf"))
    )
    output = await handler
    assert "The launch is on 12 March." in str(output.response.content)
    assert [r.path for r in server.requests] == ["/v1/files", "/v1/responses"]
    assert server.requests[1].json["tools"][0]["name"] == "generate_image"


# -- the real recordings, through the specs ------------------------------------------------------


@pytest.mark.wire
def test_the_recorded_edit_replays_through_the_image_spec() -> None:
    path, interactions = recording(EDIT)
    sent = json.loads(interactions[0]["request"]["body"])
    answer = json.loads(body_of(interactions[0]))
    spec = GrokImageToolSpec(api_key="xai-replay", edit_model=sent["model"])
    with replay(path) as cassette:
        text, image = spec.edit_image(sent["prompt"], [i["url"] for i in sent["images"]])
        downloaded = spec.client.media.download(str(image.url))
    assert cassette.all_played
    assert str(image.url) == answer["data"][0]["url"] and str(image.url) in text.text
    assert downloaded == body_of(interactions[1])


@pytest.mark.wire
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_recorded_video_replays_through_the_video_spec(mode) -> None:
    path, interactions = recording(VIDEO)
    sent = json.loads(interactions[0]["request"]["body"])
    final = json.loads(body_of(interactions[-2]))
    spec = GrokVideoToolSpec(
        api_key="xai-replay", model=sent["model"], resolution=sent["resolution"], poll_interval=0
    )
    with replay(path) as cassette:
        if mode == "sync":
            text = spec.generate_video(sent["prompt"], duration=sent["duration"])
        else:
            text = asyncio.run(spec.agenerate_video(sent["prompt"], duration=sent["duration"]))
        video = spec.client.media.download(final["video"]["url"])
    assert cassette.all_played
    assert text.endswith(final["video"]["url"])
    assert video == body_of(interactions[-1])
