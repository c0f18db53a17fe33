"""Message content parts on the wire: text and images, as OpenAI-compatible ``parts[]``.

Grok takes images as ``{"type": "image_url", "image_url": {"url": …}}`` where the URL is either
remote or a ``data:`` URL (docs/wire.md, "Chat request"). Both adapters build image parts from bytes, base64,
paths or URLs; this is the one place that knows the wire form.
"""

from __future__ import annotations

import base64
import mimetypes
from pathlib import Path
from typing import Any

__all__ = ["image_part", "data_url", "image_mime_type"]


def image_mime_type(data: bytes) -> str | None:
    """``image/png``, ``image/jpeg`` or ``image/webp`` from the file's magic bytes.

    Read from the bytes rather than trusted from a file name, so a PNG saved as ``.jpg`` is still
    labelled PNG; None for any other format (the three xAI's image endpoints take).
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def data_url(data: bytes | str, mime_type: str | None = None) -> str:
    """A ``data:`` URL from raw bytes or a base64 string (JPEG assumed when the type is unknown)."""
    b64 = base64.b64encode(data).decode("ascii") if isinstance(data, bytes) else data
    return f"data:{mime_type or 'image/jpeg'};base64,{b64}"


def image_part(
    *,
    url: str | None = None,
    data: bytes | str | None = None,
    path: str | Path | None = None,
    mime_type: str | None = None,
    detail: str | None = None,
) -> dict[str, Any]:
    """An image part from exactly one of a URL, inline data (bytes or base64) or a file path."""
    if path is not None:
        data = Path(path).read_bytes()
        mime_type = mime_type or mimetypes.guess_type(str(path))[0]
    if url is None:
        if data is None:
            raise ValueError("image_part needs url=, data= or path=.")
        url = data_url(data, mime_type)
    image: dict[str, Any] = {"url": url}
    if detail:
        image["detail"] = detail
    return {"type": "image_url", "image_url": image}
