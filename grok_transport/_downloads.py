"""The bytes behind a URL the API handed out: generated images and videos do not stay.

xAI serves generated media from temporary URLs (docs/wire.md, "Images" and "Video"): an image
URL lives about four hours, and a video URL should be fetched within the hour. Whoever needs the
media later must keep the bytes. These helpers fetch them through the same client (its pool, its
retries, its typed errors) but never send the API key: the media hosts are not the API and
need no credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grok_transport._errors import InvalidParameterError

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["download", "adownload"]


def download(client: GrokClient, url: str) -> bytes:
    """The bytes at ``url`` (an absolute URL, such as :attr:`VideoResult.url`)."""
    return client.request_bytes("GET", _absolute(url), auth=False)[1]


async def adownload(client: AsyncGrokClient, url: str) -> bytes:
    """Async twin of :func:`download`."""
    return (await client.request_bytes("GET", _absolute(url), auth=False))[1]


def _absolute(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InvalidParameterError(f"download() needs an http(s) URL, not {url[:60]!r}.")
    return url
