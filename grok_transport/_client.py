"""``GrokClient`` and ``AsyncGrokClient``: every HTTP call to a Grok-compatible API goes here.

One pooled ``httpx`` client per ``GrokClient``, created on first use (constructing a client does
no I/O), and one ``httpx.AsyncClient`` per event loop for ``AsyncGrokClient``: an async
connection is bound to the loop that opened it, so a client reused across several
``asyncio.run`` calls (a notebook, a sync web handler) gets a pool per loop, and each pool is
closed when its loop shuts down (see :func:`_close_with_loop`), so descriptors do not pile up.

Every request goes through one retry loop (:meth:`GrokClient._retrying`): the rate budget
(:mod:`grok_transport._budget`: admitted before each attempt, told the outcome after), the send,
the typed error for a failed answer (:mod:`grok_transport._errors`) — an HTTP error status, an
error object inside a 200, a body that is not JSON, an HTML page where an event stream was
expected — and the retry policy
(:mod:`grok_transport._retry`). So ``max_retries=N`` means at most N+1 requests, whatever mix of
failures arrives. Streams are retried only before their first byte reached the caller; requests
that change state are not replayed once they may have arrived (which ones do is decided in one
place, :func:`grok_transport._retry.replayable`).

The client holds configuration, sending, retries and streaming, and nothing per endpoint family:
each family is one module with a sync and an async resource, reached as a property
(``client.images``, ``.videos``, ``.files``, ``.batches``, ``.models``, ``.tokens``, ``.keys``,
``.explanations``, ``.media``, ``.deferred``, ``.responses``, ``.collections``, ``.documents``).
Adding a family is a module and a property pair here.

``timeout`` bounds a whole non-streamed request (connect, send, and reading the full body, even
from a server that trickles bytes). A stream may run for minutes, so there the timeout bounds
the wait for the first byte and every silence between two reads.

Users may hand in their own ``httpx.Client`` / ``httpx.AsyncClient`` (proxies, mTLS,
``httpx.MockTransport``); the key is then added per request, never stored on it.

A chat turn whose messages carry a file inline (bytes, not an id or a URL) is sent in two steps:
xAI attaches files only by id or URL (docs/wire.md, "Files"), so :meth:`GrokClient.complete` and
:meth:`GrokClient.stream` first upload each inline file through the Files API and refer to it by
its id. An agent resends the whole conversation every turn, so a client remembers what it
uploaded (by content and name) and uploads a document once, not once per turn; the uploads
expire on the server after :data:`INLINE_FILE_TTL` seconds, so they do not pile up in the account.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

import httpx
from pydantic import SecretStr

from grok_transport._answer import Answer
from grok_transport._batch import AsyncBatches, Batches
from grok_transport._budget import NO_SPEND, Budgets, Spend
from grok_transport._chat_reader import ChatStreamReader, read_chat_completion
from grok_transport._collections import AsyncCollections, Collections
from grok_transport._deferred import AsyncDeferred, Deferred
from grok_transport._documents import AsyncDocuments, Documents
from grok_transport._errors import (
    APITimeoutError,
    GrokError,
    InvalidParameterError,
    MissingAPIKeyError,
    NotFoundError,
    UnexpectedResponseError,
    error_from_payload,
    error_from_response,
    error_from_transport,
)
from grok_transport._explain import AsyncExplanations, Explanations
from grok_transport._files import AsyncFiles, FileObject, Files
from grok_transport._images import AsyncImages, Images
from grok_transport._keys import AsyncKeys, Keys
from grok_transport._listing import AsyncModels, Models
from grok_transport._mcp import wire_value
from grok_transport._media import AsyncMedia, Media
from grok_transport._plan import Call, InlineFile, inline_files, plan, with_file_ids
from grok_transport._pool import ShardedAsyncTransport
from grok_transport._providers import AuthStyle, Connection, resolve_connection
from grok_transport._resources import read_json
from grok_transport._responses import AsyncResponses, Responses
from grok_transport._responses_reader import ResponsesStreamReader, read_response
from grok_transport._retry import DEFAULT_MAX_RETRIES, RetryPolicy, replayable
from grok_transport._stream import AnswerStream, AsyncAnswerStream
from grok_transport._tokens import AsyncTokens, Tokens
from grok_transport._version import __version__
from grok_transport._videos import AsyncVideos, Videos

__all__ = ["GrokClient", "AsyncGrokClient", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RETRIES"]

log = logging.getLogger("grok_transport")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
"""Ten minutes: reasoning models can think for minutes before the first byte."""
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)

INLINE_FILE_TTL = 86_400
"""Seconds a file uploaded for a chat turn stays on the server (a day); it is reused until an
hour before that."""
_REMEMBERED_UPLOADS = 256

_CHAT_PATHS = frozenset({"/chat/completions", "/responses"})
"""Paths whose parsed URL a client keeps: parsing one costs more than building the rest of a request."""

_UNSET: Any = object()
_T = TypeVar("_T")


def _dumps(body: Any) -> bytes:
    try:
        return json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=wire_value).encode("utf-8")
    except (TypeError, ValueError) as exc:  # bytes, sets, NaN… in a body: say so before sending
        raise InvalidParameterError(f"the request body is not JSON: {exc}") from None


def _headers(response: httpx.Response) -> dict[str, str]:
    """Response headers as a plain dict (httpx already lower-cases their names)."""
    return dict(response.headers.items())


def _is_error_payload(payload: Any) -> bool:
    """An error object inside a 2xx answer (xAI: ``{"code", "error"}``), not a result that has one."""
    return (
        isinstance(payload, dict)
        and "error" in payload
        and not ("choices" in payload or "data" in payload or "object" in payload)
    )


class _BaseClient:
    """Configuration, request preparation and answer decoding shared by the sync and async clients."""

    def __init__(
        self,
        *,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        provider: str | None = None,
        auth_style: AuthStyle | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        rate_limit_rpm: int | None = _UNSET,
        rate_limit_tpm: int | None = None,
        rate_limit_store: str | None = None,
        require_key: bool = True,
        connection: Connection | None = None,
        management_api_key: str | SecretStr | None = None,
        management_base_url: str | None = None,
    ) -> None:
        """Configure a client; nothing is sent.

        ``management_api_key`` (default ``XAI_MANAGEMENT_API_KEY``) and ``management_base_url``
        are for ``client.collections`` only (see :mod:`grok_transport._collections`).
        """
        if connection is None:
            connection = resolve_connection(
                provider=provider,
                base_url=base_url,
                api_key=api_key,
                auth_style=auth_style,
                require_key=require_key,
            )
        self.connection = connection
        self.timeout = (
            DEFAULT_TIMEOUT
            if timeout is None
            else (timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout))
        )
        self.deadline = self.timeout.read
        """Seconds one non-streamed request may take from send to the last byte (``None``: no limit)."""
        self.retry = RetryPolicy(max_retries=max_retries)
        self._base = connection.base_url
        self._secret = connection.api_key.get_secret_value() or None
        self._auth = connection.auth_headers() if self._secret else {}
        self._headers = {
            "Accept": "application/json",
            "User-Agent": f"grok-integrations/{__version__}",
            **(default_headers or {}),
        }
        rpm = connection.provider.requests_per_minute if rate_limit_rpm is _UNSET else rate_limit_rpm
        self._budgets = Budgets(
            self._base,
            self._secret or "",
            rpm=rpm,
            tpm=rate_limit_tpm,
            window=connection.provider.requests_per_minute is not None,  # a documented plain window
            store=rate_limit_store,
        )
        self._urls: dict[str, httpx.URL] = {}
        """Parsed URLs of the chat paths (:data:`_CHAT_PATHS`), filled on first use."""
        self._uploads: dict[str, tuple[str, float]] = {}
        """Inline files uploaded for chat turns: ``InlineFile.key`` → (file id, reusable until)."""
        key = SecretStr(management_api_key) if isinstance(management_api_key, str) else management_api_key
        self._management_settings = (key, management_base_url)
        """Resolved (environment, checks) on first use of ``collections``, so a malformed
        ``XAI_MANAGEMENT_API_KEY`` troubles only code that manages collections."""
        self._management_client: Any = None
        """The client ``client.collections`` talks through, built on first use."""

    @property
    def provider(self) -> str:
        """The provider's name (``xai``, ``grokinc``, ``grokapi`` or ``custom``)."""
        return self.connection.provider.name

    @property
    def base_url(self) -> str:
        """The base URL every path is joined to (``…/v1``)."""
        return self._base

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self._base!r})"

    def plan(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, stream: bool = False, **params: Any
    ) -> Call:
        """The endpoint and body a chat turn would be sent (see :func:`grok_transport.plan`)."""
        return plan(messages, model=model, provider=self.connection.provider, stream=stream, **params)

    def _request(
        self,
        method: str,
        path: str,
        body: Any,
        auth: bool,
        headers: Mapping[str, str] | None = None,
        files: Any = None,
    ) -> httpx.Request:
        """A request for ``path`` under the base URL, or for an absolute URL (a media download).

        With ``files`` (httpx's form) it is ``multipart/form-data`` and ``body`` holds the plain
        fields, which httpx writes before the files (the order xAI's ``/files`` requires).
        """
        merged = {**self._headers, **(headers or {})}
        json_body = body is not None and files is None
        if json_body:
            merged["Content-Type"] = "application/json"
        if auth:
            if not self._auth:
                raise MissingAPIKeyError(f"{path} needs an API key; this client was created without one.")
            merged.update(self._auth)
        url = self._urls.get(path)
        if url is None:
            url = httpx.URL(path if path.startswith(("http://", "https://")) else self._base + path)
            if path in _CHAT_PATHS:
                self._urls[path] = url
        return httpx.Request(
            method,
            url,
            content=_dumps(body) if json_body else None,
            data=None if json_body else body,
            files=files,
            headers=merged,
            extensions={"timeout": self.timeout.as_dict()},
        )

    def _json(self, response: httpx.Response, content: bytes) -> Any:
        """Decode a 2xx body; an error object inside it becomes the typed error it describes."""
        payload = read_json(response.status_code, content, response.headers.get("x-request-id"))
        if _is_error_payload(payload):
            raise error_from_payload(
                response.status_code, payload, headers=_headers(response), secret=self._secret
            )
        return payload

    def _not_a_stream(self, response: httpx.Response, content: bytes) -> GrokError:
        """The error for a 2xx answer to a streamed request that is not an event stream.

        xAI answers a stream that failed before its first token with a JSON error object inside
        a 200 (retryable, with the server's message); a captive portal or a wrong base URL
        answers with an HTML page.
        """
        kind = response.headers.get("content-type", "")
        if "json" in kind:
            payload = self._json(response, content)  # raises the typed error an error object is
            return UnexpectedResponseError(
                f"expected an event stream, got a JSON answer: {str(payload)[:200]!r}",
                status_code=response.status_code,
            )
        return UnexpectedResponseError(
            f"expected an event stream, got {kind.split(';')[0]} from {response.request.url} "
            "(a wrong base URL, or a proxy in the way?)",
            status_code=response.status_code,
        )

    def _error(self, response: httpx.Response, content: bytes) -> GrokError:
        status, headers = response.status_code, _headers(response)
        return error_from_response(status, content, headers, secret=self._secret, base_url=self._base)

    def _answer(self, call: Call, payload: Any, headers: dict[str, str]) -> Answer:
        read = read_response if call.endpoint == "/responses" else read_chat_completion
        return read(payload, headers)

    def _stream_reader(self, call: Call, headers: dict[str, str]) -> ChatStreamReader | ResponsesStreamReader:
        if call.endpoint == "/responses":
            return ResponsesStreamReader(headers, self._secret)
        return ChatStreamReader(headers, self._secret)

    def _known_uploads(self, call: Call) -> tuple[dict[str, str], list[tuple[str, InlineFile]]]:
        """The ids of the call's inline files uploaded before (still usable), and the others."""
        ids: dict[str, str] = {}
        missing: list[tuple[str, InlineFile]] = []
        now = time.monotonic()
        for data, file in inline_files(call).items():
            known = self._uploads.get(file.key)
            if known is not None and known[1] > now:
                ids[data] = known[0]
            else:
                missing.append((data, file))
        return ids, missing

    # The uploads are read and written from any thread: every walk is over a copy (``list`` of a
    # dict is one step under the GIL), so a concurrent upload cannot break it.

    def _remember(self, file: InlineFile, uploaded: FileObject) -> str:
        for oldest in list(self._uploads)[: max(0, len(self._uploads) - _REMEMBERED_UPLOADS + 1)]:
            self._uploads.pop(oldest, None)
        self._uploads[file.key] = (uploaded.id, time.monotonic() + INLINE_FILE_TTL - 3600)
        return uploaded.id

    def _forget(self, file_id: str) -> None:
        """A deleted file is not referred to again."""
        for key, (known, _) in list(self._uploads.items()):
            if known == file_id:
                self._uploads.pop(key, None)

    def _forget_uploads(self, call: Call) -> None:
        """The call's inline files are uploaded again next time (an earlier upload is gone)."""
        for file in inline_files(call).values():
            self._uploads.pop(file.key, None)

    def _timed_out(self, url: httpx.URL) -> APITimeoutError:
        return APITimeoutError(f"no whole answer from {url} within {self.deadline:g} s")


