"""Grok Imagine and the Files API on the test server: image edits, video jobs, uploaded files.

=====================================  ============================================================
endpoint                               answer
=====================================  ============================================================
POST /v1/images/edits                  references checked here, then answered like a generation
POST /v1/videos/generations            ``{"request_id"}``; the job is kept in :class:`MediaStore`
GET  /v1/videos/{request_id}           202 ``{"status": "pending", "progress"}`` until the
                                       server's ``job_seconds`` have passed, then 200 ``done``
GET  /videos/xai-video-{id}.mp4        public: the video's bytes (a real one-second MP4)
POST /v1/files                         multipart, field ``file`` → the file object
GET  /v1/files                         ``{"data": [...], "pagination_token"}``, newest first
GET  /v1/files/{file_id}               the file object
DELETE /v1/files/{file_id}             ``{"id", "deleted": true, "object": "file"}``
=====================================  ============================================================

A ``/v1/responses`` request whose messages attach files (``input_file`` parts) gets them checked
by :func:`attached_documents` (an unknown ``file_id`` is a 404) and, where the stand-in would
answer in text, an answer quoting them (:func:`document_reply`), so a test sees the document was
read.

Shapes follow the recordings (docs/wire.md, "Images", "Video", "Files"). Ids are derived from a
counter, not drawn at random, so a notebook rebuilt against a fresh server shows the same ids.
A job is pending for the server's ``job_seconds`` after it starts (``GrokTestServer(job_seconds=…)``,
0.3 by default): it finishes by elapsed time, as a real one does, so a client polling on its real
schedule sees it done at its second look. A test that needs an exact sequence of pending polls
sets :attr:`MediaStore.video_polls` instead; how a job ends is (:attr:`MediaStore.video_outcome`:
``done``, ``failed``, ``expired`` or ``moderated``). Chat and Responses handlers find an
uploaded document with :meth:`MediaStore.file`; :meth:`StoredFile.text` reads its words.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import re
import threading
import time
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from .._videos import DEFAULT_VIDEO_MODEL, VIDEO_MODELS
from ._http import Response
from .answer import stand_in
from .models import not_served
from .replies import Reply

if TYPE_CHECKING:
    from .conversation import Conversation
    from .exchange import Exchange

__all__ = [
    "MediaStore",
    "StoredFile",
    "VideoJob",
    "MP4_BYTES",
    "attached_documents",
    "document_answer",
    "document_reply",
]

# A real one-second 16x16 H.264 MP4 (one blue frame), small enough to inline, real enough to play:
# ffmpeg -f lavfi -i color=c=0x1d4ed8:s=16x16:r=1:d=1 -c:v libx264 -profile:v baseline
#   -pix_fmt yuv420p -bsf:v filter_units=remove_types=6 -fflags +bitexact -map_metadata -1
#   -movflags +faststart
MP4_BYTES = base64.b64decode(
    "AAAAIGZ0eXBpc29tAAACAGlzb21pc28yYXZjMW1wNDEAAALsbW9vdgAAAGxtdmhkAAAAAAAAAAAAAAAAAAAD6AAAA+gAAQAA"
    "AQAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "AAAAAgAAAjt0cmFrAAAAXHRraGQAAAADAAAAAAAAAAAAAAABAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAA"
    "AAAAAAABAAAAAAAAAAAAAAAAAABAAAAAABAAAAAQAAAAAAAkZWR0cwAAABxlbHN0AAAAAAAAAAEAAAPoAAAAAAABAAAAAAGz"
    "bWRpYQAAACBtZGhkAAAAAAAAAAAAAAAAAABAAAAAQABVxAAAAAAALWhkbHIAAAAAAAAAAHZpZGUAAAAAAAAAAAAAAABWaWRl"
    "b0hhbmRsZXIAAAABXm1pbmYAAAAUdm1oZAAAAAEAAAAAAAAAAAAAACRkaW5mAAAAHGRyZWYAAAAAAAAAAQAAAAx1cmwgAAAA"
    "AQAAAR5zdGJsAAAAunN0c2QAAAAAAAAAAQAAAKphdmMxAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAABAAEABIAAAASAAAAAAA"
    "AAABDExhdmMgbGlieDI2NAAAAAAAAAAAAAAAAAAAAAAAAAAAGP//AAAAMGF2Y0MBQsAK/+EAF2dCwAqmEXsBEAAAAwAQAAAD"
    "ACDxImEYAQAGaMhCDyyAAAAAEHBhc3AAAAABAAAAAQAAABRidHJ0AAAAAAAAAMAAAAAAAAAAGHN0dHMAAAAAAAAAAQAAAAEA"
    "AEAAAAAAHHN0c2MAAAAAAAAAAQAAAAEAAAABAAAAAQAAABRzdHN6AAAAAAAAABgAAAABAAAAFHN0Y28AAAAAAAAAAQAAAxwA"
    "AAA9dWR0YQAAADVtZXRhAAAAAAAAACFoZGxyAAAAAAAAAABtZGlyYXBwbAAAAAAAAAAAAAAAAAhpbHN0AAAACGZyZWUAAAAg"
    "bWRhdAAAABRliIICviMUAAWo44AAtPRwABLtwA=="
)
_VIDEO_TICKS_PER_SECOND = {"480p": 500_000_000, "720p": 700_000_000, "1080p": 1_500_000_000}
_ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3")
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|webp);base64,(.*)", re.S)
_MAX_FILE_BYTES = 50 * 1024 * 1024
_COMPACT = (",", ":")


def _answer(obj: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(obj, separators=_COMPACT, ensure_ascii=False).encode())


def _object(x: Exchange) -> Mapping[str, Any] | Response:
    """The JSON object body, or the dialect's answer to a body that is not one."""
    if isinstance(x.json, Mapping):
        return x.json
    return x.dialect.bad_json(x.json_error or "invalid type: expected a JSON object at line 1 column 1")


