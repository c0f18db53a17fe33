"""The Files API: upload a document once, refer to it by id, list and delete it.

The wire (docs/wire.md, "Files"): ``POST /v1/files`` is a multipart form whose ``file`` part
carries the file name and content type, and answers ``{"bytes", "created_at", "expires_at",
"filename", "id": "file_…", "object": "file", "purpose"}``. An optional ``expires_after`` (seconds,
1 hour to 30 days) must come before the file in the form. ``GET /v1/files`` lists them a page at a
time (a ``pagination_token`` names the next page; a page shorter than ``limit`` is the last) and
``DELETE /v1/files/{id}`` answers ``{"id", "deleted"}``.

An uploaded file is attached to a conversation on the Responses API as ``{"type": "input_file",
"file_id": …}``, which turns on xAI's server-side document search.

xAI's pages disagree on the size limit (48 MB or 50 MB); the lower one is enforced here, before a
byte is sent (:func:`check_size`, which a chat turn's inline files go through too), so a large
upload fails at once instead of after minutes on the wire.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grok_transport._errors import FileTooLargeError, InvalidParameterError
from grok_transport._paging import apages, pages
from grok_transport._resources import path_id, read_json

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncFiles", "FileObject", "Files", "MAX_UPLOAD_BYTES", "check_size"]

MAX_UPLOAD_BYTES = 48_000_000
"""48 MB: the lower of the two limits xAI documents, and below both readings of "MB"."""
PAGE_SIZE = 100
"""The most files ``GET /files`` returns at once."""

FileSource = str | bytes | os.PathLike[str]


@dataclass(frozen=True)
class FileObject:
    """An uploaded file as the API describes it. ``expires_at`` is None for a file that stays."""

    id: str
    filename: str
    bytes: int
    created_at: int | None = None
    expires_at: int | None = None
    purpose: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FileObject:
        """Read one file object of an upload or listing answer."""
        return cls(
            id=str(data["id"]),
            filename=str(data.get("filename") or ""),
            bytes=int(data.get("bytes") or 0),
            created_at=data.get("created_at"),
            expires_at=data.get("expires_at"),
            purpose=str(data.get("purpose") or ""),
            raw=data,
        )


def check_size(size: int, name: str) -> None:
    """Refuse a file over :data:`MAX_UPLOAD_BYTES` before a byte of it is sent."""
    if size > MAX_UPLOAD_BYTES:
        raise FileTooLargeError(
            f"{name} is {size / 1e6:.1f} MB; the Files API takes files up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB."
        )


def _upload_form(
    file: FileSource, filename: str | None, expires_after: int | None
) -> tuple[dict[str, str], dict[str, tuple[str, bytes, str]]]:
    """The form of an upload: its plain fields and its ``file`` part.

    A file over the limit is refused before it is read, so a mistaken multi-gigabyte path costs
    neither memory nor time.
    """
    if expires_after is not None and (
        isinstance(expires_after, bool) or not 3600 <= expires_after <= 2592000
    ):
        raise InvalidParameterError(
            f"expires_after must be 3600 to 2592000 seconds (1 hour to 30 days), not {expires_after!r}."
        )
    if isinstance(file, bytes):
        data = file
    elif isinstance(file, (str, os.PathLike)):
        path = Path(file)
        if not path.is_file():
            hint = " (attach a public URL as file_url instead)" if str(file).startswith("http") else ""
            raise InvalidParameterError(
                f"files.upload takes a path or bytes; {str(file)!r} is not a file{hint}."
            )
        check_size(path.stat().st_size, path.name)
        data = path.read_bytes()
        filename = filename or path.name
    else:
        raise InvalidParameterError(f"files.upload takes a path or bytes, not {type(file).__name__}.")
    check_size(len(data), filename or "the data")
    if not data:
        raise InvalidParameterError(f"{filename or 'the data'} is empty; there is nothing to upload.")
    filename = filename or _default_name(data)
    mime_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    fields = {} if expires_after is None else {"expires_after": str(expires_after)}
    return fields, {"file": (filename, data, mime_type)}


def _default_name(data: bytes) -> str:
    """A name whose extension tells the server how to read nameless bytes."""
    if data.startswith(b"%PDF-"):
        return "document.pdf"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "upload.bin"
    return "document.txt"


def _file_path(file_id: str) -> str:
    return f"/files/{path_id(file_id, 'file_id')}"


class Files:
    """``client.files``: upload a document once, list what is there, delete it."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def upload(
        self, file: FileSource, *, filename: str | None = None, expires_after: int | None = None
    ) -> FileObject:
        """``POST /files``: upload a path or bytes (up to 48 MB, refused before sending if larger).

        ``filename`` overrides the path's name; bytes without one are named by their content
        (``document.pdf``, ``document.txt`` or ``upload.bin``). ``expires_after`` (seconds) makes
        the server delete the file by itself.
        """
        fields, files = _upload_form(file, filename, expires_after)
        return FileObject.from_dict(
            read_json(*self._client.request_bytes("POST", "/files", fields, files=files))
        )

    def list(self) -> list[FileObject]:
        """``GET /files``, every page: all files the key's team has uploaded."""
        get = self._client.request_json
        return [
            FileObject.from_dict(item)
            for page in pages(lambda path: get("GET", path), "/files", "data", PAGE_SIZE)
            for item in page
        ]

    def delete(self, file_id: str) -> bool:
        """``DELETE /files/{file_id}``; True once the file is gone (unknown ids raise NotFoundError)."""
        self._client._forget(file_id)
        return bool(self._client.request_json("DELETE", _file_path(file_id)).get("deleted"))


class AsyncFiles:
    """``async_client.files``: the async twin of :class:`Files`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def upload(
        self, file: FileSource, *, filename: str | None = None, expires_after: int | None = None
    ) -> FileObject:
        """Async twin of :meth:`Files.upload`."""
        fields, files = _upload_form(file, filename, expires_after)
        answer = await self._client.request_bytes("POST", "/files", fields, files=files)
        return FileObject.from_dict(read_json(*answer))

    async def list(self) -> list[FileObject]:
        """Async twin of :meth:`Files.list`."""
        get = self._client.request_json
        found: list[FileObject] = []
        async for page in apages(lambda path: get("GET", path), "/files", "data", PAGE_SIZE):
            found += map(FileObject.from_dict, page)
        return found

    async def delete(self, file_id: str) -> bool:
        """Async twin of :meth:`Files.delete`."""
        self._client._forget(file_id)
        return bool((await self._client.request_json("DELETE", _file_path(file_id))).get("deleted"))
