"""Video generation: a job started with ``POST /v1/videos/generations`` and polled to its end.

The wire (docs/wire.md, "Video"): the start answers ``{"request_id"}``; ``GET /v1/videos/{id}``
answers **202** ``{"status": "pending", "progress": n}`` while the video is made (the recorded one
took 27 polls over two and a half minutes), then **200** ``{"status": "done", "video": {"url",
"duration", "respect_moderation"}, "model", "usage": {"cost_in_usd_ticks"}}``. As documented, a
job that fails answers 200 too, with ``"status": "failed"`` and an ``error`` object, and one
can end ``"expired"``; a video withheld by moderation is ``done`` with
``respect_moderation: false`` and no URL. All three are a :class:`VideoGenerationError` here.

``client.videos`` (:class:`Videos`, :class:`AsyncVideos`): :meth:`~Videos.generate` does the
whole round trip, polling through the shared poller (:mod:`grok_transport._polling`: every
2 s while the job moves, growing to 15 s while it stands still) until the caller's ``timeout``,
which raises :class:`JobTimeoutError` and leaves the job running: :meth:`~Videos.wait` picks it
up again. :meth:`~Videos.start` and :meth:`~Videos.get` are the two steps on their own.

The video URL is temporary: keep the bytes (``client.media.download(url)``) rather than the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from grok_transport._errors import (
    GrokError,
    InvalidParameterError,
    UnexpectedResponseError,
    VideoGenerationError,
)
from grok_transport._images import ImageSource, reference_image
from grok_transport._polling import Schedule, apoll, job_schedule, poll
from grok_transport._resources import path_id, read_json
from grok_transport._wire import TICKS_PER_USD

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncVideos", "DEFAULT_VIDEO_MODEL", "VideoResult", "VideoStatus", "Videos", "build_video_body"]

DEFAULT_VIDEO_MODEL = "grok-imagine-video"
VIDEO_MODELS = (DEFAULT_VIDEO_MODEL, "grok-imagine-video-1.5")
"""The video models xAI serves (docs/wire.md, "Video"); the local server answers others 404."""
DEFAULT_POLL_INTERVAL = 2.0
"""Seconds between polls once warmed up (``_polling.FIRST_WAIT`` first) while the job moves; 1.5
times longer each time it stands still, up to :data:`MAX_POLL_INTERVAL`."""
MAX_POLL_INTERVAL = 15.0
DEFAULT_TIMEOUT = 600.0
"""Ten minutes: a 15-second 720p video can take several."""
RESOLUTIONS = ("480p", "720p", "1080p")
ASPECT_RATIOS = ("1:1", "16:9", "9:16", "4:3", "3:4", "3:2", "2:3")

ProgressCallback = Callable[["VideoStatus"], None]


@dataclass(frozen=True)
class VideoResult:
    """A finished video: its temporary URL (download the bytes soon), length and cost."""

    url: str
    duration: float | None
    model: str
    request_id: str
    cost_in_usd_ticks: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def cost_usd(self) -> float | None:
        """Cost in US dollars, when reported."""
        return None if self.cost_in_usd_ticks is None else self.cost_in_usd_ticks / TICKS_PER_USD


@dataclass(frozen=True)
class VideoStatus:
    """One poll's answer. ``status`` is ``pending``, ``done``, ``failed`` or ``expired``."""

    request_id: str
    status: str
    progress: int | None = None
    url: str | None = None
    duration: float | None = None
    model: str | None = None
    respect_moderation: bool | None = None
    cost_in_usd_ticks: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, request_id: str, data: dict[str, Any], http_status: int = 200) -> VideoStatus:
        """Read a poll answer; one without a ``status`` is done if it holds a video, else pending."""
        video = data.get("video") or {}
        error = data.get("error")
        code, message = (
            (error.get("code"), error.get("message")) if isinstance(error, dict) else (None, error)
        )
        status = data.get("status") or ("done" if video and http_status != 202 else "pending")
        return cls(
            request_id=request_id,
            status=str(status),
            progress=data.get("progress"),
            url=video.get("url") or None,
            duration=video.get("duration"),
            model=data.get("model"),
            respect_moderation=video.get("respect_moderation"),
            cost_in_usd_ticks=(data.get("usage") or {}).get("cost_in_usd_ticks"),
            error_code=code,
            error_message=None if message is None else str(message),
            raw=data,
        )

    @property
    def finished(self) -> bool:
        """Whether polling can stop. An unknown status keeps polling: it may be a new pending."""
        return self.status in ("done", "failed", "expired")

    def result(self) -> VideoResult:
        """The video of a ``done`` job; :class:`VideoGenerationError` for any other end."""
        if not self.finished:
            raise GrokError(f"video job {self.request_id} is still {self.status}; poll it again.")
        if self.status == "done" and self.url:
            model = self.model or DEFAULT_VIDEO_MODEL
            return VideoResult(
                self.url, self.duration, model, self.request_id, self.cost_in_usd_ticks, self.raw
            )
        if self.status == "done":
            kind, why = "moderated", "content moderation withheld it"
        elif self.status == "expired":
            kind, why = "expired", "the job expired"
        else:
            kind, why = "failed", f"it failed: {(self.error_message or 'no reason given').rstrip('.')}"
        raise VideoGenerationError(
            f"video job {self.request_id} produced no video; {why}.",
            status=kind,
            request_id=self.request_id,
            code=self.error_code,
            body=self.raw,
        )


