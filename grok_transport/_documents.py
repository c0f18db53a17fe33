"""Document search over xAI Collections: ``POST /v1/documents/search`` and the ``file_search`` tool.

Two ways to search the documents a collection holds (docs/wire.md, "Collections and document
search"):

* the caller searches: ``client.documents.search(query, collection_ids)`` sends ``{"query",
  "source": {"collection_ids"}, "limit", "retrieval_mode": {"type"}, "filter", "instructions"}``
  to the *inference* host with the inference key and reads ``{"matches": [{file_id, chunk_id,
  chunk_content, score, collection_ids, fields, page_number}]}``. This is what the retrievers of
  both adapters call: the chunks go to whatever model the caller likes;
* the model searches: :func:`collections_search_tool` builds the Responses API's server-side
  tool ``{"type": "file_search", "vector_store_ids", "max_num_results"}``; the answer then holds
  ``file_search_call`` items, read by :func:`file_search_action`.

No recording of either exists; every shape is read in exactly one place here
(:meth:`SearchMatch.from_dict`, :func:`file_search_action`) so that one can correct it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

from grok_transport._errors import InvalidParameterError, UnexpectedResponseError

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = [
    "AsyncDocuments",
    "Documents",
    "RetrievalMode",
    "SearchMatch",
    "collections_search_tool",
    "file_search_action",
    "search_body",
]

RetrievalMode = Literal["hybrid", "semantic", "keyword"]
"""How the server ranks chunks: embeddings and keywords together (the default), or one of them."""
RETRIEVAL_MODES: tuple[str, ...] = get_args(RetrievalMode)
DEFAULT_LIMIT = 10
"""The server's own default number of chunks."""
MAX_TOOL_COLLECTIONS = 10
"""The most collections one ``file_search`` tool may name."""


@dataclass(frozen=True)
class SearchMatch:
    """One chunk that matched a search: its text, its score and where it comes from.

    ``fields`` are the document's metadata fields (set when the file was attached);
    ``page_number`` is the chunk's page (0 for a single-page document; None when not reported).
    A higher score is a better match under hybrid ranking; the scale is not bounded to [0, 1].
    """

    file_id: str
    chunk_id: str
    chunk_content: str
    score: float
    collection_ids: tuple[str, ...] = ()
    fields: dict[str, str] = field(default_factory=dict)
    page_number: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> SearchMatch:
        """Read one item of a search answer's ``matches`` (the one place that shape is read)."""
        if not isinstance(data, Mapping) or not isinstance(data.get("chunk_content", ""), str):
            raise UnexpectedResponseError(f"expected a search match, got {json.dumps(data)[:200]}")
        fields = data.get("fields") or {}  # required by the schema, absent from the docs' example
        page = data.get("page_number")
        return cls(
            file_id=str(data.get("file_id") or ""),
            chunk_id=str(data.get("chunk_id") or ""),
            chunk_content=data.get("chunk_content") or "",
            score=float(data.get("score") or 0.0),
            collection_ids=tuple(str(c) for c in data.get("collection_ids") or ()),
            fields={str(k): "" if v is None else str(v) for k, v in dict(fields).items()},
            page_number=None if page is None else int(page),
            raw=dict(data),
        )

    @property
    def collection_id(self) -> str | None:
        """The first collection the chunk belongs to (a file may sit in several)."""
        return self.collection_ids[0] if self.collection_ids else None

    def metadata(self) -> dict[str, Any]:
        """What both adapters put in a retrieved document's metadata: the fields, then the ids."""
        return {
            **self.fields,
            "score": self.score,
            "file_id": self.file_id,
            "chunk_id": self.chunk_id,
            "collection_id": self.collection_id,
            "collection_ids": list(self.collection_ids),
            "page_number": self.page_number,
        }


def _collection_ids(collection_ids: Sequence[str] | str, what: str) -> list[str]:
    ids = [collection_ids] if isinstance(collection_ids, str) else list(collection_ids or ())
    if not ids or not all(isinstance(i, str) and i.strip() for i in ids):
        raise InvalidParameterError(f"{what} needs at least one collection id, each a non-empty string.")
    return ids


def _limit(limit: int, name: str) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidParameterError(f"{name} must be a whole number of at least 1, not {limit!r}.")
    return limit


def _mode(retrieval_mode: str) -> str:
    if retrieval_mode not in RETRIEVAL_MODES:
        raise InvalidParameterError(
            f"retrieval_mode must be one of {', '.join(RETRIEVAL_MODES)}, not {retrieval_mode!r}."
        )
    return retrieval_mode