def _replay(method: str, path: str, idempotent: bool | None) -> bool:
    return replayable(method, path) if idempotent is None else idempotent


def _lost_upload(error: NotFoundError, reused: bool) -> bool:
    """Whether a 404 may mean a reused upload is gone (deleted elsewhere, or expired)."""
    return reused and "file" in error.message.lower()


def _is_event_stream(response: httpx.Response) -> bool:
    kind = response.headers.get("content-type", "")
    return not kind or "event-stream" in kind


class GrokClient(_BaseClient):
    """Synchronous client. Thread-safe; share one per configuration.

    ``http_client`` lets you bring your own ``httpx.Client`` (it is not closed by :meth:`close`).
    """

    def __init__(self, *, http_client: httpx.Client | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._user_client = http_client
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def _http(self) -> httpx.Client:
        if self._user_client is not None:
            return self._user_client
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = httpx.Client(timeout=self.timeout, limits=DEFAULT_LIMITS)
                    # A client dropped without close() still closes its sockets, warning-free.
                    weakref.finalize(self, self._client.close)
        return self._client

    def close(self) -> None:
        """Close the pooled connections this client opened (its collections client's too)."""
        if self._management_client is not None:
            self._management_client.close()
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> GrokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- endpoint families: one module each, reached from here -----------------------------------
    # A resource holds its client; the client does not keep its resources (making one is a single
    # small object), so a dropped client is freed at once rather than left in a cycle for the GC.

    @property
    def images(self) -> Images:
        """Image generation and edits (``/images/generations``, ``/images/edits``)."""
        return Images(self)

    @property
    def videos(self) -> Videos:
        """Video jobs (``/videos/generations``): start, look, wait."""
        return Videos(self)

    @property
    def files(self) -> Files:
        """The Files API (``/files``): upload, list, delete."""
        return Files(self)

    @property
    def batches(self) -> Batches:
        """The Batch API (``/batches``): bulk jobs that outlive the process; see ``GrokBatchJob``."""
        return Batches(self)

    @property
    def models(self) -> Models:
        """Model listing (``/models``, ``/language-models``)."""
        return Models(self)

    @property
    def tokens(self) -> Tokens:
        """The server's tokenizer (``/tokenize-text``)."""
        return Tokens(self)

    @property
    def keys(self) -> Keys:
        """Grok Inc's key management (``/keys/...``)."""
        return Keys(self)

    @property
    def explanations(self) -> Explanations:
        """Grok Inc's ``/chat/explain``."""
        return Explanations(self)

    @property
    def media(self) -> Media:
        """The bytes behind generated images' and videos' temporary URLs."""
        return Media(self)

    @property
    def deferred(self) -> Deferred:
        """Deferred chat completions: start now, fetch once later; see ``GrokDeferredJob``."""
        return Deferred(self)

    @property
    def responses(self) -> Responses:
        """Stored Responses-API answers (``GET`` / ``DELETE /responses/{id}``)."""
        return Responses(self)

    @property
    def collections(self) -> Collections:
        """Collections (xAI) on the management host, with the management key."""
        return Collections(self)

    @property
    def documents(self) -> Documents:
        """Document search over collections (``documents.search``), with the inference key."""
        return Documents(self)

    # -- the one retry loop -------------------------------------------------------------------

    def _retrying(self, path: str, attempt: Callable[[], _T], *, replay: bool, spend: Spend = NO_SPEND) -> _T:
        tries = 0
        while True:
            spend.admit(self.deadline)  # RATE LIMIT: the one place a request waits for the budget
            try:
                return attempt()
            except GrokError as error:
                tries += 1
                delay = self.retry.delay(error, tries, idempotent=replay)
                spend.failed(error, delay)
                if delay is None:
                    raise
                log.info("retrying %s in %.2fs after %r", path, delay, error)
                time.sleep(delay)

    def _open(self, request: httpx.Request) -> httpx.Response:
        """Send once; an HTTP error status becomes its typed error; a 2xx body is left unread."""
        try:
            response = self._http().send(request, stream=True)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, str(request.url), secret=self._secret) from None
        if response.status_code >= 400:
            raise self._error(response, self._read(response, None))
        return response

    def _read(self, response: httpx.Response, deadline: float | None) -> bytes:
        """The whole body, by ``deadline`` (a ``time.monotonic()`` value) if one is given."""
        chunks: list[bytes] = []
        try:
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    raise self._timed_out(response.request.url)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, str(response.request.url), secret=self._secret) from None
        finally:
            response.close()
        return b"".join(chunks)

    def _exchange(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, dict[str, str]]:
        request = self._request(method, path, body, auth, headers)
        spend = self._budgets.spend(path, body)

        def attempt() -> tuple[Any, dict[str, str]]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = self._open(request)
            payload, answered = self._json(response, self._read(response, deadline)), _headers(response)
            spend.done(answered, payload)
            return payload, answered

        return self._retrying(path, attempt, replay=_replay(method, path, idempotent), spend=spend)

    def request_json(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, idempotent: bool | None = None
    ) -> Any:
        """Send and decode a JSON answer, with typed errors and retries.

        Whether the request may be replayed after it may have reached the server is
        :func:`grok_transport._retry.replayable`'s answer for ``method`` and ``path``;
        ``idempotent`` overrides it for a request the rule cannot know.
        """
        return self._exchange(method, path, body, auth=auth, idempotent=idempotent)[0]

    def request_bytes(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        idempotent: bool | None = None,
        files: Any = None,
    ) -> tuple[int, bytes]:
        """Send and return a 2xx answer's status and body as they came, with typed errors and retries.

        For what is not a JSON result: media bytes (``path`` an absolute URL), job polls whose
        200 body reports the job's own failure, multipart uploads (``files``).
        """
        request = self._request(method, path, body, auth, files=files)
        spend = self._budgets.spend(path, body)

        def attempt() -> tuple[int, bytes]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = self._open(request)
            content = self._read(response, deadline)
            spend.done(_headers(response))
            return response.status_code, content

        return self._retrying(path, attempt, replay=_replay(method, path, idempotent), spend=spend)

    # -- chat -------------------------------------------------------------------------------

    def _attach_files(self, call: Call) -> tuple[Call, bool]:
        """``call`` with its inline files referred to by id, and whether it reuses an earlier upload.

        Each file is uploaded once per client and content (see the module docstring).
        """
        ids, missing = self._known_uploads(call)
        reused = bool(ids)
        for data, file in missing:
            uploaded = self.files.upload(file.data, filename=file.filename, expires_after=INLINE_FILE_TTL)
            ids[data] = self._remember(file, uploaded)
        return (with_file_ids(call, ids) if ids else call), reused

    def _send(self, call: Call, send: Callable[[Call], _T]) -> _T:
        """``send(call)`` with its files attached; again with fresh uploads if a reused one is gone."""
        attached, reused = self._attach_files(call)
        try:
            return send(attached)
        except NotFoundError as error:
            if not _lost_upload(error, reused):
                raise
            self._forget_uploads(call)
            return send(self._attach_files(call)[0])

    def complete(self, call: Call) -> Answer:
        """Send a planned call and read the whole answer (inline files are uploaded first)."""
        return self._send(call, self._complete)

    def _complete(self, call: Call) -> Answer:
        payload, headers = self._exchange("POST", call.endpoint, call.body, headers=call.headers)
        return self._answer(call, payload, headers)

    def stream(self, call: Call) -> AnswerStream:
        """Send a planned streamed call; iterate the result for deltas."""
        return self._send(call, self._stream)

    def _stream(self, call: Call) -> AnswerStream:
        request = self._request("POST", call.endpoint, call.body, True, call.headers)
        spend = self._budgets.spend(call.endpoint, call.body)

        def attempt() -> AnswerStream:
            response = self._open(request)
            if not _is_event_stream(response):
                raise self._not_a_stream(response, self._read(response, None))
            headers = _headers(response)
            reader = self._stream_reader(call, headers)
            stream = AnswerStream(response, reader, owner=self, on_end=spend.ended(headers))
            stream._prime()
            return stream

        return self._retrying(
            call.endpoint, attempt, replay=_replay("POST", call.endpoint, None), spend=spend
        )

    def chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> Answer:
        """One chat turn, whole. ``params`` as :func:`grok_transport.plan` takes them."""
        return self.complete(self.plan(messages, model=model, **params))

    def stream_chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AnswerStream:
        """One chat turn, streamed; iterate for deltas, read ``.answer`` for the whole."""
        return self.stream(self.plan(messages, model=model, stream=True, **params))


