"""Grok Imagine and documents through LangChain: image edits, videos, PDFs, and the tools in an agent.

Over a real socket to GrokTestServer, plus the real xAI recordings of an edit and a video replayed
through the tools.
"""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import httpx
import pytest
from langchain.agents import create_agent
from langchain_core.exceptions import ModelInvalidRequestError
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from pydantic import ValidationError

import grok_transport
from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok, GrokImageGenerationTool, GrokVideoGenerationTool
from tests.conformance.wire_cassettes import replay
from tests.transport.test_media import EDIT, VIDEO, body_of, pdf, recording

LAUNCH = pdf("The launch is on 12 March.")
LAUNCH_B64 = base64.b64encode(LAUNCH).decode()


def chat(server: GrokTestServer, **kwargs: Any) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, model="grok-4.3", **kwargs)


def tool_call(name: str, **args: Any) -> dict[str, Any]:
    return {"type": "tool_call", "id": "call_1", "name": name, "args": args}


def data_url_of_a_generated_image(server: GrokTestServer) -> str:
    painter = GrokImageGenerationTool.from_model(chat(server))
    url = painter.invoke(tool_call(painter.name, prompt="a blue square")).artifact["images"][0]["url"]
    return "data:image/jpeg;base64," + base64.b64encode(painter.client.media.download(url)).decode()


# -- from_model and the key ---------------------------------------------------------------------


def test_tools_built_from_a_model_use_its_connection_and_pool(grok_server):
    llm = chat(grok_server, max_retries=0, default_headers={"x-team": "art"})
    painter = GrokImageGenerationTool.from_model(llm, n=2)
    director = GrokVideoGenerationTool.from_model(llm, duration=3)
    assert (painter.base_url, painter.max_retries, painter.n, director.duration) == (llm.base_url, 0, 2, 3)
    assert painter.client is llm.client and director.async_client is llm.async_client
    painter.invoke({"prompt": "a red kite"})
    assert grok_server.requests[-1].headers["x-team"] == "art"
    assert grok_server.api_key not in repr(painter) + repr(director)


