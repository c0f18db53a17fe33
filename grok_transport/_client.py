"""``GrokClient`` and ``AsyncGrokClient``: every HTTP call to a Grok-compatible API goes here.

One pooled ``httpx`` client per ``GrokClient``, created on first use (constructing a client does
no I/O), and one ``httpx.AsyncClient`` per event loop for ``AsyncGrokClient``: an async
connection is bound to the loop that opened it, so a client reused across several
``asyncio.run`` calls (a notebook, a sync web handler) gets a pool per loop, and each pool is
closed when its loop shuts down (see :func:`_close_with_loop`), so descriptors do not pile up.

Every request goes through one retry loop (:meth:`GrokClient._retrying`): the client-side rate
limit if the provider documents one, the send, the typed error for a failed answer
(:mod:`grok_transport._errors`) — an HTTP error status, an error object inside a 200, a body that
is not JSON, an HTML page where an event stream was expected — and the retry policy
(:mod:`grok_transport._retry`). So ``max_retries=N`` means at most N+1 requests, whatever mix of
failures arrives. Streams are retried only before their first byte reached the caller; requests
that change state (key generation and deletion) are not replayed once they may have arrived.

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
from typing import Any, Literal, TypeVar

import httpx
from pydantic import SecretStr

from grok_transport import _downloads, _files, _images, _videos
from grok_transport._answer import Answer
from grok_transport._batch import AsyncBatches, Batches
from grok_transport._chat_reader import ChatStreamReader, read_chat_completion
from grok_transport._errors import (
    APITimeoutError,
    GrokError,
    InvalidParameterError,
    MissingAPIKeyError,
    NotFoundError,
    ServerError,
    UnexpectedResponseError,
    error_from_payload,
    error_from_response,
    error_from_transport,
)
from grok_transport._files import FileObject
from grok_transport._images import DEFAULT_IMAGE_MODEL, ImageResult, build_image_body
from grok_transport._keys import GeneratedKey, KeyInfo, parse_generated_key, parse_key_list
from grok_transport._listing import ModelCard, parse_model_list
from grok_transport._plan import Call, InlineFile, inline_files, plan, with_file_ids
from grok_transport._pool import ShardedAsyncTransport
from grok_transport._providers import AuthStyle, Connection, resolve_connection
from grok_transport._ratelimit import SlidingWindowLimiter, shared_limiter
from grok_transport._responses_reader import ResponsesStreamReader, read_response
from grok_transport._retry import RetryPolicy
from grok_transport._stream import AnswerStream, AsyncAnswerStream
from grok_transport._tokens import Token, parse_tokens
from grok_transport._version import __version__
from grok_transport._videos import VideoResult, VideoStatus

__all__ = ["GrokClient", "AsyncGrokClient", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RETRIES"]

log = logging.getLogger("grok_transport")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
"""Ten minutes: reasoning models can think for minutes before the first byte."""
DEFAULT_MAX_RETRIES = 2
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
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
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
        require_key: bool = True,
        connection: Connection | None = None,
    ) -> None:
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
        self._limiter: SlidingWindowLimiter | None = (
            shared_limiter(self._base, self._secret or "", rpm) if rpm else None
        )
        self._urls: dict[str, httpx.URL] = {}
        """Parsed URLs of the chat paths (:data:`_CHAT_PATHS`), filled on first use."""
        self._uploads: dict[str, tuple[str, float]] = {}
        """Inline files uploaded for chat turns: ``InlineFile.key`` → (file id, reusable until)."""

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
        try:
            payload = json.loads(content)
        except ValueError:  # UnicodeDecodeError included: a body cut inside a character
            raise ServerError(
                f"malformed JSON in a {response.status_code} answer: "
                f"{content[:200].decode('utf-8', 'replace')!r}",
                status_code=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from None
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
        """Close the pooled connections this client opened."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> GrokClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def batches(self) -> Batches:
        """The Batch API (``/batches``): bulk jobs that outlive the process; see ``GrokBatchJob``."""
        return Batches(self)

    # -- the one retry loop -------------------------------------------------------------------

    def _retrying(self, path: str, attempt: Callable[[], _T], *, idempotent: bool = True) -> _T:
        tries = 0
        while True:
            if self._limiter is not None:
                self._limiter.acquire(timeout=self.deadline)
            try:
                return attempt()
            except GrokError as error:
                tries += 1
                delay = self.retry.delay(error, tries, idempotent=idempotent)
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
        idempotent: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, dict[str, str]]:
        request = self._request(method, path, body, auth, headers)

        def attempt() -> tuple[Any, dict[str, str]]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = self._open(request)
            return self._json(response, self._read(response, deadline)), _headers(response)

        return self._retrying(path, attempt, idempotent=idempotent)

    def request_json(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, idempotent: bool = True
    ) -> Any:
        """Send and decode a JSON answer, with typed errors and retries.

        ``idempotent=False`` for requests that change state: they are not sent again once they
        may have reached the server.
        """
        return self._exchange(method, path, body, auth=auth, idempotent=idempotent)[0]

    def request_bytes(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        auth: bool = True,
        idempotent: bool = True,
        files: Any = None,
    ) -> tuple[int, bytes]:
        """Send and return a 2xx answer's status and body as they came, with typed errors and retries.

        For what is not a JSON result: media bytes (``path`` an absolute URL), job polls whose
        200 body reports the job's own failure, multipart uploads (``files``).
        """
        request = self._request(method, path, body, auth, files=files)

        def attempt() -> tuple[int, bytes]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = self._open(request)
            return response.status_code, self._read(response, deadline)

        return self._retrying(path, attempt, idempotent=idempotent)

    # -- chat -------------------------------------------------------------------------------

    def _attach_files(self, call: Call) -> tuple[Call, bool]:
        """``call`` with its inline files referred to by id, and whether it reuses an earlier upload.

        Each file is uploaded once per client and content (see the module docstring).
        """
        ids, missing = self._known_uploads(call)
        reused = bool(ids)
        for data, file in missing:
            uploaded = self.upload_file(file.data, filename=file.filename, expires_after=INLINE_FILE_TTL)
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

        def attempt() -> AnswerStream:
            response = self._open(request)
            if not _is_event_stream(response):
                raise self._not_a_stream(response, self._read(response, None))
            stream = AnswerStream(response, self._stream_reader(call, _headers(response)))
            stream._prime()
            return stream

        return self._retrying(call.endpoint, attempt)

    def chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> Answer:
        """One chat turn, whole. ``params`` as :func:`grok_transport.plan` takes them."""
        return self.complete(self.plan(messages, model=model, **params))

    def stream_chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AnswerStream:
        """One chat turn, streamed; iterate for deltas, read ``.answer`` for the whole."""
        return self.stream(self.plan(messages, model=model, stream=True, **params))

    # -- everything else --------------------------------------------------------------------

    def list_models(self) -> list[ModelCard]:
        """``GET /models``."""
        return parse_model_list(self.request_json("GET", "/models"), self.provider)

    def list_language_models(self) -> list[ModelCard]:
        """``GET /language-models`` (xAI): modalities and prices too."""
        return parse_model_list(self.request_json("GET", "/language-models"), self.provider)

    def generate_image(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        n: int | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        **extra: Any,
    ) -> ImageResult:
        """``POST /images/generations``; see :mod:`grok_transport._images`."""
        body = build_image_body(prompt, model=model, n=n, response_format=response_format, **extra)
        return ImageResult.from_dict(self.request_json("POST", "/images/generations", body), model)

    def tokenize(self, text: str, *, model: str) -> list[Token]:
        """``POST /tokenize-text``: the model's own tokens for ``text``."""
        body = {"text": text, "model": model}
        return parse_tokens(self.request_json("POST", "/tokenize-text", body))

    def count_tokens(self, text: str, *, model: str) -> int:
        """How many tokens ``text`` is for ``model``, asked of the server."""
        return len(self.tokenize(text, model=model))

    def explain(self, conversation: Sequence[Mapping[str, Any]], last_response: str) -> str:
        """Grok Inc's ``POST /chat/explain``: why the model answered as it did."""
        body = {"conversation": list(conversation), "last_response": last_response}
        data = self.request_json("POST", "/chat/explain", body)
        return data.get("explanation") or data.get("content") or json.dumps(data)

    def generate_key(self, user_identifier: str) -> GeneratedKey:
        """Grok Inc's public ``POST /keys/generate`` (works on a client created without a key)."""
        body = {"user_identifier": user_identifier}
        return parse_generated_key(
            self.request_json("POST", "/keys/generate", body, auth=False, idempotent=False)
        )

    def list_keys(self) -> list[KeyInfo]:
        """Grok Inc's ``GET /keys/list``."""
        return parse_key_list(self.request_json("GET", "/keys/list"))

    def delete_key(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """Grok Inc's ``POST /keys/delete``."""
        if isinstance(key_to_delete, SecretStr):
            key_to_delete = key_to_delete.get_secret_value()
        body = {"key_to_delete": key_to_delete}
        result: dict[str, Any] = self.request_json("POST", "/keys/delete", body, idempotent=False)
        return result

    # -- Grok Imagine and files: grok_transport._images, .videos, .files, .downloads ---------------

    def edit_image(self, prompt: str, images: Any, **options: Any) -> ImageResult:
        """``POST /images/edits``; see :func:`grok_transport._images.edit_image`."""
        return _images.edit_image(self, prompt, images, **options)

    def generate_video(self, prompt: str, **options: Any) -> VideoResult:
        """Start a video and wait for it; see :func:`grok_transport._videos.generate_video`."""
        return _videos.generate_video(self, prompt, **options)

    def start_video(self, prompt: str, **options: Any) -> str:
        """Start a video job; returns its request id (poll it with :meth:`get_video`)."""
        return _videos.start_video(self, prompt, **options)

    def get_video(self, request_id: str) -> VideoStatus:
        """One look at a video job."""
        return _videos.get_video(self, request_id)

    def wait_for_video(self, request_id: str, **options: Any) -> VideoResult:
        """Poll a started video job until it ends."""
        return _videos.wait_for_video(self, request_id, **options)

    def upload_file(self, file: Any, **options: Any) -> FileObject:
        """``POST /files``; see :func:`grok_transport._files.upload_file`."""
        return _files.upload_file(self, file, **options)

    def list_files(self) -> list[FileObject]:
        """``GET /files``, every page."""
        return _files.list_files(self)

    def delete_file(self, file_id: str) -> bool:
        """``DELETE /files/{file_id}``."""
        self._forget(file_id)
        return _files.delete_file(self, file_id)

    def download(self, url: str) -> bytes:
        """The bytes behind a generated image's or video's URL (they expire within hours)."""
        return _downloads.download(self, url)


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
        """Close the connections opened on the running loop."""
        pool = self._pools.pop(asyncio.get_running_loop(), None)
        if pool is not None:
            await pool[1].aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> AsyncGrokClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def batches(self) -> AsyncBatches:
        """Async twin of :attr:`GrokClient.batches`."""
        return AsyncBatches(self)

    # -- the one retry loop -------------------------------------------------------------------

    async def _retrying(
        self, path: str, attempt: Callable[[], Awaitable[_T]], *, idempotent: bool = True
    ) -> _T:
        tries = 0
        while True:
            if self._limiter is not None:
                await self._limiter.aacquire(timeout=self.deadline)
            try:
                return await attempt()
            except GrokError as error:
                tries += 1
                delay = self.retry.delay(error, tries, idempotent=idempotent)
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
        idempotent: bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Any, dict[str, str]]:
        request = self._request(method, path, body, auth, headers)

        async def attempt() -> tuple[Any, dict[str, str]]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = await self._open(request)
            return self._json(response, await self._read(response, deadline)), _headers(response)

        return await self._retrying(path, attempt, idempotent=idempotent)

    async def request_json(
        self, method: str, path: str, body: Any = None, *, auth: bool = True, idempotent: bool = True
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
        idempotent: bool = True,
        files: Any = None,
    ) -> tuple[int, bytes]:
        """Async twin of :meth:`GrokClient.request_bytes`."""
        request = self._request(method, path, body, auth, files=files)

        async def attempt() -> tuple[int, bytes]:
            deadline = time.monotonic() + self.deadline if self.deadline else None
            response = await self._open(request)
            return response.status_code, await self._read(response, deadline)

        return await self._retrying(path, attempt, idempotent=idempotent)

    # -- chat -------------------------------------------------------------------------------

    async def _attach_files(self, call: Call) -> tuple[Call, bool]:
        """Async twin of :meth:`GrokClient._attach_files`."""
        ids, missing = self._known_uploads(call)
        reused = bool(ids)
        for data, file in missing:
            upload = self.upload_file(file.data, filename=file.filename, expires_after=INLINE_FILE_TTL)
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

        async def attempt() -> AsyncAnswerStream:
            response = await self._open(request)
            if not _is_event_stream(response):
                raise self._not_a_stream(response, await self._read(response, None))
            stream = AsyncAnswerStream(response, self._stream_reader(call, _headers(response)))
            await stream._prime()
            return stream

        return await self._retrying(call.endpoint, attempt)

    async def chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> Answer:
        """Async twin of :meth:`GrokClient.chat`."""
        return await self.complete(self.plan(messages, model=model, **params))

    async def stream_chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AsyncAnswerStream:
        """Async twin of :meth:`GrokClient.stream_chat`."""
        return await self.stream(self.plan(messages, model=model, stream=True, **params))

    # -- everything else --------------------------------------------------------------------

    async def list_models(self) -> list[ModelCard]:
        """``GET /models``."""
        return parse_model_list(await self.request_json("GET", "/models"), self.provider)

    async def list_language_models(self) -> list[ModelCard]:
        """``GET /language-models``."""
        return parse_model_list(await self.request_json("GET", "/language-models"), self.provider)

    async def generate_image(
        self,
        prompt: str,
        *,
        model: str = DEFAULT_IMAGE_MODEL,
        n: int | None = None,
        response_format: Literal["url", "b64_json"] | None = None,
        **extra: Any,
    ) -> ImageResult:
        """``POST /images/generations``."""
        body = build_image_body(prompt, model=model, n=n, response_format=response_format, **extra)
        data = await self.request_json("POST", "/images/generations", body)
        return ImageResult.from_dict(data, model)

    async def tokenize(self, text: str, *, model: str) -> list[Token]:
        """``POST /tokenize-text``."""
        body = {"text": text, "model": model}
        return parse_tokens(await self.request_json("POST", "/tokenize-text", body))

    async def count_tokens(self, text: str, *, model: str) -> int:
        """How many tokens ``text`` is for ``model``, asked of the server."""
        return len(await self.tokenize(text, model=model))

    async def explain(self, conversation: Sequence[Mapping[str, Any]], last_response: str) -> str:
        """Grok Inc's ``POST /chat/explain``."""
        body = {"conversation": list(conversation), "last_response": last_response}
        data = await self.request_json("POST", "/chat/explain", body)
        return data.get("explanation") or data.get("content") or json.dumps(data)

    async def generate_key(self, user_identifier: str) -> GeneratedKey:
        """Grok Inc's public ``POST /keys/generate``."""
        body = {"user_identifier": user_identifier}
        data = await self.request_json("POST", "/keys/generate", body, auth=False, idempotent=False)
        return parse_generated_key(data)

    async def list_keys(self) -> list[KeyInfo]:
        """Grok Inc's ``GET /keys/list``."""
        return parse_key_list(await self.request_json("GET", "/keys/list"))

    async def delete_key(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """Grok Inc's ``POST /keys/delete``."""
        if isinstance(key_to_delete, SecretStr):
            key_to_delete = key_to_delete.get_secret_value()
        body = {"key_to_delete": key_to_delete}
        result: dict[str, Any] = await self.request_json("POST", "/keys/delete", body, idempotent=False)
        return result

    # -- Grok Imagine and files -------------------------------------------------------------------

    async def edit_image(self, prompt: str, images: Any, **options: Any) -> ImageResult:
        """Async twin of :meth:`GrokClient.edit_image`."""
        return await _images.aedit_image(self, prompt, images, **options)

    async def generate_video(self, prompt: str, **options: Any) -> VideoResult:
        """Async twin of :meth:`GrokClient.generate_video`."""
        return await _videos.agenerate_video(self, prompt, **options)

    async def start_video(self, prompt: str, **options: Any) -> str:
        """Async twin of :meth:`GrokClient.start_video`."""
        return await _videos.astart_video(self, prompt, **options)

    async def get_video(self, request_id: str) -> VideoStatus:
        """Async twin of :meth:`GrokClient.get_video`."""
        return await _videos.aget_video(self, request_id)

    async def wait_for_video(self, request_id: str, **options: Any) -> VideoResult:
        """Async twin of :meth:`GrokClient.wait_for_video`."""
        return await _videos.await_for_video(self, request_id, **options)

    async def upload_file(self, file: Any, **options: Any) -> FileObject:
        """Async twin of :meth:`GrokClient.upload_file`."""
        return await _files.aupload_file(self, file, **options)

    async def list_files(self) -> list[FileObject]:
        """Async twin of :meth:`GrokClient.list_files`."""
        return await _files.alist_files(self)

    async def delete_file(self, file_id: str) -> bool:
        """Async twin of :meth:`GrokClient.delete_file`."""
        self._forget(file_id)
        return await _files.adelete_file(self, file_id)

    async def download(self, url: str) -> bytes:
        """Async twin of :meth:`GrokClient.download`."""
        return await _downloads.adownload(self, url)