async def _close_with_loop(
    pools: weakref.WeakKeyDictionary[Any, Any], client: httpx.AsyncClient
) -> AsyncIterator[None]:
    """Closes ``client`` when its event loop shuts down.

    Started once on the loop, this generator is tracked by it; ``asyncio.run`` (and every runner
    that calls ``loop.shutdown_asyncgens()``) closes it before closing the loop, which runs the
    ``finally`` while the loop still runs, so the pool's sockets are closed properly instead of
    being left to the garbage collector.
    """
    try:
        yield
    finally:
        pools.pop(asyncio.get_running_loop(), None)
        await client.aclose()


class AsyncGrokClient(_BaseClient):
    """Asynchronous client: one pooled ``httpx.AsyncClient`` per running event loop.

    ``http_client`` lets you bring your own ``httpx.AsyncClient``; you then own its loop
    affinity and its closing.
    """

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._user_client = http_client
        self._pools: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncIterator[None]]
        ] = weakref.WeakKeyDictionary()

    async def _http(self) -> httpx.AsyncClient:
        if self._user_client is not None:
            return self._user_client
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is not None:
            return pool[0]
        if urllib.request.getproxies():  # httpx honours proxy variables only with its own transport
            client = httpx.AsyncClient(timeout=self.timeout, limits=DEFAULT_LIMITS)
        else:  # see grok_transport._pool for why not httpx's own pool
            client = httpx.AsyncClient(timeout=self.timeout, transport=ShardedAsyncTransport(100))
        closer = _close_with_loop(self._pools, client)
        await closer.__anext__()  # reaches its ``yield`` at once: no other task runs in between
        self._pools[loop] = (client, closer)  # the loop tracks the generator only weakly
        return client

    async def aclose(self) -> None:
        """Close the connections opened on the running loop (its collections client's too)."""
        if self._management_client is not None:
            await self._management_client.aclose()
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool[1].aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> AsyncGrokClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- endpoint families: one module each, reached from here -----------------------------------

    @property
    def images(self) -> AsyncImages:
        """Image generation and edits (``/images/generations``, ``/images/edits``)."""
        return AsyncImages(self)

    @property
    def videos(self) -> AsyncVideos:
        """Video jobs (``/videos/generations``): start, look, wait."""
        return AsyncVideos(self)

    @property
    def files(self) -> AsyncFiles:
        """The Files API (``/files``): upload, list, delete."""
        return AsyncFiles(self)

    @property
    def batches(self) -> AsyncBatches:
        """The Batch API (``/batches``): bulk jobs that outlive the process; see ``GrokBatchJob``."""
        return AsyncBatches(self)

    @property
    def models(self) -> AsyncModels:
        """Model listing (``/models``, ``/language-models``)."""
        return AsyncModels(self)

    @property
    def tokens(self) -> AsyncTokens:
        """The server's tokenizer (``/tokenize-text``)."""
        return AsyncTokens(self)

    @property
    def keys(self) -> AsyncKeys:
        """Grok Inc's key management (``/keys/...``)."""
        return AsyncKeys(self)

    @property
    def explanations(self) -> AsyncExplanations:
        """Grok Inc's ``/chat/explain``."""
        return AsyncExplanations(self)

    @property
    def media(self) -> AsyncMedia:
        """The bytes behind generated images' and videos' temporary URLs."""
        return AsyncMedia(self)

    @property
    def deferred(self) -> AsyncDeferred:
        """Async twin of :attr:`GrokClient.deferred`."""
        return AsyncDeferred(self)

    @property
    def responses(self) -> AsyncResponses:
        """Async twin of :attr:`GrokClient.responses`."""
        return AsyncResponses(self)

    @property
    def collections(self) -> AsyncCollections:
        """Async twin of :attr:`GrokClient.collections`."""
        return AsyncCollections(self)

    @property
    def documents(self) -> AsyncDocuments:
        """Async twin of :attr:`GrokClient.documents`."""
        return AsyncDocuments(self)

    # -- the one retry loop -------------------------------------------------------------------

    async def _retrying(
        self, path: str, attempt: Callable[[], Awaitable[_T]], *, replay: bool, spend: Spend = NO_SPEND
    ) -> _T:
        tries = 0
        while True:
            await spend.aadmit(self.deadline)  # RATE LIMIT: the one place a request waits for the budget
            try:
                return await attempt()
            except GrokError as error:
                tries += 1
                delay = self.retry.delay(error, tries, idempotent=replay)
                await spend.afailed(error, delay)
                if delay is None:
                    raise
                log.info("retrying %s in %.2fs after %r", path, delay, error)
                await asyncio.sleep(delay)

    async def _open(self, request: httpx.Request) -> httpx.Response:
        """Send once; an HTTP error status becomes its typed error; a 2xx body is left unread."""
        try:
            response = await (await self._http()).send(request, stream=True)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, str(request.url), secret=self._secret) from None
        if response.status_code >= 400:
            raise self._error(response, await self._read(response, None))
        return response

    async def _read(self, response: httpx.Response, deadline: float | None) -> bytes:
        """The whole body, by ``deadline`` (a ``time.monotonic()`` value) if one is given."""
        chunks: list[bytes] = []
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                if deadline is not None and time.monotonic() > deadline:
                    raise self._timed_out(response.request.url)
        except httpx.HTTPError as exc:
            raise error_from_transport(exc, str(response.request.url), secret=self._secret) from None
        finally:
            await response.aclose()
        return b"".join(chunks)

    async def _exchange(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, dict[str, str]]:
        request = self._request(method, path, body, auth, headers)
        spend = self._budgets.spend(path, body)

        async def attempt() -> tuple[Any, dict[str, str]]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = await self._open(request)
            payload, answered = self._json(response, await self._read(response, deadline)), _headers(response)
            await spend.adone(answered, payload)
            return payload, answered

        return await self._retrying(path, attempt, replay=_replay(method, path, idempotent), spend=spend)

    async def request_json(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, idempotent: bool | None = None
    ) -> Any:
        """Async twin of :meth:`GrokClient.request_json`."""
        return (await self._exchange(method, path, body, auth=auth, idempotent=idempotent))[0]

    async def request_bytes(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        idempotent: bool | None = None,
        files: Any = None,
    ) -> tuple[int, bytes]:
        """Async twin of :meth:`GrokClient.request_bytes`."""
        request = self._request(method, path, body, auth, files=files)
        spend = self._budgets.spend(path, body)

        async def attempt() -> tuple[int, bytes]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = await self._open(request)
            content = await self._read(response, deadline)
            await spend.adone(_headers(response))
            return response.status_code, content

        return await self._retrying(path, attempt, replay=_replay(method, path, idempotent), spend=spend)

    # -- chat -------------------------------------------------------------------------------

    async def _attach_files(self, call: Call) -> tuple[Call, bool]:
        """Async twin of :meth:`GrokClient._attach_files`."""
        ids, missing = self._known_uploads(call)
        reused = bool(ids)
        for data, file in missing:
            upload = self.files.upload(file.data, filename=file.filename, expires_after=INLINE_FILE_TTL)
            ids[data] = self._remember(file, await upload)
        return (with_file_ids(call, ids) if ids else call), reused

    async def _send(self, call: Call, send: Callable[[Call], Awaitable[_T]]) -> _T:
        """Async twin of :meth:`GrokClient._send`."""
        attached, reused = await self._attach_files(call)
        try:
            return await send(attached)
        except NotFoundError as error:
            if not _lost_upload(error, reused):
                raise
            self._forget_uploads(call)
            return await send((await self._attach_files(call))[0])

    async def complete(self, call: Call) -> Answer:
        """Async twin of :meth:`GrokClient.complete`."""
        return await self._send(call, self._complete)

    async def _complete(self, call: Call) -> Answer:
        payload, headers = await self._exchange("POST", call.endpoint, call.body, headers=call.headers)
        return self._answer(call, payload, headers)

    async def stream(self, call: Call) -> AsyncAnswerStream:
        """Async twin of :meth:`GrokClient.stream`."""
        return await self._send(call, self._stream)

    async def _stream(self, call: Call) -> AsyncAnswerStream:
        request = self._request("POST", call.endpoint, call.body, True, call.headers)
        spend = self._budgets.spend(call.endpoint, call.body)

        async def attempt() -> AsyncAnswerStream:
            response = await self._open(request)
            if not _is_event_stream(response):
                raise self._not_a_stream(response, await self._read(response, None))
            headers = _headers(response)
            reader = self._stream_reader(call, headers)
            stream = AsyncAnswerStream(response, reader, owner=self, on_end=spend.aended(headers))
            await stream._prime()
            return stream

        return await self._retrying(
            call.endpoint, attempt, replay=_replay("POST", call.endpoint, None), spend=spend
        )

    async def chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> Answer:
        """Async twin of :meth:`GrokClient.chat`."""
        return await self.complete(self.plan(messages, model=model, **params))

    async def stream_chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AsyncAnswerStream:
        """Async twin of :meth:`GrokClient.stream_chat`."""
        return await self.stream(self.plan(messages, model=model, stream=True, **params))
