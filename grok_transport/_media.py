"""``client.media``: the bytes behind a URL the API handed out; generated images and videos do not stay.

xAI serves generated media from temporary URLs (docs/wire.md, "Images" and "Video"): an image
URL lives about four hours, and a video URL should be fetched within the hour. Whoever needs the
media later must keep the bytes. :meth:`Media.download` fetches them through the same client
(its pool, its retries, its typed errors) but never sends the API key: the media hosts are not
the API and need no credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grok_transport._errors import InvalidParameterError

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncMedia", "Media"]


def _absolute(url: str) -> str:
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise InvalidParameterError(f"download() needs an http(s) URL, not {str(url)[:60]!r}.")
    return url


class Media:
    """``client.media``: generated images' and videos' bytes, before their URLs expire."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def download(self, url: str) -> bytes:
        """The bytes at ``url`` (an absolute URL, such as :attr:`VideoResult.url`)."""
        return self._client.request_bytes("GET", _absolute(url), auth=False)[1]


class AsyncMedia:
    """``async_client.media``: the async twin of :class:`Media`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def download(self, url: str) -> bytes:
        """Async twin of :meth:`Media.download`."""
        return (await self._client.request_bytes("GET", _absolute(url), auth=False))[1]
