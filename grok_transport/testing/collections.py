"""xAI Collections on the test server: management, indexing, document search and ``file_search``.

=================================================  ===============================================
endpoint (management key unless said)              answer
=================================================  ===============================================
POST /v1/collections                               the collection object
GET  /v1/collections                               ``{"collections": [...], "pagination_token"}``
GET, PUT, DELETE /v1/collections/{id}              the collection (PUT changes it); ``{}``
GET  /v1/collections/{id}/documents                ``{"documents": [...], "pagination_token"}``
POST /v1/collections/{id}/documents/{file_id}      ``{}``: attached, indexing starts
GET, PATCH, DELETE …/documents/{file_id}           the document; ``{}`` (PATCH re-indexes)
POST /v1/documents/search (inference key)          ``{"matches": [...]}``, best first
=================================================  ===============================================

The management routes answer only to the server's *management* key
(``server.management_api_key``), the search only to the inference key, as on xAI (docs/wire.md,
"Collections and document search"). Both are served on the server's one port, so a client takes
``management_base_url=server.base_url``.

A file comes from the Files API storage (:class:`~.media.MediaStore`; a PDF's text is read best
effort). Attached, it is ``DOCUMENT_STATUS_PROCESSING``, then the SDK's intermediate
``DOCUMENT_STATUS_EMBEDDING``, for :attr:`CollectionStore.index_delay` seconds, then
``PROCESSED`` (or ``FAILED`` with :attr:`CollectionStore.fail_with` as its message, for tests
of that path); only processed documents are searched. Search is deterministic: the text
is cut into chunks of a few sentences, scored against the query with BM25 over every chunk of
the searched collections, so the best chunk is visibly the one holding the query's words.

A ``/v1/responses`` request offering ``file_search`` and nothing scripted is answered by
:func:`file_search_reply`: one search over the tool's ``vector_store_ids``, reported as a
``file_search_call`` item, and a text citing the best chunks as
``collections://<collection_id>/files/<file_id>``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from ._http import Response
from .replies import Reply, ServerToolRun
from .stand_ins import search_query

if TYPE_CHECKING:
    from .conversation import Conversation
    from .exchange import Exchange
    from .media import StoredFile

__all__ = ["CollectionStore", "documents_search", "file_search_reply", "handle"]

_WORD = re.compile(r"[a-z0-9]+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CHUNK_WORDS = 40
_STOP = frozenset(
    _WORD.findall(
        "a an and are as at be by did do does for from how in is it its of on or that the this to was "
        "were what when where which who why with"
    )
)
_MODES = ("hybrid", "semantic", "keyword")
_INDEX = {"model_name": "grok-embedding-small"}
_FILTER = re.compile(r'^\s*([\w.]+)\s*(=|!=|:)\s*"?([^"]*?)"?\s*$')


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _rfc3339(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chunks(text: str) -> list[str]:
    """The text cut into chunks of whole sentences, about :data:`_CHUNK_WORDS` words each."""
    out: list[str] = []
    current: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for sentence in _SENTENCE.split(" ".join(paragraph.split())):
            if sentence:
                current.append(sentence)
            if sum(len(s.split()) for s in current) >= _CHUNK_WORDS:
                out.append(" ".join(current))
                current = []
        if current:
            out.append(" ".join(current))
            current = []
    return out


@dataclass
class _Document:
    file: StoredFile
    fields: dict[str, str]
    attached: float
    chunks: list[str]
    failure: str | None = None

    def status(self, delay: float) -> str:
        """``PROCESSING`` for the first tenth of ``delay``, then ``EMBEDDING``, then the outcome.

        ``EMBEDDING`` is one of the SDK's intermediate states that the REST reference does not
        list, so a client meets a status it must treat as "still working".
        """
        elapsed = time.monotonic() - self.attached
        if elapsed < delay / 10:
            return "DOCUMENT_STATUS_PROCESSING"
        if elapsed < delay:
            return "DOCUMENT_STATUS_EMBEDDING"
        return "DOCUMENT_STATUS_FAILED" if self.failure else "DOCUMENT_STATUS_PROCESSED"

    def as_json(self, delay: float) -> dict[str, Any]:
        status = self.status(delay)
        processing = {"DOCUMENT_STATUS_PROCESSING": "processing", "DOCUMENT_STATUS_EMBEDDING": "processing"}
        processing["DOCUMENT_STATUS_FAILED"] = "failed"
        return {
            "file_metadata": {
                "file_id": self.file.id,
                "name": self.file.filename,
                "size_bytes": str(len(self.file.data)),  # a string, as documented
                "content_type": self.file.content_type,
                "created_at": _rfc3339(self.file.created_at),
                "expires_at": None,
                "hash": hashlib.sha256(self.file.data).hexdigest(),
                "upload_status": "UPLOAD_STATUS_COMPLETE",
                "upload_error_message": "",
                "processing_status": processing.get(status, "complete"),
                "file_path": "",
            },
            "fields": dict(self.fields),
            "status": status,
            "error_message": (self.failure or "") if status == "DOCUMENT_STATUS_FAILED" else "",
            "last_indexed_at": _rfc3339(time.time()) if processing.get(status) != "processing" else None,
        }


@dataclass
class _Collection:
    id: str
    name: str
    description: str
    created: float
    settings: dict[str, Any]
    documents: dict[str, _Document] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "collection_id": self.id,
            "collection_name": self.name,
            "collection_description": self.description,
            "created_at": _rfc3339(self.created),
            "index_configuration": self.settings.get("index_configuration") or _INDEX,
            "chunk_configuration": self.settings.get("chunk_configuration") or {},
            "documents_count": len(self.documents),
            "field_definitions": self.settings.get("field_definitions") or [],
        }


class CollectionStore:
    """The collections of one server; thread-safe.

    ``index_delay`` (seconds, default 0.2) is how long a new document stays ``PROCESSING``;
    ``fail_with``, when set, is the error message new documents fail indexing with. Both are
    configuration and survive :meth:`clear`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.index_delay = 0.2
        self.fail_with: str | None = None
        self._collections: dict[str, _Collection] = {}
        self._count = 0

    def clear(self) -> None:
        with self._lock:
            self._collections.clear()
            self._count = 0

    def create(self, name: str, description: str, settings: dict[str, Any]) -> _Collection:
        with self._lock:
            self._count += 1
            cid = f"collection_{uuid.UUID(bytes=hashlib.md5(f'{self._count}:{name}'.encode()).digest())}"
            self._collections[cid] = made = _Collection(cid, name, description, time.time(), settings)
            return made

    def get(self, collection_id: str) -> _Collection | None:
        with self._lock:
            return self._collections.get(collection_id)

    def all(self) -> list[_Collection]:
        with self._lock:
            return list(self._collections.values())

    def delete(self, collection_id: str) -> bool:
        with self._lock:
            return self._collections.pop(collection_id, None) is not None

    def attach(self, collection: _Collection, file: StoredFile, fields: dict[str, str]) -> None:
        document = _Document(file, fields, time.monotonic(), chunks(file.text()), self.fail_with)
        with self._lock:
            collection.documents[file.id] = document


