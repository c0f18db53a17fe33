"""Images: ``POST /v1/images/generations`` and ``/v1/images/edits``, and what comes back.

The answer changed shape across model generations (docs/wire.md, "Images"): grok-2-image returned
``revised_prompt``; grok-imagine returns ``mime_type`` and ``usage.cost_in_usd_ticks`` and no
revised prompt. Both are optional here. ``b64_json`` is raw base64 with no ``data:`` prefix;
:meth:`GeneratedImage.data_url` adds one. OpenAI's ``size``, ``quality`` and ``style`` are not
Grok parameters (``size`` is answered with 400), so :func:`build_image_body` refuses them
before the request instead.

An edit is a generation with one to three reference images (``images: [{"type": "image_url",
"url": …}]``, an ``http(s)`` or ``data:`` URL each) and answers in the same shape. Local images
travel inline as ``data:`` URLs, typed from their bytes. Generated image URLs expire after about
four hours; ask for ``response_format="b64_json"`` (or fetch them with
``client.media.download(url)``) to keep an image.

:class:`Images` (``client.images``) and :class:`AsyncImages` are the two calls; everything they
build or read is the plain functions below, which the twins share.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from grok_transport._content import data_url, image_mime_type
from grok_transport._errors import InvalidParameterError
from grok_transport._wire import TICKS_PER_USD

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = [
    "AsyncImages",
    "GeneratedImage",
    "ImageResult",
    "ImageSource",
    "Images",
    "build_image_body",
    "build_edit_body",
    "reference_image",
    "DEFAULT_IMAGE_MODEL",
    "DEFAULT_EDIT_MODEL",
    "MAX_REFERENCE_IMAGES",
]

DEFAULT_IMAGE_MODEL = "grok-imagine-image"
_UNSUPPORTED = ("size", "quality", "style")
DEFAULT_EDIT_MODEL = "grok-imagine-image-quality"
"""The model of the recorded edit: an edit is judged on how faithfully it keeps the reference."""
MAX_REFERENCE_IMAGES = 3
"""xAI edits from up to three reference images per request (docs/wire.md, "Images")."""

ImageSource = str | bytes | os.PathLike[str]
"""An ``http(s)`` or ``data:`` URL, raw image bytes, or the path of a local image file."""


@dataclass(frozen=True)
class GeneratedImage:
    """One image: a temporary URL (about four hours on xAI) or inline base64, or both."""

    url: str | None = None
    b64_json: str | None = None
    mime_type: str = "image/jpeg"
    revised_prompt: str | None = None

    def data_url(self) -> str | None:
        """The image as a ``data:`` URL, when it came inline."""
        return f"data:{self.mime_type};base64,{self.b64_json}" if self.b64_json else None

    def image_bytes(self) -> bytes | None:
        """The decoded image, when it came inline."""
        return base64.b64decode(self.b64_json) if self.b64_json else None


@dataclass(frozen=True)
class ImageResult:
    """All images of one request, with what the server said it cost."""

    images: list[GeneratedImage]
    model: str
    cost_in_usd_ticks: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any], model: str) -> ImageResult:
        """Read an images answer of any generation."""
        images = [
            GeneratedImage(
                url=item.get("url"),
                b64_json=item.get("b64_json"),
                mime_type=item.get("mime_type") or "image/jpeg",
                revised_prompt=item.get("revised_prompt"),
            )
            for item in data.get("data") or ()
        ]
        cost = (data.get("usage") or {}).get("cost_in_usd_ticks")
        return cls(images, data.get("model") or model, cost, data)

    @property
    def cost_usd(self) -> float | None:
        """Cost in US dollars, when reported."""
        return None if self.cost_in_usd_ticks is None else self.cost_in_usd_ticks / TICKS_PER_USD


def build_image_body(
    prompt: str,
    *,
    model: str,
    n: int | None = None,
    response_format: Literal["url", "b64_json"] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body for an image request; refuses what no Grok image model accepts."""
    if not prompt or not prompt.strip():
        raise InvalidParameterError("prompt must be a non-empty string.")
    if n is not None and not 1 <= n <= 10:
        raise InvalidParameterError(f"n must be between 1 and 10, not {n!r}.")
    if response_format not in (None, "url", "b64_json"):
        raise InvalidParameterError(f"response_format must be 'url' or 'b64_json', not {response_format!r}.")
    for name in _UNSUPPORTED:
        if extra.get(name) is not None:
            raise InvalidParameterError(
                f"{name!r} is not a Grok image parameter; use aspect_ratio or resolution."
            )
    body: dict[str, Any] = {"model": model, "prompt": prompt}
    if n is not None:
        body["n"] = n
    if response_format is not None:
        body["response_format"] = response_format
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def reference_image(source: ImageSource) -> dict[str, Any]:
    """One entry of an edit's ``images``: a URL as given, bytes or a file as a ``data:`` URL.

    A string that is not an ``http(s)`` or ``data:`` URL is taken for a file path. Local bytes
    must be JPEG, PNG or WebP (read from the bytes, not the file name), else the edit is refused
    here rather than by the server after an upload.
    """
    if isinstance(source, str) and source.startswith(("http://", "https://")):
        return {"type": "image_url", "url": source}
    if isinstance(source, str) and source.startswith("data:"):
        if not source.startswith("data:image/"):
            raise InvalidParameterError(f"a reference image must be an image data URL: {source[:40]!r}.")
        return {"type": "image_url", "url": source}
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise InvalidParameterError(f"reference image {str(path)!r} is not a URL or an existing file.")
        data = path.read_bytes()
    else:
        raise InvalidParameterError(
            f"a reference image is a URL, bytes or a path, not {type(source).__name__}."
        )
    mime_type = image_mime_type(data)
    if mime_type is None:
        raise InvalidParameterError("reference image bytes are not JPEG, PNG or WebP.")
    return {"type": "image_url", "url": data_url(data, mime_type)}