def test_a_tool_without_a_key_binds_and_finds_the_key_when_it_runs(grok_server, monkeypatch):
    for name in ("XAI_API_KEY", "GROK_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    painter = GrokImageGenerationTool(base_url=grok_server.base_url)
    director = GrokVideoGenerationTool(base_url=grok_server.base_url)
    bound = chat(grok_server).bind_tools([painter, director])
    assert bound.invoke("please generate an image of a fox").tool_calls  # only the schema was needed
    with pytest.raises(grok_transport.MissingAPIKeyError, match="GROK_API_KEY"):
        painter.invoke({"prompt": "a fox"})
    assert [r.path for r in grok_server.requests] == ["/v1/chat/completions"]
    monkeypatch.setenv("GROK_API_KEY", grok_server.api_key)
    assert painter.invoke({"prompt": "a fox"}).startswith("Image: http://")


# -- image edits -------------------------------------------------------------------------------


def test_reference_images_turn_a_generation_into_an_edit(grok_server):
    reference = data_url_of_a_generated_image(grok_server)
    painter = GrokImageGenerationTool.from_model(chat(grok_server))
    message = painter.invoke(
        tool_call(painter.name, prompt="make the square red", reference_images=[reference])
    )
    sent = grok_server.requests[-1]
    assert sent.path == "/v1/images/edits"
    assert sent.json == {
        "model": "grok-imagine-image-quality",
        "prompt": "make the square red",
        "images": [{"type": "image_url", "url": reference}],
    }
    edited = message.artifact["images"][0]["url"]
    assert message.content == f"Image: {edited}" and httpx.get(edited).content[:3] == b"\xff\xd8\xff"


async def test_async_edit_inline(grok_server):
    reference = data_url_of_a_generated_image(grok_server)
    painter = GrokImageGenerationTool.from_model(chat(grok_server), image_format="b64_json")
    message = await painter.ainvoke(tool_call(painter.name, prompt="a hat", reference_images=[reference]))
    assert grok_server.requests[-1].json["response_format"] == "b64_json"
    assert base64.b64decode(message.artifact["images"][0]["b64_json"])[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    "references",
    [["/etc/passwd"], ["data:application/pdf;base64,JVBERi0="], ["https://a.example/1.png"] * 4],
)
def test_references_that_are_not_image_urls_never_leave(grok_server, references):
    painter = GrokImageGenerationTool.from_model(chat(grok_server))
    with pytest.raises(ValidationError):
        painter.invoke({"prompt": "edit", "reference_images": references})
    assert grok_server.requests == []


# -- videos ------------------------------------------------------------------------------------


def test_a_video_goes_through_several_polls_to_a_playable_file(grok_server):
    grok_server.media.video_polls = 4
    director = GrokVideoGenerationTool.from_model(chat(grok_server), poll_interval=0, resolution="720p")
    message = director.invoke(tool_call(director.name, prompt="a calm ocean wave", duration=2))
    paths = [r.path for r in grok_server.requests]
    assert paths[0] == "/v1/videos/generations" and len(paths) == 6  # four 202s, then done
    assert grok_server.requests[0].json == {
        "model": "grok-imagine-video",
        "prompt": "a calm ocean wave",
        "duration": 2,
        "resolution": "720p",
    }
    video = message.artifact
    assert message.content == f"Video (2 s): {video['url']}"
    assert video["duration"] == 2 and video["cost_in_usd_ticks"] > 0 and video["request_id"] in video["url"]
    assert director.client.media.download(video["url"])[4:8] == b"ftyp"


async def test_async_video_from_a_starting_frame(grok_server):
    frame = data_url_of_a_generated_image(grok_server)
    grok_server.media.video_polls = 2
    director = GrokVideoGenerationTool.from_model(chat(grok_server), poll_interval=0, duration=4)
    message = await director.ainvoke(tool_call(director.name, prompt="it spins", image_url=frame))
    start = next(r for r in grok_server.requests if r.path == "/v1/videos/generations")
    assert start.json["image"] == {"url": frame} and start.json["duration"] == 4
    assert message.artifact["duration"] == 4


def test_a_failed_video_is_typed_or_handed_to_the_model(grok_server):
    grok_server.media.video_outcome = "failed"
    director = GrokVideoGenerationTool.from_model(chat(grok_server), poll_interval=0)
    with pytest.raises(grok_transport.VideoGenerationError, match="failed"):
        director.invoke({"prompt": "a wave"})
    director.handle_tool_error = True
    message = director.invoke(tool_call(director.name, prompt="a wave"))
    assert message.status == "error" and "produced no video" in message.content


# -- documents -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block",
    [
        {"type": "file", "base64": LAUNCH_B64, "mime_type": "application/pdf", "filename": "launch.pdf"},
        {"type": "file", "source_type": "base64", "data": LAUNCH_B64, "mime_type": "application/pdf"},
        {
            "type": "file",
            "file": {"filename": "launch.pdf", "file_data": "data:application/pdf;base64," + LAUNCH_B64},
        },
    ],
    ids=["v1", "source_type", "openai"],
)
def test_a_pdf_block_is_uploaded_and_the_answer_quotes_it(grok_server, block):
    answer = chat(grok_server).invoke(
        [HumanMessage([{"type": "text", "text": "When is the launch?"}, block])]
    )
    assert [r.path for r in grok_server.requests] == ["/v1/files", "/v1/responses"]
    (stored,) = grok_server.media.files()
    assert stored.data == LAUNCH
    sent = grok_server.requests[1].json["input"][0]["content"]
    assert sent[1] == {"type": "input_file", "file_id": stored.id}
    assert "The launch is on 12 March." in answer.text


URL = "https://example.com/a.pdf"


@pytest.mark.parametrize(
    ("block", "part"),
    [
        ({"type": "file", "url": URL, "mime_type": "application/pdf"}, {"file_url": URL}),
        ({"type": "file", "source_type": "url", "url": URL}, {"file_url": URL}),
        ({"type": "file", "file_id": "FILE"}, {"file_id": "FILE"}),
        ({"type": "file", "source_type": "id", "id": "FILE"}, {"file_id": "FILE"}),
    ],
    ids=["v1-url", "source_type-url", "v1-id", "source_type-id"],
)
def test_urls_and_file_ids_are_attached_without_an_upload(grok_server, block, part):
    stored = grok_server.media.add_file("notes.txt", "text/plain", b"Bring snacks.", None)
    block, part = (json.loads(json.dumps(x).replace("FILE", stored.id)) for x in (block, part))
    answer = chat(grok_server).invoke([HumanMessage([{"type": "text", "text": "What?"}, block])])
    (request,) = grok_server.requests  # nothing uploaded
    assert request.json["input"][0]["content"][1] == {"type": "input_file", **part}
    expected = 'notes.txt says: "Bring snacks."' if "file_id" in part else f"{URL} is attached"
    assert expected in answer.text