# handlers -----------------------------------------------------------------------------------------


def _answer(obj: Any) -> Response:
    return Response(200, json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())


def _query(x: Exchange) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(x.request.query).items()}


def _page(x: Exchange, key: str, items: list[tuple[str, Any]]) -> Response:
    """One page of ``(id, object)`` pairs, continued after the id in ``pagination_token``."""
    query = _query(x)
    try:
        limit = min(100, max(1, int(query.get("limit", 100))))
    except ValueError:
        x.refuse(400, "limit must be an integer.")
    if query.get("order") == "ORDERING_DESCENDING":
        items.reverse()
    ids = [item_id for item_id, _ in items]
    token = query.get("pagination_token")
    start = ids.index(token) + 1 if token in ids else 0
    page = items[start : start + limit]
    more = start + limit < len(items)
    return _answer({key: [obj for _, obj in page], "pagination_token": page[-1][0] if more else None})


def _collection(x: Exchange) -> _Collection:
    found = x.state.collections.get(x.params["id"])
    if found is None:
        x.refuse(404, f"Collection {x.params['id']} not found.")
    return found


def handle(x: Exchange) -> Response:
    """Every management route (see the module docstring)."""
    store, method = x.state.collections, x.request.method
    if "id" not in x.params:
        if method == "GET":
            listed = sorted(store.all(), key=lambda c: c.name)
            return _page(x, "collections", [(c.id, c.as_json()) for c in listed])
        body = x.body("struct CreateCollectionRequest")
        name = body.get("collection_name")
        if not isinstance(name, str) or not name.strip():
            x.refuse(400, "collection_name is required.")
        settings = {k: v for k, v in body.items() if k not in ("collection_name", "collection_description")}
        return _answer(store.create(name, str(body.get("collection_description") or ""), settings).as_json())
    collection = _collection(x)
    if "file_id" in x.params:
        return _document(x, collection)
    if x.request.path.endswith("/documents"):
        delay = store.index_delay
        documents = sorted(collection.documents.values(), key=lambda d: d.file.filename)
        return _page(x, "documents", [(d.file.id, d.as_json(delay)) for d in documents])
    if method == "DELETE":
        store.delete(collection.id)
        return _answer({})
    if method == "PUT":
        body = x.body("struct UpdateCollectionRequest")
        collection.name = str(body.get("collection_name") or collection.name)
        if "collection_description" in body:
            collection.description = str(body["collection_description"] or "")
        if "chunk_configuration" in body:
            collection.settings["chunk_configuration"] = body["chunk_configuration"]
    return _answer(collection.as_json())