def build_edit_body(
    prompt: str,
    images: ImageSource | Sequence[ImageSource],
    *,
    model: str = DEFAULT_EDIT_MODEL,
    n: int | None = None,
    response_format: Literal["url", "b64_json"] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON body of ``POST /images/edits``: a generation body plus its reference images.

    ``images`` is a list of sources, or one source on its own.
    """
    if isinstance(images, (str, bytes, os.PathLike)):
        images = [images]
    if not 1 <= len(images) <= MAX_REFERENCE_IMAGES:
        raise InvalidParameterError(
            f"an edit takes 1 to {MAX_REFERENCE_IMAGES} reference images, not {len(images)}."
        )
    body = build_image_body(prompt, model=model, n=n, response_format=response_format, **extra)
    body["images"] = [reference_image(image) for image in images]
    return body


class Images:
    """``client.images``: ``POST /images/generations`` and ``/images/edits``."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def generate(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        n: int | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        **extra: Any,
    ) -> ImageResult:
        """New images from ``prompt``; ``extra`` takes ``aspect_ratio``, ``resolution`` and the like.

        OpenAI's ``size``, ``quality`` and ``style`` are refused before sending (see the module).
        """
        body = build_image_body(prompt, model=model, n=n, response_format=response_format, **extra)
        return ImageResult.from_dict(self._client.request_json("POST", "/images/generations", body), model)

    def edit(
        self,
        prompt: str,
        images: ImageSource | Sequence[ImageSource],
        *,
        model: str = DEFAULT_EDIT_MODEL,
        **options: Any,
    ) -> ImageResult:
        """New images from ``prompt`` and one to three reference images (URLs, bytes or paths).

        ``options`` are the generation parameters (``n``, ``response_format``, ``aspect_ratio``,
        ``resolution``…). URLs in the answer expire after about four hours; pass
        ``response_format="b64_json"`` to get the bytes inline instead.
        """
        body = build_edit_body(prompt, images, model=model, **options)
        return ImageResult.from_dict(self._client.request_json("POST", "/images/edits", body), model)


class AsyncImages:
    """``async_client.images``: the async twin of :class:`Images`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def generate(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        n: int | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        **extra: Any,
    ) -> ImageResult:
        """Async twin of :meth:`Images.generate`."""
        body = build_image_body(prompt, model=model, n=n, response_format=response_format, **extra)
        data = await self._client.request_json("POST", "/images/generations", body)
        return ImageResult.from_dict(data, model)

    async def edit(
        self,
        prompt: str,
        images: ImageSource | Sequence[ImageSource],
        *,
        model: str = DEFAULT_EDIT_MODEL,
        **options: Any,
    ) -> ImageResult:
        """Async twin of :meth:`Images.edit`."""
        body = build_edit_body(prompt, images, model=model, **options)
        return ImageResult.from_dict(await self._client.request_json("POST", "/images/edits", body), model)


_MODEL_IMAGE_SCHEMES = ("http://", "https://", "data:image/")


def image_url_from_model(value: object) -> str:
    """An image a model handed a tool (a reference, a first frame): an http(s) or ``data:image`` URL.

    The transport reads any other string as a local path (:func:`reference_image`), and a model
    must not be able to make a tool upload files from the user's disk; both adapters' tools check
    here before any request.
    """
    if not (isinstance(value, str) and value.startswith(_MODEL_IMAGE_SCHEMES)):
        raise InvalidParameterError(
            f"an image must be an http(s) URL or a data:image URL, not {str(value)[:40]!r}."
        )
    return value
