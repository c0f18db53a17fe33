"""Grok Imagine (image edits, video jobs) and the Files API, through the transport.

Two kinds of evidence: the real xAI recordings of an edit, a video and an upload replayed
through vcrpy (expected values read naively from the recorded bytes), and GrokTestServer over a
real socket for everything a recording cannot show (202 polls on demand, failed and expired
jobs, timeouts, paging, what went on the wire, refusals that send nothing).
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path

import httpx
import pytest
import yaml

from grok_transport import (
    AsyncGrokClient,
    BadRequestError,
    FileTooLargeError,
    GrokClient,
    InvalidParameterError,
    JobTimeoutError,
    NotFoundError,
    VideoGenerationError,
    VideoStatus,
)
from grok_transport import _files as file_api
from grok_transport._images import DEFAULT_EDIT_MODEL
from grok_transport.testing import GrokTestServer, sample_pdf
from tests.conformance.wire_cassettes import CASSETTE_DIR, replay, require_shared_wire

EDIT = "image_edit_functionality_with_xai_reference_images_xai_grok-imagine-image-quality_supports_image_edits_with_reference_images.yaml"
VIDEO = "video_basic_functionality_xai_grok-imagine-video_can_animate_videos.yaml"
UPLOAD = "uploadedfile_live_uploads_xai_uploads_a_pdf_through_the_files_api.yaml"


def client(server: GrokTestServer) -> GrokClient:
    return GrokClient(base_url=server.base_url, api_key=server.api_key)


def aclient(server: GrokTestServer) -> AsyncGrokClient:
    return AsyncGrokClient(base_url=server.base_url, api_key=server.api_key)


def generated_image(server: GrokTestServer) -> bytes:
    """A JPEG the server generated, downloaded: what a user edits next."""
    c = client(server)
    return c.media.download(c.images.generate("a blue square").images[0].url)


pdf = sample_pdf  # the other test modules import it from here


def recording(name: str) -> tuple[Path, list[dict]]:
    path = require_shared_wire() / "ruby_llm" / name
    return path, yaml.safe_load(path.read_text())["interactions"]


def body_of(interaction: dict) -> bytes | str:
    return interaction["response"]["body"]["string"]


# -- the real recordings -------------------------------------------------------------------


@pytest.mark.wire
def test_recorded_edit_replays_and_its_image_downloads():
    path, interactions = recording(EDIT)
    sent = json.loads(interactions[0]["request"]["body"])
    answer = json.loads(body_of(interactions[0]))
    references = [image["url"] for image in sent["images"]]
    with replay(path) as cassette:
        result = GrokClient(api_key="xai-replay").images.edit(sent["prompt"], references, model=sent["model"])
        image = GrokClient(api_key="xai-replay").media.download(result.images[0].url)
    assert cassette.all_played
    assert result.images[0].url == answer["data"][0]["url"]
    assert result.images[0].mime_type == answer["data"][0]["mime_type"]
    assert result.cost_in_usd_ticks == answer["usage"]["cost_in_usd_ticks"]
    assert result.cost_usd == pytest.approx(answer["usage"]["cost_in_usd_ticks"] / 1e10)
    assert image == body_of(interactions[1]) and image[:3] == b"\xff\xd8\xff"


@pytest.mark.wire
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_recorded_video_polls_to_done_and_downloads(mode):
    path, interactions = recording(VIDEO)
    sent = json.loads(interactions[0]["request"]["body"])
    polls = [
        i for i in interactions if "/v1/videos/" in i["request"]["uri"] and i["request"]["method"] == "GET"
    ]
    final = json.loads(body_of(polls[-1]))
    seen: list[VideoStatus] = []
    options = dict(duration=sent["duration"], resolution=sent["resolution"], model=sent["model"])
    with replay(path) as cassette:
        if mode == "sync":
            c = GrokClient(api_key="xai-replay")
            result = c.videos.generate(sent["prompt"], poll_interval=0, on_progress=seen.append, **options)
            video = c.media.download(result.url)
        else:

            async def run():
                c = AsyncGrokClient(api_key="xai-replay")
                done = await c.videos.generate(
                    sent["prompt"], poll_interval=0, on_progress=seen.append, **options
                )
                return done, await c.media.download(done.url)

            result, video = asyncio.run(run())
    assert cassette.all_played
    assert [s.status for s in seen] == [json.loads(body_of(p))["status"] for p in polls]
    assert [s.progress for s in seen] == [json.loads(body_of(p))["progress"] for p in polls]
    assert sum(p["response"]["status"]["code"] == 202 for p in polls) == len(seen) - 1
    assert result.url == final["video"]["url"] and result.duration == final["video"]["duration"]
    assert result.model == final["model"] and result.request_id in result.url
    assert result.cost_in_usd_ticks == final["usage"]["cost_in_usd_ticks"]
    assert video == body_of(interactions[-1]) and video[4:8] == b"ftyp"


@pytest.mark.wire
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_recorded_upload_replays(mode):
    path, interactions = recording(UPLOAD)
    answer = json.loads(body_of(interactions[0]))
    with replay(path) as cassette:
        if mode == "sync":
            uploaded = GrokClient(api_key="xai-replay").files.upload(pdf("sample"), filename="sample.pdf")
        else:
            uploaded = asyncio.run(
                AsyncGrokClient(api_key="xai-replay").files.upload(pdf("sample"), filename="sample.pdf")
            )
    assert cassette.all_played
    assert (uploaded.id, uploaded.filename, uploaded.bytes) == (
        answer["id"],
        answer["filename"],
        answer["bytes"],
    )
    assert (uploaded.created_at, uploaded.expires_at) == (answer["created_at"], answer["expires_at"])
    assert uploaded.id.startswith("file_")


def test_the_recordings_are_present():
    """Under CI a missing recordings folder fails here rather than skipping the replays quietly."""
    require_shared_wire()
    assert all((CASSETTE_DIR / "ruby_llm" / name).is_file() for name in (EDIT, VIDEO, UPLOAD))


# -- image edits over a socket -------------------------------------------------------------


def test_edit_sends_a_data_url_reference_and_answers_like_a_generation(grok_server):
    reference = "data:image/jpeg;base64," + base64.b64encode(generated_image(grok_server)).decode()
    result = client(grok_server).images.edit("make the square red", [reference], response_format="b64_json")
    sent = grok_server.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/v1/images/edits")
    assert sent.json["images"] == [{"type": "image_url", "url": reference}]
    assert sent.json["model"] == DEFAULT_EDIT_MODEL == result.model
    assert result.images[0].image_bytes()[:3] == b"\xff\xd8\xff" and result.cost_usd > 0


def test_edit_turns_bytes_and_paths_into_data_urls_typed_by_content(grok_server, tmp_path):
    jpeg = generated_image(grok_server)
    misnamed = tmp_path / "photo.png"
    misnamed.write_bytes(jpeg)
    url = "https://example.com/cat.png"
    result = client(grok_server).images.edit("a hat", [jpeg, misnamed, url])
    urls = [image["url"] for image in grok_server.requests[-1].json["images"]]
    assert (
        urls[0] == urls[1] == "data:image/jpeg;base64," + base64.b64encode(jpeg).decode() and urls[2] == url
    )
    assert client(grok_server).media.download(result.images[0].url)[:3] == b"\xff\xd8\xff"


@pytest.mark.parametrize(
    "images, match",
    [
        ([], "1 to 3"),
        ([b"\xff\xd8\xff"] * 4, "1 to 3"),
        ([b"GIF89a not wanted"], "JPEG, PNG or WebP"),
        (["no/such/file.png"], "not a URL or an existing file"),
        (["data:application/pdf;base64,JVBER"], "image data URL"),
    ],
)
def test_bad_references_are_refused_before_any_request(grok_server, images, match):
    with pytest.raises(InvalidParameterError, match=match):
        client(grok_server).images.edit("a hat", images)
    assert grok_server.requests == []


def test_the_server_refuses_a_reference_that_is_not_an_image_url(grok_server):
    c = client(grok_server)
    with pytest.raises(BadRequestError, match=r"images\[0\]"):
        c.request_json("POST", "/images/edits", {"prompt": "x", "images": [{"url": "ftp://x"}]})


# -- videos over a socket ------------------------------------------------------------------


def test_a_video_goes_through_several_202_polls_to_a_playable_mp4(grok_server):
    grok_server.media.video_polls = 4
    seen: list[VideoStatus] = []
    c = client(grok_server)
    result = c.videos.generate(
        "a wave at sunset", duration=3, resolution="720p", poll_interval=0, on_progress=seen.append
    )
    assert [s.status for s in seen] == ["pending"] * 4 + ["done"]
    progress = [s.progress for s in seen]
    assert progress == sorted(progress) and progress[-1] == 100 and len(set(progress)) == 5
    polls = [r for r in grok_server.requests if r.path.startswith("/v1/videos/") and r.method == "GET"]
    assert len(polls) == 5 and all(r.path.endswith(result.request_id) for r in polls)
    start = next(r for r in grok_server.requests if r.path == "/v1/videos/generations")
    assert start.json == {
        "model": "grok-imagine-video",
        "prompt": "a wave at sunset",
        "duration": 3,
        "resolution": "720p",
    }
    assert result.duration == 3 and result.model == "grok-imagine-video" and result.cost_usd > 0
    video = c.media.download(result.url)
    assert video[4:8] == b"ftyp" and b"avc1" in video
    assert "authorization" not in grok_server.requests[-1].headers  # the key stays with the API


def test_start_and_get_let_a_caller_poll_by_itself(grok_server):
    grok_server.media.video_polls = 2
    c = client(grok_server)
    request_id = c.videos.start("a cat", image=generated_image(grok_server))
    assert grok_server.requests[-1].json["image"]["url"].startswith("data:image/jpeg;base64,")
    first, second, third = (c.videos.get(request_id) for _ in range(3))
    assert (first.status, second.status, third.status) == ("pending", "pending", "done")
    assert first.progress < second.progress < third.progress == 100
    assert not first.finished and third.finished and third.result().url == third.url


@pytest.mark.parametrize("outcome", ["failed", "expired", "moderated"])
def test_a_job_without_a_video_is_a_typed_error(grok_server, outcome):
    grok_server.media.video_outcome = outcome
    grok_server.media.video_polls = 1
    with pytest.raises(VideoGenerationError) as info:
        client(grok_server).videos.generate("a storm", poll_interval=0)
    assert info.value.status == outcome and info.value.request_id
    assert not info.value.retryable
    assert "produced no video" in str(info.value)


def test_a_timeout_leaves_the_job_to_be_waited_for_again(grok_server):
    grok_server.media.video_polls = 2
    c = client(grok_server)
    with pytest.raises(JobTimeoutError) as info:
        c.videos.generate("a slow one", poll_interval=0, timeout=0)
    assert info.value.last_status.status == "pending"
    result = c.videos.wait(info.value.job_id, poll_interval=0)
    assert result.request_id == info.value.job_id and result.url


@pytest.mark.parametrize(
    "prompt, options",
    [
        ("a wave", {"duration": 0}),
        ("a wave", {"duration": 16}),
        ("a wave", {"duration": 2.5}),
        ("a wave", {"resolution": "4k"}),
        ("a wave", {"aspect_ratio": "5:4"}),
        ("a wave", {"image": b"not an image"}),
        ("  ", {}),
    ],
)
def test_bad_video_options_are_refused_before_any_request(grok_server, prompt, options):
    with pytest.raises(InvalidParameterError):
        client(grok_server).videos.generate(prompt, **options)
    assert grok_server.requests == []


def test_an_unknown_or_path_like_request_id_is_not_found(grok_server):
    c = client(grok_server)
    with pytest.raises(NotFoundError):
        c.videos.get("no-such-job")
    with pytest.raises(NotFoundError):
        c.videos.get("../models")  # quoted: it cannot reach GET /v1/models
    with pytest.raises(InvalidParameterError):
        c.videos.get("")


# -- files over a socket -------------------------------------------------------------------


def test_a_pdf_is_uploaded_listed_usable_later_and_deleted(grok_server, tmp_path):
    document = tmp_path / "report.pdf"
    document.write_bytes(pdf("The launch is on 12 March."))
    c = client(grok_server)
    uploaded = c.files.upload(document)
    sent = grok_server.requests[-1]
    assert sent.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert (
        b'name="file"; filename="report.pdf"' in sent.body and b"Content-Type: application/pdf" in sent.body
    )
    assert (uploaded.filename, uploaded.bytes, uploaded.expires_at) == (
        "report.pdf",
        len(document.read_bytes()),
        None,
    )
    stored = grok_server.media.file(uploaded.id)
    assert stored.data == document.read_bytes() and "The launch is on 12 March." in stored.text()
    assert [f.id for f in c.files.list()] == [uploaded.id]
    assert c.files.delete(uploaded.id) is True
    assert c.files.list() == [] and grok_server.media.file(uploaded.id) is None
    with pytest.raises(NotFoundError):
        c.files.delete(uploaded.id)


def test_listing_follows_pagination_tokens_to_the_last_page(grok_server):
    c = client(grok_server)
    ids = {
        c.files.upload(f"note {n}".encode(), filename=f"n{n}.txt").id for n in range(file_api.PAGE_SIZE + 1)
    }
    before = len(grok_server.requests)
    assert {f.id for f in c.files.list()} == ids
    # a full page, the short one, and the empty page its token leads to: nothing documents that a
    # short page is the last, so the shared paginator stops on an empty page (grok_transport/_paging.py)
    assert len(grok_server.requests) - before == 3


def test_bytes_are_named_by_their_content_and_can_expire(grok_server):
    c = client(grok_server)
    assert c.files.upload(pdf("x")).filename == "document.pdf"
    assert c.files.upload(b"plain words").filename == "document.txt"
    expiring = c.files.upload(b"\xff\xfe\x00", expires_after=3600)
    assert expiring.filename == "upload.bin" and expiring.expires_at == expiring.created_at + 3600
    assert grok_server.requests[-1].body.index(b'name="expires_after"') < grok_server.requests[-1].body.index(
        b'name="file"'
    )


def test_files_over_48_mb_and_bad_uploads_are_refused_without_a_request(grok_server, tmp_path):
    big = tmp_path / "big.pdf"
    with big.open("wb") as handle:
        handle.truncate(file_api.MAX_UPLOAD_BYTES + 1)  # sparse: no 48 MB on disk
    c = client(grok_server)
    with pytest.raises(FileTooLargeError, match="48 MB"):
        c.files.upload(big)
    with pytest.raises(FileTooLargeError):
        c.files.upload(bytes(file_api.MAX_UPLOAD_BYTES + 1))
    with pytest.raises(FileTooLargeError):
        asyncio.run(aclient(grok_server).files.upload(big))
    for bad in ({"file": b""}, {"file": tmp_path / "missing.pdf"}, {"file": b"x", "expires_after": 60}):
        with pytest.raises(InvalidParameterError):
            c.files.upload(**bad)
    assert grok_server.requests == []


# -- async twins ---------------------------------------------------------------------------


def test_async_twins_edit_generate_upload_list_and_delete(grok_server):
    grok_server.media.video_polls = 3
    seen: list[str] = []

    async def run():
        c = aclient(grok_server)
        edited = await c.images.edit("a hat", ["https://example.com/cat.png"])
        request_id = await c.videos.start("a wave")
        first = await c.videos.get(request_id)
        video = await c.videos.generate(
            "a wave", poll_interval=0, on_progress=lambda s: seen.append(s.status)
        )
        uploaded = await c.files.upload(pdf("async"), filename="a.pdf")
        listed = await c.files.list()
        deleted = await c.files.delete(uploaded.id)
        mp4 = await c.media.download(video.url)
        await c.aclose()
        return edited, first, video, uploaded, listed, deleted, mp4

    edited, first, video, uploaded, listed, deleted, mp4 = asyncio.run(run())
    assert edited.images[0].url and first.status == "pending"
    assert seen == ["pending"] * 3 + ["done"] and video.url.endswith(".mp4") and mp4[4:8] == b"ftyp"
    assert [f.id for f in listed] == [uploaded.id] and deleted is True
    assert grok_server.media.file(uploaded.id) is None


def test_the_server_holds_uploads_to_xais_multipart_rules(grok_server):
    auth = {"Authorization": f"Bearer {grok_server.api_key}"}

    def post(parts: list[tuple[str, str]]) -> httpx.Response:
        body = "".join(
            f"--b\r\nContent-Disposition: form-data; {head}\r\n\r\n{data}\r\n" for head, data in parts
        )
        headers = {**auth, "Content-Type": "multipart/form-data; boundary=b"}
        return httpx.post(f"{grok_server.base_url}/files", content=body + "--b--\r\n", headers=headers)

    file_part = ('name="file"; filename="a.txt"', "hello")
    assert post([file_part, ('name="expires_after"', "3600")]).status_code == 400  # must come first
    assert post([('name="expires_after"', "60"), file_part]).status_code == 400  # under an hour
    assert post([('name="file"', "no filename")]).status_code == 400
    assert httpx.post(f"{grok_server.base_url}/files", json={"file": "x"}, headers=auth).status_code == 400
    answer = post([('name="expires_after"', "3600"), file_part])
    assert answer.status_code == 200 and answer.json()["filename"] == "a.txt" and answer.json()["bytes"] == 5
    assert grok_server.media.file(answer.json()["id"]).text() == "hello"