def _document(x: Exchange, collection: _Collection) -> Response:
    store, method, file_id = x.state.collections, x.request.method, x.params["file_id"]
    if method == "POST":
        stored = x.state.media.file(file_id)
        if stored is None:
            x.refuse(404, f"File {file_id} not found; upload it through the Files API first.")
        body = x.json if isinstance(x.json, Mapping) else {}
        fields = body.get("fields") or {}
        if not isinstance(fields, Mapping) or not all(isinstance(v, str) for v in fields.values()):
            x.refuse(400, "fields must map names to string values.")
        store.attach(collection, stored, dict(fields))
        return _answer({})
    document = collection.documents.get(file_id)
    if document is None:
        x.refuse(404, f"Document {file_id} not found in collection {collection.id}.")
    if method == "DELETE":
        collection.documents.pop(file_id, None)
        return _answer({})
    if method == "PATCH":
        store.attach(collection, document.file, document.fields)
        return _answer({})
    return _answer(document.as_json(store.index_delay))


# search -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Match:
    collection_id: str
    document: _Document
    index: int
    score: float

    @property
    def chunk(self) -> str:
        return self.document.chunks[self.index]

    def as_json(self) -> dict[str, Any]:
        file_id = self.document.file.id
        return {
            "file_id": file_id,
            "chunk_id": f"chunk_{hashlib.md5(f'{file_id}:{self.index}'.encode()).hexdigest()[:16]}",
            "chunk_content": self.chunk,
            "score": self.score,
            "collection_ids": [self.collection_id],
            "fields": dict(self.document.fields),
            "page_number": 0,
        }


def _passes(fields: Mapping[str, str], expression: str | None) -> bool:
    """A small part of AIP-160: ``key = "value"``, ``key != "value"``, joined by AND."""
    if not expression:
        return True
    for clause in re.split(r"\s+AND\s+", expression.strip()):
        match = _FILTER.match(clause)
        if match is None:
            raise ValueError(clause)
        key, op, value = match.groups()
        actual = fields.get(key.removeprefix("fields."))
        if (actual == value) != (op in ("=", ":")):
            return False
    return True