def search_body(
    query: str,
    collection_ids: Sequence[str] | str,
    *,
    limit: int = DEFAULT_LIMIT,
    retrieval_mode: RetrievalMode = "hybrid",
    filter: str | None = None,
    instructions: str | None = None,
) -> dict[str, Any]:
    """The body of ``POST /documents/search``; bad arguments are refused before anything is sent."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidParameterError("A document search needs a non-empty query.")
    body: dict[str, Any] = {
        "query": query,
        "source": {"collection_ids": _collection_ids(collection_ids, "A document search")},
        "limit": _limit(limit, "limit"),
        "retrieval_mode": {"type": _mode(retrieval_mode)},
    }
    if filter is not None:
        body["filter"] = filter
    if instructions is not None:
        body["instructions"] = instructions
    return body


def _matches(data: Any) -> list[SearchMatch]:
    if not isinstance(data, Mapping) or not isinstance(data.get("matches", []), list):
        raise UnexpectedResponseError(f"expected {{'matches': [...]}}, got {json.dumps(data)[:200]}")
    return [SearchMatch.from_dict(match) for match in data.get("matches") or ()]


class Documents:
    """Document search on the inference host (``client.documents``), with the inference key."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def search(
        self,
        query: str,
        collection_ids: Sequence[str] | str,
        *,
        limit: int = DEFAULT_LIMIT,
        retrieval_mode: RetrievalMode = "hybrid",
        filter: str | None = None,
        instructions: str | None = None,
    ) -> list[SearchMatch]:
        """The ``limit`` best chunks for ``query`` across ``collection_ids``, best first.

        ``filter`` is an AIP-160 expression over the documents' fields (``year > 2020 AND
        team = "finance"``); ``instructions`` tell the server's reranker what matters.
        """
        body = search_body(
            query,
            collection_ids,
            limit=limit,
            retrieval_mode=retrieval_mode,
            filter=filter,
            instructions=instructions,
        )
        return _matches(self._client.request_json("POST", "/documents/search", body))


class AsyncDocuments:
    """Async twin of :class:`Documents`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def search(
        self,
        query: str,
        collection_ids: Sequence[str] | str,
        *,
        limit: int = DEFAULT_LIMIT,
        retrieval_mode: RetrievalMode = "hybrid",
        filter: str | None = None,
        instructions: str | None = None,
    ) -> list[SearchMatch]:
        """Async twin of :meth:`Documents.search`."""
        body = search_body(
            query,
            collection_ids,
            limit=limit,
            retrieval_mode=retrieval_mode,
            filter=filter,
            instructions=instructions,
        )
        return _matches(await self._client.request_json("POST", "/documents/search", body))


def collections_search_tool(
    collection_ids: Sequence[str] | str,
    *,
    limit: int | None = None,
    retrieval_mode: RetrievalMode | None = None,
) -> dict[str, Any]:
    """The server-side tool that lets the model search collections itself (``file_search``).

    Bind it like ``web_search`` (``ChatGrok().bind_tools([tool])``, ``Grok(server_tools=[tool])``):
    the call goes to the Responses API, the model decides when to search, and the answer carries
    a ``file_search_call`` run and citations. ``limit`` becomes ``max_num_results``.
    ``retrieval_mode`` is the xAI SDK's setting; the REST reference does not list it, so it is
    sent only when given.
    """
    tool: dict[str, Any] = {
        "type": "file_search",
        "vector_store_ids": _collection_ids(collection_ids, "The file_search tool"),
    }
    if len(tool["vector_store_ids"]) > MAX_TOOL_COLLECTIONS:
        raise InvalidParameterError(f"file_search searches at most {MAX_TOOL_COLLECTIONS} collections.")
    if limit is not None:
        tool["max_num_results"] = _limit(limit, "limit")
    if retrieval_mode is not None:
        tool["retrieval_mode"] = {"type": _mode(retrieval_mode)}
    return tool


def file_search_action(item: Mapping[str, Any]) -> dict[str, Any]:
    """A ``file_search_call`` output item as a server tool run's action (the one place it is read).

    The item holds ``queries`` and ``results`` (``file_id``, ``filename``, ``text``, ``score``;
    ``score`` left out when 0) at its top level instead of an ``action``; the run reports the
    queries joined as its ``query`` and keeps the results whole.
    """
    queries = [str(q) for q in item.get("queries") or ()]
    results = [
        {
            "file_id": str(r.get("file_id") or ""),
            "filename": r.get("filename"),
            "text": r.get("text") or "",
            "score": float(r.get("score") or 0.0),
        }
        for r in item.get("results") or ()
        if isinstance(r, Mapping)
    ]
    return {"type": "file_search", "query": "; ".join(queries), "queries": queries, "results": results}