def build_video_body(
    prompt: str,
    *,
    model: str = DEFAULT_VIDEO_MODEL,
    duration: int | None = None,
    resolution: str | None = None,
    aspect_ratio: str | None = None,
    image: ImageSource | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of ``POST /videos/generations``; refuses values xAI documents as invalid.

    ``image`` (a URL, bytes or a path) becomes the first frame; ``prompt`` may then be empty.
    Durations are whole seconds from 1 to 15; resolutions 480p, 720p and (on newer models) 1080p.
    """
    if not isinstance(prompt, str) or (not prompt.strip() and image is None):
        raise InvalidParameterError("prompt must be a non-empty string (or give a starting image).")
    if duration is not None and (isinstance(duration, bool) or duration not in range(1, 16)):
        raise InvalidParameterError(f"duration must be whole seconds from 1 to 15, not {duration!r}.")
    if resolution is not None and resolution not in RESOLUTIONS:
        raise InvalidParameterError(
            f"resolution must be one of {', '.join(RESOLUTIONS)}, not {resolution!r}."
        )
    if aspect_ratio is not None and aspect_ratio not in ASPECT_RATIOS:
        raise InvalidParameterError(
            f"aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}, not {aspect_ratio!r}."
        )
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    for name, value in (("duration", duration), ("resolution", resolution), ("aspect_ratio", aspect_ratio)):
        if value is not None:
            body[name] = value
    if image is not None:
        body["image"] = {"url": reference_image(image)["url"]}
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _request_id(data: Any) -> str:
    request_id = data.get("request_id") if isinstance(data, dict) else None
    if not request_id:
        raise UnexpectedResponseError(f"a video start answered without a request_id: {str(data)[:200]}")
    return str(request_id)


def _status(request_id: str, answer: tuple[int, bytes]) -> VideoStatus:
    return VideoStatus.from_dict(request_id, read_json(*answer), answer[0])


def _poll_path(request_id: str) -> str:
    return f"/videos/{path_id(request_id, 'request_id')}"


def _schedule(request_id: str, poll_interval: float, timeout: float) -> Schedule[VideoStatus]:
    def message(status: VideoStatus, waited: float) -> str:
        return (
            f"video job {request_id} was still {status.status} after {waited:g}s; it keeps running "
            "on the server: wait for it again with its request id."
        )

    return job_schedule(
        request_id, message, interval=poll_interval, max_interval=MAX_POLL_INTERVAL, timeout=timeout
    )


def _finished(status: VideoStatus) -> bool:
    return status.finished


class Videos:
    """``client.videos``: start a video job, look at it, wait for it, or all three at once."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def start(self, prompt: str, **options: Any) -> str:
        """``POST /videos/generations``; returns the job's request id (see :func:`build_video_body`)."""
        body = build_video_body(prompt, **options)
        return _request_id(self._client.request_json("POST", "/videos/generations", body))

    def get(self, request_id: str) -> VideoStatus:
        """``GET /videos/{request_id}``: one look at the job, whatever its state."""
        return _status(request_id, self._client.request_bytes("GET", _poll_path(request_id)))

    def wait(
        self,
        request_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
    ) -> VideoResult:
        """Poll a started job until it ends; ``on_progress`` sees every status (a progress bar)."""
        schedule = _schedule(request_id, poll_interval, timeout)
        return poll(lambda: self.get(request_id), _finished, schedule, on_progress).result()

    def generate(
        self,
        prompt: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
        **options: Any,
    ) -> VideoResult:
        """Start a video and wait for it: :meth:`start` then :meth:`wait`.

        ``options``: ``model``, ``duration``, ``resolution``, ``aspect_ratio``, ``image``.
        The returned URL expires: download the bytes soon.
        """
        _schedule("", poll_interval, timeout)  # a bad interval is refused before the job starts
        request_id = self.start(prompt, **options)
        return self.wait(request_id, poll_interval=poll_interval, timeout=timeout, on_progress=on_progress)


class AsyncVideos:
    """``async_client.videos``: the async twin of :class:`Videos`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def start(self, prompt: str, **options: Any) -> str:
        """Async twin of :meth:`Videos.start`."""
        body = build_video_body(prompt, **options)
        return _request_id(await self._client.request_json("POST", "/videos/generations", body))

    async def get(self, request_id: str) -> VideoStatus:
        """Async twin of :meth:`Videos.get`."""
        return _status(request_id, await self._client.request_bytes("GET", _poll_path(request_id)))

    async def wait(
        self,
        request_id: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
    ) -> VideoResult:
        """Async twin of :meth:`Videos.wait`."""
        schedule = _schedule(request_id, poll_interval, timeout)
        return (await apoll(lambda: self.get(request_id), _finished, schedule, on_progress)).result()

    async def generate(
        self,
        prompt: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        timeout: float = DEFAULT_TIMEOUT,
        on_progress: ProgressCallback | None = None,
        **options: Any,
    ) -> VideoResult:
        """Async twin of :meth:`Videos.generate`."""
        _schedule("", poll_interval, timeout)
        request_id = await self.start(prompt, **options)
        return await self.wait(
            request_id, poll_interval=poll_interval, timeout=timeout, on_progress=on_progress
        )
