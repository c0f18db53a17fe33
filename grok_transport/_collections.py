"""xAI Collections management: create collections, put documents in them, wait until they are indexed.

Collections live on their own host, ``https://management-api.x.ai/v1``, and answer only to a
*management* key (``XAI_MANAGEMENT_API_KEY``), never the inference key (docs/wire.md,
"Collections and document search"). So ``client.collections`` talks through a second, internal
client built from the first one's timeout, retries, headers and ``httpx`` client, with the
management base URL and key: that key is scrubbed from that client's errors the way the
inference key is from the first one's, and a missing key is a :class:`MissingAPIKeyError` naming
the variable before any request.

Adding a file takes two steps on two hosts: the bytes go up through the Files API (inference
host, inference key), then the file id is attached to the collection (management host). The
document is searchable once its ``status`` is ``DOCUMENT_STATUS_PROCESSED``;
:meth:`Collections.wait_for_document` polls it with the shared poller
(:mod:`grok_transport._polling`): ``FAILED`` raises :class:`DocumentIndexingError` with the
server's message, any other status (intermediate, or unknown to this version) means "still
working". Lists are paged with :mod:`grok_transport._paging`.

No recording exists; each object is read in one ``from_dict`` so that one can correct it.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import re
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pydantic import SecretStr

from grok_transport._errors import (
    GrokError,
    InvalidParameterError,
    MissingAPIKeyError,
    UnexpectedResponseError,
)
from grok_transport._paging import apages, pages
from grok_transport._polling import Schedule, apoll, job_schedule, poll
from grok_transport._providers import clean_api_key, resolve_connection
from grok_transport._resources import path_id

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient
    from grok_transport._files import FileSource

    _Upload = tuple[FileSource, str | None, Mapping[str, Any] | None]  # add_file's file, filename, fields

__all__ = [
    "AsyncCollections",
    "Collection",
    "CollectionDocument",
    "Collections",
    "DEFAULT_MANAGEMENT_BASE_URL",
    "DocumentIndexingError",
    "MANAGEMENT_KEY_ENV",
    "management_settings",
    "pick_collection",
]

DEFAULT_MANAGEMENT_BASE_URL = "https://management-api.x.ai/v1"
MANAGEMENT_KEY_ENV = "XAI_MANAGEMENT_API_KEY"
MANAGEMENT_URL_ENV = "XAI_MANAGEMENT_BASE_URL"
PAGE_SIZE = 100
"""The most items a management list answers at once."""
POLL_INTERVAL, MAX_POLL_INTERVAL = 0.5, 10.0
"""Indexing a small file takes seconds: look every half second, slowing to every ten."""
INDEX_TIMEOUT = 600.0
"""Ten minutes: a large PDF is chunked and embedded in well under that."""
PROCESSED, FAILED = "DOCUMENT_STATUS_PROCESSED", "DOCUMENT_STATUS_FAILED"


class DocumentIndexingError(GrokError):
    """A document could not be indexed (status ``FAILED``); ``message`` is the server's own.

    ``file_id`` and ``collection_id`` say which; remove the document, fix the file and add it again.
    """

    def __init__(self, message: str, *, collection_id: str, file_id: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.collection_id = collection_id
        self.file_id = file_id


_FRACTION = re.compile(r"(\.\d{6})\d+")


def timestamp(value: Any) -> float | None:
    """Unix seconds from a Unix number or an RFC 3339 string (the docs show both for one field)."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        if value.strip().lstrip("-").isdigit():
            return float(value)
        text = _FRACTION.sub(r"\1", value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        try:  # Python 3.10 reads neither "Z" nor nanoseconds, hence the rewrites above
            return datetime.fromisoformat(text).timestamp()
        except ValueError:
            pass
    raise UnexpectedResponseError(f"expected a Unix time or an RFC 3339 date, got {value!r}")


def _object(data: Any, what: str, key: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping) or not data.get(key):
        raise UnexpectedResponseError(f"expected a {what} object, got {json.dumps(data)[:200]}")
    return data


@dataclass(frozen=True)
class Collection:
    """A collection as the management API describes it; everything else it said is in ``raw``."""

    id: str
    name: str
    description: str = ""
    documents_count: int = 0
    created_at: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> Collection:
        """Read a collection object (the one place its shape is read)."""
        data = _object(data, "collection", "collection_id")
        return cls(
            id=str(data["collection_id"]),
            name=str(data.get("collection_name") or ""),
            description=str(data.get("collection_description") or ""),
            documents_count=int(data.get("documents_count") or 0),
            created_at=timestamp(data.get("created_at")),
            raw=dict(data),
        )


@dataclass(frozen=True)
class CollectionDocument:
    """A file in a collection, with its indexing ``status`` and its metadata ``fields``."""

    file_id: str
    name: str = ""
    size_bytes: int = 0
    content_type: str = ""
    status: str = "DOCUMENT_STATUS_UNKNOWN"
    error_message: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    created_at: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> CollectionDocument:
        """Read a document object (the one place its shape is read); ``size_bytes`` comes as a string."""
        metadata = data.get("file_metadata") if isinstance(data, Mapping) else None
        metadata = _object(metadata, "document", "file_id")
        return cls(
            file_id=str(metadata["file_id"]),
            name=str(metadata.get("name") or ""),
            size_bytes=int(metadata.get("size_bytes") or 0),
            content_type=str(metadata.get("content_type") or ""),
            status=str(data.get("status") or "DOCUMENT_STATUS_UNKNOWN"),
            error_message=str(data.get("error_message") or ""),
            fields={str(k): str(v) for k, v in dict(data.get("fields") or {}).items()},
            created_at=timestamp(metadata.get("created_at")),
            raw=dict(data),
        )

    @property
    def processed(self) -> bool:
        """Indexed and searchable."""
        return self.status == PROCESSED

    @property
    def failed(self) -> bool:
        """Indexing failed; ``error_message`` says why."""
        return self.status == FAILED


def management_settings(
    api_key: str | SecretStr | None, base_url: str | None, environ: Mapping[str, str] | None = None
) -> tuple[SecretStr, str]:
    """The management key (argument, else ``XAI_MANAGEMENT_API_KEY``; may be empty) and base URL."""
    env = os.environ if environ is None else environ
    if isinstance(api_key, SecretStr):
        api_key = api_key.get_secret_value()
    key = clean_api_key(api_key, "management_api_key") if api_key is not None else ""
    if api_key is None:
        key = clean_api_key(env.get(MANAGEMENT_KEY_ENV) or "", MANAGEMENT_KEY_ENV)
    url = (base_url or env.get(MANAGEMENT_URL_ENV) or DEFAULT_MANAGEMENT_BASE_URL).rstrip("/")
    return SecretStr(key), url


def _management_kwargs(client: GrokClient | AsyncGrokClient) -> dict[str, Any]:
    """The settings of the internal management client: the caller's, but another host and key."""
    key, url = management_settings(*client._management_settings)
    if not key.get_secret_value():
        raise MissingAPIKeyError(
            f"Collections management needs a management key: pass management_api_key= or set "
            f"{MANAGEMENT_KEY_ENV} (the inference key cannot manage collections)."
        )
    connection = resolve_connection(
        provider="custom", base_url=url, api_key=key, auth_style="bearer", environ={}
    )
    return {
        "connection": connection,
        "timeout": client.timeout,
        "max_retries": client.retry.max_retries,
        "default_headers": client._headers,
        "rate_limit_rpm": None,
        "http_client": client._user_client,
    }


def _fields(fields: Mapping[str, Any] | None) -> dict[str, str]:
    """Document fields as the API takes them: string values (a number or a list as JSON)."""
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (fields or {}).items()}