def search(
    collections: Sequence[_Collection], query: str, limit: int, mode: str, filter: str | None, delay: float
) -> list[_Match]:
    """The ``limit`` best chunks of the processed documents, BM25-scored (see the module docstring)."""
    pool = [
        (c.id, d, i)
        for c in collections
        for d in c.documents.values()
        if d.status(delay) == "DOCUMENT_STATUS_PROCESSED" and _passes(d.fields, filter)
        for i in range(len(d.chunks))
    ]
    texts = [_words(d.chunks[i]) for _, d, i in pool]
    average = sum(map(len, texts)) / len(texts) if texts else 1.0
    terms = set(_words(query))
    frequency = {t: sum(1 for words in texts if t in words) for t in terms}
    scored = []
    for (cid, document, index), words in zip(pool, texts, strict=True):
        score = 0.0
        for term in terms:
            tf = words.count(term)
            if tf:
                idf = math.log(1 + (len(texts) - frequency[term] + 0.5) / (frequency[term] + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(words) / (average or 1.0)))
        if score > 0 or mode != "keyword":
            scored.append(_Match(cid, document, index, round(score, 6)))
    scored.sort(key=lambda m: -m.score)  # stable: ties keep the documents' order
    return scored[:limit]


def _searched(x: Exchange, ids: Any) -> list[_Collection]:
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str) for i in ids):
        x.refuse(400, "source.collection_ids must be a non-empty list of collection ids.")
    found = []
    for cid in ids:
        collection = x.state.collections.get(cid)
        if collection is None:
            x.refuse(404, f"Collection {cid} not found.")
        found.append(collection)
    return found


def documents_search(x: Exchange) -> Response:
    """``POST /v1/documents/search`` with the inference key."""
    body = x.body("struct SearchRequest")
    x.require(body, "query", "source")
    query = x.expect(body, "query")
    source = body["source"] if isinstance(body["source"], Mapping) else {}
    collections = _searched(x, source.get("collection_ids"))
    limit = body.get("limit", 10)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        x.refuse(400, "limit must be a positive integer.")
    mode = (body.get("retrieval_mode") or {}).get("type", "hybrid")
    if mode not in _MODES:
        x.refuse(400, f"Unknown retrieval_mode type {mode!r}.")
    try:
        found = search(collections, query, limit, mode, body.get("filter"), x.state.collections.index_delay)
    except ValueError as clause:
        x.refuse(400, f"Unsupported filter expression: {clause}")
    return _answer({"matches": [m.as_json() for m in found]})


# the file_search server tool ------------------------------------------------------------------------


def file_search_reply(x: Exchange, tools: Sequence[Any], conversation: Conversation) -> Reply | None:
    """The stand-in's answer when ``file_search`` is offered and the user spoke last, else None."""
    tool = next((t for t in tools if isinstance(t, Mapping) and t.get("type") == "file_search"), None)
    if tool is None or conversation.last_role != "user" or x.json.get("tool_choice") == "none":
        return None
    limit = tool.get("max_num_results") or 10
    query = search_query(conversation.user_text)
    found = search(_searched(x, tool.get("vector_store_ids")), query, limit, "hybrid", None, 0.0)
    found = [m for m in found if m.score > 0]
    results = tuple(  # every score is > 0 here: xAI leaves out only a 0.0 one
        {
            "file_id": m.document.file.id,
            "filename": m.document.file.filename,
            "text": m.chunk,
            "score": m.score,
        }
        for m in found
    )
    urls = tuple(dict.fromkeys(f"collections://{m.collection_id}/files/{m.document.file.id}" for m in found))
    if found:
        best = found[0]
        text = f'i searched the collections for "{query}". {best.document.file.filename} says: '
        text += f'"{best.chunk}"'
    else:
        text = f'i searched the collections for "{query}" and found nothing about it.'
    run = ServerToolRun("file_search", query, urls[:2], results=results)
    titles = {
        f"collections://{m.collection_id}/files/{m.document.file.id}": m.document.file.filename for m in found
    }
    cited = [{"url": url, "title": titles[url]} for url in urls[:2]]
    return Reply.text(text, citations=cited, server_tools=[run])
