"""Image generation: ``POST /v1/images/generations`` requests and what comes back.

The answer changed shape across model generations (WIRE_FACTS §7): grok-2-image returned
``revised_prompt``; grok-imagine returns ``mime_type`` and ``usage.cost_in_usd_ticks`` and no
revised prompt. Both are optional here. ``b64_json`` is raw base64 with no ``data:`` prefix;
:meth:`GeneratedImage.data_url` adds one. OpenAI's ``size``, ``quality`` and ``style`` are not
Grok parameters (``size`` is answered with 400), so :func:`build_image_body` refuses them
before the request instead.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Literal

from grok_transport.errors import InvalidParameterError
from grok_transport.wire import TICKS_PER_USD

__all__ = ["GeneratedImage", "ImageResult", "build_image_body", "DEFAULT_IMAGE_MODEL"]

DEFAULT_IMAGE_MODEL = "grok-imagine-image"
_UNSUPPORTED = ("size", "quality", "style")


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