def _stable_id(*parts: object) -> str:
    return str(uuid.UUID(bytes=hashlib.md5(repr(parts).encode()).digest()))


# state ---------------------------------------------------------------------------------------


@dataclass
class VideoJob:
    """One video being "made": pending until ``ready_at`` (or ``polls_left`` more polls), then done."""

    request_id: str
    model: str
    duration: int
    resolution: str
    outcome: str
    polls: int | None
    polls_left: int
    started: float
    ready_at: float

    def progress(self, polled: int, now: float) -> int | None:
        """The percentage to report while pending, or None once the job is over."""
        if self.polls is not None:
            return max(1, 100 * polled // self.polls) if polled < self.polls else None
        if now >= self.ready_at:
            return None
        return max(1, int(100 * (now - self.started) / max(self.ready_at - self.started, 1e-9)))


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file as the server keeps it: the bytes and what the upload said about them."""

    id: str
    filename: str
    content_type: str
    data: bytes
    created_at: int
    expires_at: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The file object of the Files API (keys in the recorded order)."""
        return {
            "bytes": len(self.data),
            "created_at": self.created_at,
            "expires_at": self.expires_at,
            "filename": self.filename,
            "id": self.id,
            "object": "file",
            "purpose": "",
        }

    def text(self) -> str:
        """The document's words, best effort: the text of a PDF's text operators, else UTF-8.

        Good for simple PDFs (a test's, a report exported with standard fonts), which is what a
        stand-in answer quoting the document needs; not a PDF reader.
        """
        if self.data.startswith(b"%PDF-"):
            return _pdf_text(self.data)
        return self.data.decode("utf-8", errors="replace")


class MediaStore:
    """Video jobs and uploaded files of one server; every method is thread-safe.

    ``video_polls`` (default None: by elapsed time) is how many polls a new job answers
    ``pending``; ``video_outcome`` is how new jobs end. Both are configuration and survive
    :meth:`clear`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.video_polls: int | None = None
        self.video_outcome = "done"
        self._videos: dict[str, VideoJob] = {}
        self._files: dict[str, StoredFile] = {}
        self._count = 0

    def _next(self, *parts: object) -> str:
        self._count += 1
        return _stable_id(self._count, *parts)

    def start_video(self, model: str, duration: int, resolution: str, seconds: float) -> VideoJob:
        """Open a job with the current settings, pending for ``seconds`` (unless polls are set)."""
        now = time.monotonic()
        with self._lock:
            job = VideoJob(
                self._next("video"),
                model,
                duration,
                resolution,
                self.video_outcome,
                self.video_polls,
                self.video_polls or 0,
                now,
                now + seconds,
            )
            self._videos[job.request_id] = job
            return job

    def poll_video(self, request_id: str) -> tuple[VideoJob | None, int]:
        """Count one poll; the job (None if unknown) and how many polls it had pending before."""
        with self._lock:
            job = self._videos.get(request_id)
            if job is None:
                return None, 0
            done_before = (job.polls or 0) - job.polls_left
            job.polls_left = max(0, job.polls_left - 1)
            return job, done_before

    def video(self, request_id: str) -> VideoJob | None:
        """The job ``request_id``, if this server started it."""
        return self._videos.get(request_id)

    def add_file(
        self, filename: str, content_type: str, data: bytes, expires_after: int | None
    ) -> StoredFile:
        """Keep an upload; its id is ``file_<uuid>`` like xAI's."""
        now = int(time.time())
        with self._lock:
            stored = StoredFile(
                f"file_{self._next('file', filename, len(data))}",
                filename,
                content_type,
                data,
                now,
                None if expires_after is None else now + expires_after,
            )
            self._files[stored.id] = stored
            return stored

    def file(self, file_id: str) -> StoredFile | None:
        """The uploaded file ``file_id`` (None if unknown, deleted or expired)."""
        stored = self._files.get(file_id)
        if stored is None or (stored.expires_at is not None and stored.expires_at <= time.time()):
            return None
        return stored

    def files(self) -> list[StoredFile]:
        """Every live upload, oldest first."""
        with self._lock:
            candidates = list(self._files)
        return [f for f in map(self.file, candidates) if f is not None]

    def delete_file(self, file_id: str) -> bool:
        """Forget an upload; False if there was none."""
        with self._lock:
            return self._files.pop(file_id, None) is not None

    def clear(self) -> None:
        """Forget every job and file (the settings stay)."""
        with self._lock:
            self._videos.clear()
            self._files.clear()
            self._count = 0


# image edits ---------------------------------------------------------------------------------


def reference_error(x: Exchange) -> Response | None:
    """Check an edit's reference images (1 to 3 ``http(s)``/``data:`` URLs or uploaded file ids).

    None when they are fine: the edit is then answered exactly like a generation.
    """
    body = x.json
    if not isinstance(body, Mapping):
        return None  # the generation handler words the JSON error
    references = body.get("images") if body.get("image") is None else [body["image"]]
    if not isinstance(references, list) or not 1 <= len(references) <= 3:
        return x.dialect.error(400, "An edit takes 1 to 3 reference images in `images` (or one `image`).")
    for index, reference in enumerate(references):
        problem = _reference_problem(x, reference)
        if problem is not None:
            return x.dialect.error(400, f"images[{index}]: {problem}")
    return None


def _reference_problem(x: Exchange, reference: Any) -> str | None:
    if not isinstance(reference, Mapping):
        return "expected an object with `url` or `file_id`."
    if reference.get("file_id") is not None:
        return None if x.state.media.file(str(reference["file_id"])) else "unknown file_id."
    url = reference.get("url") or reference.get("image_url")
    if not isinstance(url, str):
        return "missing `url`."
    if url.startswith(("http://", "https://")):
        return None
    match = _DATA_IMAGE.fullmatch(url)
    if match is None:
        return "the URL must be http(s) or a data:image/(png|jpeg|webp);base64 URL."
    try:
        base64.b64decode(match.group(1), validate=True)
    except (binascii.Error, ValueError):
        return "the data URL is not valid base64."
    return None


# videos --------------------------------------------------------------------------------------


def start_video(x: Exchange) -> Response:
    """``POST /v1/videos/generations``: validate like xAI documents, open a job, give its id."""
    body = _object(x)
    if isinstance(body, Response):
        return body
    prompt, image = body.get("prompt"), body.get("image")
    if not (isinstance(prompt, str) and prompt.strip()) and image is None:
        return x.dialect.error(400, "A prompt is required for text-to-video generation.")
    duration = body.get("duration", 8)
    if isinstance(duration, str) and duration.isdigit():
        duration = int(duration)
    if not isinstance(duration, int) or isinstance(duration, bool) or not 1 <= duration <= 15:
        return x.dialect.error(400, f"duration must be between 1 and 15 seconds, got {duration!r}.")
    model = str(body.get("model") or DEFAULT_VIDEO_MODEL)
    if model not in VIDEO_MODELS and model not in x.state.models:
        return x.dialect.error(404, not_served(model))
    resolution = body.get("resolution") or "480p"
    if resolution not in _VIDEO_TICKS_PER_SECOND:
        return x.dialect.error(400, f"Invalid resolution {resolution!r}: expected 480p, 720p or 1080p.")
    if body.get("aspect_ratio") not in (None, *_ASPECT_RATIOS):
        return x.dialect.error(400, f"Invalid aspect_ratio {body['aspect_ratio']!r}.")
    if image is not None:
        problem = _reference_problem(x, image)
        if problem is not None:
            return x.dialect.error(400, f"image: {problem}")
    job = x.state.media.start_video(model, duration, resolution, x.state.job_seconds)
    x.billable = True
    return _answer({"request_id": job.request_id})


def video_status(x: Exchange) -> Response:
    """``GET /v1/videos/{request_id}``: pending (202) until the job's time is up, then the end."""
    request_id = x.request.path.rsplit("/", 1)[1]
    job, polled = x.state.media.poll_video(request_id)
    if job is None:
        return x.dialect.error(404, f"No deferred video could be found with request_id {request_id}.")
    progress = job.progress(polled, time.monotonic())
    if progress is not None:
        return _answer({"status": "pending", "progress": progress}, 202)
    if job.outcome == "failed":
        return _answer(
            {"status": "failed", "error": {"code": "internal_error", "message": "Video generation failed."}}
        )
    if job.outcome == "expired":
        return _answer({"status": "expired"})
    moderated = job.outcome == "moderated"
    url = "" if moderated else f"{x.state.base_url}/videos/xai-video-{job.request_id}.mp4"
    return _answer(
        {
            "status": "done",
            "video": {"url": url, "duration": job.duration, "respect_moderation": not moderated},
            "model": job.model,
            "usage": {"cost_in_usd_ticks": _VIDEO_TICKS_PER_SECOND[job.resolution] * job.duration},
            "progress": 100,
        }
    )


def video_file(x: Exchange) -> Response:
    """``GET /videos/xai-video-{id}.mp4`` (public): the bytes behind a finished video's URL."""
    name = x.request.path.rsplit("/", 1)[1]
    job = x.state.media.video(name.removeprefix("xai-video-").removesuffix(".mp4"))
    if job is None or job.progress(job.polls or 0, time.monotonic()) is not None or job.outcome != "done":
        return Response(404, b"Not Found", content_type="text/plain; charset=utf-8")
    return Response(
        200, MP4_BYTES, content_type="video/mp4", headers=[("Cache-Control", "public, max-age=14400")]
    )


# files ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    name: str
    filename: str | None
    content_type: str
    data: bytes


_PARAM = re.compile(r';\s*([\w*-]+)=(?:"([^"]*)"|([^;]*))')


def _params(header: str) -> dict[str, str]:
    """The ``; key=value`` parameters of a header such as Content-Disposition."""
    return {key.lower(): quoted or bare.strip() for key, quoted, bare in _PARAM.findall(header)}


def _multipart(content_type: str, body: bytes) -> list[_Part] | None:
    """The parts of a ``multipart/form-data`` body, in order; None if it is not one."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    boundary = _params(content_type).get("boundary")
    if not boundary:
        return None
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            return None
        lines = head.decode("utf-8", "replace").split("\r\n")
        headers = {
            name.strip().lower(): value.strip() for name, _, value in (line.partition(":") for line in lines)
        }
        disposition = _params(headers.get("content-disposition", ""))
        parts.append(
            _Part(
                disposition.get("name", ""),
                disposition.get("filename"),
                headers.get("content-type", "application/octet-stream"),
                data.removesuffix(b"\r\n"),
            )
        )
    return parts


def files(x: Exchange) -> Response:
    """``POST /v1/files`` (upload) and ``GET /v1/files`` (list)."""
    return _upload(x) if x.request.method == "POST" else _list(x)


def _upload(x: Exchange) -> Response:
    parts = _multipart(x.request.headers.get("content-type", ""), x.request.body)
    if parts is None:
        return x.dialect.error(400, "Expected a multipart/form-data body with a `file` part.")
    names = [part.name for part in parts]
    upload = next((part for part in parts if part.name == "file" and part.filename), None)
    if upload is None:
        return x.dialect.error(400, "Missing or unnamed `file` part.")
    expires_after = None
    if "expires_after" in names:
        if names.index("expires_after") > names.index("file"):
            return x.dialect.error(400, "`expires_after` must come before `file` in the multipart body.")
        value = parts[names.index("expires_after")].data.decode("ascii", "replace").strip()
        if not value.isdigit() or not 3600 <= int(value) <= 2_592_000:
            return x.dialect.error(400, "`expires_after` must be between 3600 and 2592000 seconds.")
        expires_after = int(value)
    if len(upload.data) > _MAX_FILE_BYTES:
        return x.dialect.error(413, "Payload too large -- file exceeds 50 MB.")
    stored = x.state.media.add_file(
        upload.filename or "file", upload.content_type, upload.data, expires_after
    )
    return _answer(stored.as_json())


def _list(x: Exchange) -> Response:
    query = {key: values[-1] for key, values in parse_qs(x.request.query).items()}
    try:
        limit = min(100, max(1, int(query.get("limit", 100))))
    except ValueError:
        return x.dialect.error(400, "limit must be an integer.")
    listed = x.state.media.files()
    if query.get("order", "desc") != "asc":
        listed.reverse()
    token = query.get("pagination_token")
    ids = [f.id for f in listed]
    start = ids.index(token) + 1 if token in ids else 0
    page = listed[start : start + limit]
    return _answer({"data": [f.as_json() for f in page], "pagination_token": page[-1].id if page else None})


def file(x: Exchange) -> Response:
    """``GET`` or ``DELETE /v1/files/{file_id}``."""
    file_id = x.request.path.rsplit("/", 1)[1]
    stored = x.state.media.file(file_id)
    if stored is None:
        return x.dialect.error(404, "File not found, deleted, or expired.")
    if x.request.method == "DELETE":
        x.state.media.delete_file(file_id)
        return _answer({"id": file_id, "deleted": True, "object": "file"})
    return _answer(stored.as_json())


# documents attached to a conversation ------------------------------------------------------

Document = StoredFile | str
"""An attached file: an upload, or the public URL it was attached by."""


def attached_documents(x: Exchange, items: list[Any]) -> list[Document]:
    """The files the ``input`` items attach, in order; an unknown id or an empty part is refused."""
    found: list[Document] = []
    for item in items:
        content = item.get("content") if isinstance(item, Mapping) else None
        for part in content if isinstance(content, list) else ():
            if not (isinstance(part, Mapping) and part.get("type") == "input_file"):
                continue
            if isinstance(part.get("file_id"), str):
                stored = x.state.media.file(part["file_id"])
                if stored is None:
                    x.refuse(404, f"File {part['file_id']} not found, deleted, or expired.")
                found.append(stored)
            elif isinstance(part.get("file_url"), str):
                found.append(part["file_url"])
            else:
                x.refuse(400, "An input_file part takes a `file_id` or a `file_url`.")
    return found


def document_reply(conversation: Conversation, documents: list[Document]) -> Reply | None:
    """The stand-in's answer to a question about attached documents, or None if it would not be text."""
    if not documents or conversation.last_role != "user":
        return None
    reply = stand_in(conversation)
    if reply.kind != "text" or reply.server_tools:
        return None  # the stand-in calls a function or searches: the documents wait
    return Reply.text(document_answer(documents))


def document_answer(documents: list[Document], words: int = 40) -> str:
    """A stand-in answer quoting the start of each document (a URL is only named: never fetched)."""
    quotes = []
    for document in documents:
        if isinstance(document, str):
            quotes.append(f"{document} is attached")
        else:
            text = document.text().split()
            excerpt = " ".join(text[:words]) + (" …" if len(text) > words else "")
            quotes.append(f'{document.filename} says: "{excerpt}"')
    return "from the attached documents: " + "; ".join(quotes)


# pdf text ------------------------------------------------------------------------------------

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_SHOW = re.compile(rb"\[((?:\\.|[^\]\\])*)\]\s*TJ|(\((?:\\.|[^\\)])*\))\s*(?:Tj|'|\")", re.S)
_LITERAL = re.compile(rb"\(((?:\\.|[^\\)])*)\)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_text(data: bytes) -> str:
    """The strings of a PDF's text-showing operators (``Tj``, ``TJ``), one operator per space."""
    shown = []
    for stream in _STREAM.findall(data):
        with contextlib.suppress(zlib.error):  # else an uncompressed content stream
            stream = zlib.decompress(stream)
        for array, literal in _SHOW.findall(stream):
            strings = _LITERAL.findall(array or literal)
            shown.append(
                b"".join(
                    re.sub(rb"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), s) for s in strings
                )
            )
    return " ".join(piece.decode("latin-1") for piece in shown if piece.strip())


def sample_pdf(text: str) -> bytes:
    """A real one-page PDF showing ``text`` in Helvetica: a document for tests, demos and notebooks.

    Made by hand, so no PDF library is needed; :meth:`StoredFile.text` reads the words back,
    which is how the server's stand-in answers quote an uploaded document.
    """
    page = zlib.compress(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(page), page),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    pdf, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return pdf + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
