"""One way to read a list the server hands out a page at a time (files, batches, collections…).

xAI's list endpoints take ``limit`` and ``pagination_token`` and answer a page of items under an
endpoint-specific key plus the token of the next page (docs/wire.md, "Files" and "Batch API").
The stop rule is the same everywhere: no token, the token just used again, or an empty page. A
short page with a token is followed (nothing documents that a short page is the last, and a
dropped page is worse than one more request). :func:`pages` and :func:`apages` follow it lazily,
so a caller that stops early fetches nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any
from urllib.parse import urlencode

__all__ = ["apages", "page_path", "pages"]


def page_path(path: str, limit: int, token: str | None) -> str:
    """``path`` asking for ``limit`` items from ``token``'s page (the first page without one)."""
    query = {"limit": limit, "pagination_token": token} if token else {"limit": limit}
    return f"{path}{'&' if '?' in path else '?'}{urlencode(query)}"


def _next(page: Any, key: str, token: str | None) -> tuple[list[Any], str | None]:
    items = list((page or {}).get(key) or ())
    following = (page or {}).get("pagination_token")
    if not following or following == token or not items:
        following = None
    return items, following


def pages(get: Callable[[str], Any], path: str, key: str, limit: int) -> Iterator[list[Any]]:
    """Every page of ``path``'s list under ``key``, fetched with ``get(path_with_query)`` as needed."""
    token: str | None = None
    while True:
        items, token = _next(get(page_path(path, limit, token)), key, token)
        yield items
        if token is None:
            return


async def apages(
    get: Callable[[str], Awaitable[Any]], path: str, key: str, limit: int
) -> AsyncIterator[list[Any]]:
    """Async twin of :func:`pages`."""
    token: str | None = None
    while True:
        items, token = _next(await get(page_path(path, limit, token)), key, token)
        yield items
        if token is None:
            return