def _collection_path(collection_id: str, suffix: str = "") -> str:
    return f"/collections/{path_id(collection_id, 'collection_id')}{suffix}"


def _document_path(collection_id: str, file_id: str) -> str:
    return _collection_path(collection_id, f"/documents/{path_id(file_id, 'file_id')}")


def _list_path(path: str, order: str | None, sort_by: str | None, filter: str | None) -> str:
    query = {k: v for k, v in (("order", order), ("sort_by", sort_by), ("filter", filter)) if v}
    return f"{path}?{urlencode(query)}" if query else path


def _create_body(name: str, description: str | None, extra: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(name, str) or not name.strip():
        raise InvalidParameterError("A collection needs a non-empty name.")
    body: dict[str, Any] = {"collection_name": name}
    if description is not None:
        body["collection_description"] = description
    return {**body, **{k: v for k, v in extra.items() if v is not None}}


def _update_body(name: str | None, description: str | None, extra: Mapping[str, Any]) -> dict[str, Any]:
    body = {"collection_name": name, "collection_description": description, **extra}
    body = {k: v for k, v in body.items() if v is not None}
    if not body:
        raise InvalidParameterError("update() needs something to change (name, description, ...).")
    return body


def pick_collection(collection_ids: Sequence[str], collection_id: str | None) -> str:
    """The collection a retriever adds documents to: ``collection_id``, else the only one it searches.

    Both adapters' retrievers ask this before uploading, so a retriever over several collections
    refuses to guess (an :class:`InvalidParameterError` before any request).
    """
    if collection_id is not None:
        return collection_id
    if len(collection_ids) == 1:
        return collection_ids[0]
    raise InvalidParameterError(
        f"This retriever searches {len(collection_ids)} collections: say which one to add to with "
        "collection_id=."
    )


def text_uploads(
    texts: Sequence[str], metadatas: Sequence[Mapping[str, Any]] | None, names: Sequence[str] | None
) -> builtins.list[tuple[bytes, str, dict[str, str]]]:
    """``(bytes, filename, fields)`` per text: the arguments of ``add_file`` for a framework document.

    The name is the given one, else the basename of a ``source`` in the metadata, else one made
    from the text's hash (so the same text gets the same name); ``.txt`` is added when the name
    has no extension, so the server reads it as text. Fields are the metadata's scalar values
    (``None`` left out): nested values would not filter meaningfully.
    """
    if isinstance(texts, str):
        raise InvalidParameterError("add_texts takes a list of texts, not one string.")
    metadatas = list(metadatas) if metadatas is not None else [{}] * len(texts)
    given = list(names) if names is not None else [None] * len(texts)
    if len(metadatas) != len(texts) or len(given) != len(texts):
        raise InvalidParameterError("add_texts needs one metadata mapping and one name per text.")
    uploads = []
    for text, metadata, name in zip(texts, metadatas, given, strict=True):
        if not isinstance(text, str) or not text.strip():
            raise InvalidParameterError("Every document needs some text to index.")
        source = metadata.get("source")
        name = name or (os.path.basename(source) if isinstance(source, str) and source else None)
        name = name or f"document-{hashlib.sha256(text.encode()).hexdigest()[:12]}"
        fields = {k: v for k, v in metadata.items() if isinstance(v, (str, int, float, bool))}
        uploads.append((text.encode(), name if "." in name else f"{name}.txt", _fields(fields)))
    return uploads


def _settled(document: CollectionDocument) -> bool:
    return document.processed or document.failed


def _indexed(collection_id: str, document: CollectionDocument) -> CollectionDocument:
    if document.failed:
        raise DocumentIndexingError(
            document.error_message or f"{document.name or document.file_id} could not be indexed.",
            collection_id=collection_id,
            file_id=document.file_id,
        )
    return document


def _schedule(collection_id: str, file_id: str, timeout: float | None) -> Schedule[CollectionDocument]:
    def message(last: CollectionDocument, seconds: float) -> str:
        return (
            f"{file_id} in {collection_id} was still {last.status} after {seconds:g} s; "
            "wait again with wait_for_document()."
        )

    return job_schedule(
        file_id, message, interval=POLL_INTERVAL, max_interval=MAX_POLL_INTERVAL, timeout=timeout
    )


class Collections:
    """Collections on the management host (``client.collections``); see the module docstring."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def _management(self) -> GrokClient:
        client = self._client
        if client._management_client is None:
            client._management_client = type(client)(**_management_kwargs(client))
        management: GrokClient = client._management_client
        return management

    def _json(self, method: str, path: str, body: Any = None) -> Any:
        return self._management().request_json(method, path, body)

    # collections --------------------------------------------------------------------------------

    def create(self, name: str, *, description: str | None = None, **settings: Any) -> Collection:
        """``POST /collections``.

        ``settings`` are the API's own (``chunk_configuration``, ``index_configuration``,
        ``field_definitions``, ``metric_space``).
        """
        body = _create_body(name, description, settings)
        return Collection.from_dict(self._json("POST", "/collections", body))

    def list(
        self, *, order: str | None = None, sort_by: str | None = None, filter: str | None = None
    ) -> Iterator[Collection]:
        """``GET /collections``: every collection of the key's team, pages fetched as iteration goes."""
        path = _list_path("/collections", order, sort_by, filter)
        for page in pages(lambda p: self._json("GET", p), path, "collections", PAGE_SIZE):
            yield from map(Collection.from_dict, page)

    def get(self, collection_id: str) -> Collection:
        """``GET /collections/{id}``."""
        return Collection.from_dict(self._json("GET", _collection_path(collection_id)))

    def update(
        self, collection_id: str, *, name: str | None = None, description: str | None = None, **settings: Any
    ) -> Collection:
        """``PUT /collections/{id}`` (xAI updates with PUT): only what is given changes."""
        body = _update_body(name, description, settings)
        return Collection.from_dict(self._json("PUT", _collection_path(collection_id), body))

    def delete(self, collection_id: str) -> None:
        """``DELETE /collections/{id}`` (the uploaded files stay in the Files API)."""
        self._json("DELETE", _collection_path(collection_id))

    # documents ----------------------------------------------------------------------------------

    def attach(self, collection_id: str, file_id: str, *, fields: Mapping[str, Any] | None = None) -> None:
        """Attach an uploaded file (``POST /collections/{id}/documents/{file_id}``); indexing starts."""
        body = {"fields": _fields(fields)}
        self._json("POST", _document_path(collection_id, file_id), body)

    def add_file(
        self,
        collection_id: str,
        file: FileSource,
        *,
        filename: str | None = None,
        fields: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> CollectionDocument:
        """Upload ``file`` (a path or bytes) through the Files API and attach it.

        With ``wait`` (the default) this returns once the document is searchable, or raises
        :class:`DocumentIndexingError`; without, it returns the document as first seen.
        """
        path_id(collection_id, "collection_id")  # a bad id, or no management key, is refused
        self._management()  # before the upload
        uploaded = self._client.files.upload(file, filename=filename)
        self.attach(collection_id, uploaded.id, fields=fields)
        if wait:
            return self.wait_for_document(collection_id, uploaded.id, timeout=timeout)
        return self.get_document(collection_id, uploaded.id)

    def add_files(
        self,
        collection_id: str,
        files: Sequence[FileSource],
        *,
        fields: Mapping[str, Any] | None = None,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> builtins.list[CollectionDocument]:
        """Upload and attach each file, then wait for all of them (indexing runs in parallel)."""
        return self._add_all(collection_id, [(f, None, fields) for f in files], timeout)

    def add_texts(
        self,
        collection_id: str,
        texts: Sequence[str],
        *,
        metadatas: Sequence[Mapping[str, Any]] | None = None,
        names: Sequence[str] | None = None,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> builtins.list[CollectionDocument]:
        """Upload each text as a UTF-8 ``.txt`` file, attach it with its metadata as fields, wait.

        What the adapters' ``add_documents`` call: a framework document is its text and its
        metadata (scalar values become fields; see :func:`text_uploads`).
        """
        return self._add_all(collection_id, text_uploads(texts, metadatas, names), timeout)

    def _add_all(
        self, collection_id: str, uploads: Sequence[_Upload], timeout: float | None
    ) -> builtins.list[CollectionDocument]:
        """Upload and attach every file first, then wait for them all: the server indexes them in parallel."""
        started = [self.add_file(collection_id, f, filename=n, fields=m, wait=False) for f, n, m in uploads]
        return [self.wait_for_document(collection_id, d.file_id, timeout=timeout) for d in started]

    def documents(
        self,
        collection_id: str,
        *,
        order: str | None = None,
        sort_by: str | None = None,
        filter: str | None = None,
    ) -> Iterator[CollectionDocument]:
        """``GET /collections/{id}/documents``, pages fetched as iteration goes."""
        path = _list_path(_collection_path(collection_id, "/documents"), order, sort_by, filter)
        for page in pages(lambda p: self._json("GET", p), path, "documents", PAGE_SIZE):
            yield from map(CollectionDocument.from_dict, page)

    def get_document(self, collection_id: str, file_id: str) -> CollectionDocument:
        """``GET /collections/{id}/documents/{file_id}``: the document and its indexing status."""
        return CollectionDocument.from_dict(self._json("GET", _document_path(collection_id, file_id)))

    def remove_document(self, collection_id: str, file_id: str) -> None:
        """``DELETE /collections/{id}/documents/{file_id}`` (the file stays in the Files API)."""
        self._json("DELETE", _document_path(collection_id, file_id))

    def reindex_document(self, collection_id: str, file_id: str) -> None:
        """``PATCH /collections/{id}/documents/{file_id}``: index it again (then wait, as after adding)."""
        self._json("PATCH", _document_path(collection_id, file_id))

    def wait_for_document(
        self, collection_id: str, file_id: str, *, timeout: float | None = INDEX_TIMEOUT
    ) -> CollectionDocument:
        """Poll the document until it is indexed; :class:`DocumentIndexingError` if that failed."""
        schedule = _schedule(collection_id, file_id, timeout)
        last = poll(lambda: self.get_document(collection_id, file_id), _settled, schedule)
        return _indexed(collection_id, last)


class AsyncCollections:
    """Async twin of :class:`Collections`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    def _management(self) -> AsyncGrokClient:
        client = self._client
        if client._management_client is None:
            client._management_client = type(client)(**_management_kwargs(client))
        management: AsyncGrokClient = client._management_client
        return management

    async def _json(self, method: str, path: str, body: Any = None) -> Any:
        return await self._management().request_json(method, path, body)

    async def create(self, name: str, *, description: str | None = None, **settings: Any) -> Collection:
        """Async twin of :meth:`Collections.create`."""
        body = _create_body(name, description, settings)
        return Collection.from_dict(await self._json("POST", "/collections", body))

    async def list(
        self, *, order: str | None = None, sort_by: str | None = None, filter: str | None = None
    ) -> AsyncIterator[Collection]:
        """Async twin of :meth:`Collections.list`."""
        path = _list_path("/collections", order, sort_by, filter)
        async for page in apages(lambda p: self._json("GET", p), path, "collections", PAGE_SIZE):
            for item in page:
                yield Collection.from_dict(item)

    async def get(self, collection_id: str) -> Collection:
        """Async twin of :meth:`Collections.get`."""
        return Collection.from_dict(await self._json("GET", _collection_path(collection_id)))

    async def update(
        self, collection_id: str, *, name: str | None = None, description: str | None = None, **settings: Any
    ) -> Collection:
        """Async twin of :meth:`Collections.update`."""
        body = _update_body(name, description, settings)
        return Collection.from_dict(await self._json("PUT", _collection_path(collection_id), body))

    async def delete(self, collection_id: str) -> None:
        """Async twin of :meth:`Collections.delete`."""
        await self._json("DELETE", _collection_path(collection_id))

    async def attach(
        self, collection_id: str, file_id: str, *, fields: Mapping[str, Any] | None = None
    ) -> None:
        """Async twin of :meth:`Collections.attach`."""
        body = {"fields": _fields(fields)}
        await self._json("POST", _document_path(collection_id, file_id), body)

    async def add_file(
        self,
        collection_id: str,
        file: FileSource,
        *,
        filename: str | None = None,
        fields: Mapping[str, Any] | None = None,
        wait: bool = True,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> CollectionDocument:
        """Async twin of :meth:`Collections.add_file`."""
        path_id(collection_id, "collection_id")
        self._management()
        uploaded = await self._client.files.upload(file, filename=filename)
        await self.attach(collection_id, uploaded.id, fields=fields)
        if wait:
            return await self.wait_for_document(collection_id, uploaded.id, timeout=timeout)
        return await self.get_document(collection_id, uploaded.id)

    async def add_files(
        self,
        collection_id: str,
        files: Sequence[FileSource],
        *,
        fields: Mapping[str, Any] | None = None,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> builtins.list[CollectionDocument]:
        """Async twin of :meth:`Collections.add_files`."""
        return await self._add_all(collection_id, [(f, None, fields) for f in files], timeout)

    async def add_texts(
        self,
        collection_id: str,
        texts: Sequence[str],
        *,
        metadatas: Sequence[Mapping[str, Any]] | None = None,
        names: Sequence[str] | None = None,
        timeout: float | None = INDEX_TIMEOUT,
    ) -> builtins.list[CollectionDocument]:
        """Async twin of :meth:`Collections.add_texts`."""
        return await self._add_all(collection_id, text_uploads(texts, metadatas, names), timeout)

    async def _add_all(
        self, collection_id: str, uploads: Sequence[_Upload], timeout: float | None
    ) -> builtins.list[CollectionDocument]:
        started = [
            await self.add_file(collection_id, f, filename=n, fields=m, wait=False) for f, n, m in uploads
        ]
        return [await self.wait_for_document(collection_id, d.file_id, timeout=timeout) for d in started]

    async def documents(
        self,
        collection_id: str,
        *,
        order: str | None = None,
        sort_by: str | None = None,
        filter: str | None = None,
    ) -> AsyncIterator[CollectionDocument]:
        """Async twin of :meth:`Collections.documents`."""
        path = _list_path(_collection_path(collection_id, "/documents"), order, sort_by, filter)
        async for page in apages(lambda p: self._json("GET", p), path, "documents", PAGE_SIZE):
            for item in page:
                yield CollectionDocument.from_dict(item)

    async def get_document(self, collection_id: str, file_id: str) -> CollectionDocument:
        """Async twin of :meth:`Collections.get_document`."""
        return CollectionDocument.from_dict(await self._json("GET", _document_path(collection_id, file_id)))

    async def remove_document(self, collection_id: str, file_id: str) -> None:
        """Async twin of :meth:`Collections.remove_document`."""
        await self._json("DELETE", _document_path(collection_id, file_id))

    async def reindex_document(self, collection_id: str, file_id: str) -> None:
        """Async twin of :meth:`Collections.reindex_document`."""
        await self._json("PATCH", _document_path(collection_id, file_id))

    async def wait_for_document(
        self, collection_id: str, file_id: str, *, timeout: float | None = INDEX_TIMEOUT
    ) -> CollectionDocument:
        """Async twin of :meth:`Collections.wait_for_document`."""
        schedule = _schedule(collection_id, file_id, timeout)
        last = await apoll(lambda: self.get_document(collection_id, file_id), _settled, schedule)
        return _indexed(collection_id, last)