async def test_streamed_text_document(grok_server):
    block = {"type": "text-plain", "text": "Bring snacks.", "mime_type": "text/plain"}
    chunks = [c async for c in chat(grok_server).astream([HumanMessage(["What to bring?", block])])]
    assert "Bring snacks." in "".join(c.text for c in chunks)
    assert grok_server.media.files()[0].filename == "document.txt"


def test_a_document_with_chat_completions_forced_is_refused_before_sending(grok_server):
    block = {"type": "file", "base64": LAUNCH_B64, "mime_type": "application/pdf"}
    with pytest.raises(ModelInvalidRequestError, match="file parts exist only on the Responses API"):
        chat(grok_server, use_responses_api=False).invoke([HumanMessage(["When?", block])])
    assert grok_server.requests == []


def test_the_profile_says_which_models_read_documents():
    assert ChatGrok(model="grok-4.3", api_key="k").profile["pdf_inputs"] is True
    assert ChatGrok(model="grok-3-mini", api_key="k").profile["pdf_inputs"] is False
    assert ChatGrok(provider="grokinc", api_key="k").profile["pdf_inputs"] is False


# -- the tools in an agent ----------------------------------------------------------------------


def test_an_agent_draws_edits_and_animates_then_answers(grok_server):
    grok_server.media.video_polls = 2
    llm = chat(grok_server)
    painter = GrokImageGenerationTool.from_model(llm)
    director = GrokVideoGenerationTool.from_model(llm, poll_interval=0)
    first_image = f"{grok_server.url}/files/img-1.jpeg"
    grok_server.enqueue(  # one script for every endpoint: the image endpoints take a turn too
        Reply.tool_calls([{"name": "grok_image_generation", "arguments": {"prompt": "a cat"}, "id": "c1"}]),
        Reply.text("(image endpoint: default answer)"),
        Reply.tool_calls(
            [
                {
                    "name": "grok_image_generation",
                    "arguments": {"prompt": "give it a hat", "reference_images": [first_image]},
                    "id": "c2",
                },
                {"name": "grok_video_generation", "arguments": {"prompt": "the cat dances"}, "id": "c3"},
            ]
        ),
        Reply.text("(image endpoint: default answer)"),
    )
    agent = create_agent(model=llm, tools=[painter, director])
    messages = agent.invoke({"messages": [HumanMessage("draw a cat, give it a hat, then animate it")]})[
        "messages"
    ]

    results = {m.tool_call_id: m for m in messages if isinstance(m, ToolMessage)}
    assert results["c1"].artifact["images"][0]["url"] == first_image
    assert [r.path for r in grok_server.requests].count("/v1/images/edits") == 1
    video_url = results["c3"].artifact["url"]
    final = messages[-1]
    assert isinstance(final, AIMessage) and not final.tool_calls
    assert video_url in final.text and results["c2"].artifact["images"][0]["url"] in final.text


# -- the real recordings, through the tools ------------------------------------------------------


@pytest.mark.wire
def test_the_recorded_edit_replays_through_the_image_tool():
    path, interactions = recording(EDIT)
    sent = json.loads(interactions[0]["request"]["body"])
    answer = json.loads(body_of(interactions[0]))
    painter = GrokImageGenerationTool(api_key="xai-replay", edit_model=sent["model"])
    with replay(path) as cassette:
        message = painter.invoke(
            tool_call(
                painter.name, prompt=sent["prompt"], reference_images=[i["url"] for i in sent["images"]]
            )
        )
        image = painter.client.media.download(message.artifact["images"][0]["url"])
    assert cassette.all_played
    assert message.content == f"Image: {answer['data'][0]['url']}"
    assert message.artifact["cost_in_usd_ticks"] == answer["usage"]["cost_in_usd_ticks"]
    assert image == body_of(interactions[1])


@pytest.mark.wire
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_recorded_video_replays_through_the_video_tool(mode):
    path, interactions = recording(VIDEO)
    sent = json.loads(interactions[0]["request"]["body"])
    final = json.loads(body_of(interactions[-2]))
    director = GrokVideoGenerationTool(
        api_key="xai-replay", model=sent["model"], resolution=sent["resolution"], poll_interval=0
    )
    call = tool_call(director.name, prompt=sent["prompt"], duration=sent["duration"])
    with replay(path) as cassette:
        message = director.invoke(call) if mode == "sync" else asyncio.run(director.ainvoke(call))
        video = director.client.media.download(message.artifact["url"])
    assert cassette.all_played
    assert message.artifact["url"] == final["video"]["url"]
    assert message.artifact["cost_in_usd_ticks"] == final["usage"]["cost_in_usd_ticks"]
    assert video == body_of(interactions[-1])
