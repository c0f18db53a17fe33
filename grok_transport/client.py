"""``GrokClient`` and ``AsyncGrokClient``: every HTTP call to a Grok-compatible API goes here.

One pooled ``httpx`` client per ``GrokClient``, created on first use (constructing a client does
no I/O), and one ``httpx.AsyncClient`` per event loop for ``AsyncGrokClient``: an async
connection is bound to the loop that opened it, so a client reused across two ``asyncio.run``
calls (a notebook, a test suite) would otherwise fail with "Event loop is closed".

Each request goes through the same steps: a client-side rate limit if the provider documents
one, the send, the typed error for a failed answer (:mod:`grok_transport.errors`), and the retry
policy (:mod:`grok_transport.retry`). Streams are retried only while no byte of the answer has
reached the caller. Users may hand in their own ``httpx.Client`` / ``httpx.AsyncClient``
(proxies, mTLS, ``httpx.MockTransport``); the key is then added per request, never stored on it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
import urllib.request
import weakref
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import httpx
from pydantic import SecretStr

from grok_transport._batch import AsyncBatches, Batches
from grok_transport._version import __version__
from grok_transport.errors import (
    APIConnectionError,
    APITimeoutError,
    GrokError,
    MissingAPIKeyError,
    ServerError,
    error_from_payload,
    error_from_response,
)
from grok_transport.images import DEFAULT_IMAGE_MODEL, ImageResult, build_image_body
from grok_transport.keys import GeneratedKey, KeyInfo, parse_generated_key, parse_key_list
from grok_transport.listing import ModelCard, parse_model_list
from grok_transport.params import build_chat_body
from grok_transport.pool import ShardedAsyncTransport
from grok_transport.providers import AuthStyle, Connection, resolve_connection
from grok_transport.ratelimit import SlidingWindowLimiter, shared_limiter
from grok_transport.responses import AsyncResponseStream, Response, ResponseStream, build_responses_body
from grok_transport.retry import RetryPolicy
from grok_transport.stream import AsyncChatStream, ChatStream
from grok_transport.tokens import Token, parse_tokens
from grok_transport.wire import ChatCompletion

__all__ = ["GrokClient", "AsyncGrokClient", "DEFAULT_TIMEOUT", "DEFAULT_MAX_RETRIES"]

log = logging.getLogger("grok_transport")

DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=10.0)
"""Ten minutes to read: reasoning models can think for minutes before the first byte."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)

_UNSET: Any = object()


def _dumps(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _lower_headers(response: httpx.Response) -> dict[str, str]:
    return dict(response.headers.items())


class _BaseClient:
    """Configuration and request preparation shared by the sync and async clients."""

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

    def chat_body(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        model: str,
        stream: bool = False,
        **params: Any,
    ) -> dict[str, Any]:
        """The request body :meth:`chat` would send (public so adapters and tests can look)."""
        return build_chat_body(
            provider=self.connection.provider,
            model=model,
            messages=messages,
            stream=stream,
            **params,
        )

    def responses_body(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, stream: bool = False, **params: Any
    ) -> dict[str, Any]:
        """The request body :meth:`create_response` would send."""
        return build_responses_body(
            model=model, messages=messages, provider=self.provider, stream=stream, **params
        )

    def _request(self, method: str, path: str, body: Any, auth: bool) -> httpx.Request:
        headers = (
            {**self._headers, "Content-Type": "application/json"} if body is not None else (self._headers)
        )
        if auth:
            if not self._auth:
                raise MissingAPIKeyError(f"{path} needs an API key; this client was created without one.")
            headers = {**headers, **self._auth}
        return httpx.Request(
            method,
            self._base + path,
            content=None if body is None else _dumps(body),
            headers=headers,
            extensions={"timeout": self.timeout.as_dict()},
        )

    def _error(self, response: httpx.Response, content: bytes) -> GrokError:
        return error_from_response(
            response.status_code, content, _lower_headers(response), secret=self._secret
        )

    def _json(self, response: httpx.Response) -> Any:
        """Decode a 2xx body; an error object inside it becomes the typed error it describes."""
        try:
            payload = json.loads(response.content)
        except ValueError:
            raise ServerError(
                f"malformed JSON in a {response.status_code} answer: {response.text[:200]!r}",
                status_code=response.status_code,
                request_id=response.headers.get("x-request-id"),
            ) from None
        if (
            isinstance(payload, dict)
            and "error" in payload
            and not ("choices" in payload or "data" in payload or "object" in payload)
        ):
            raise error_from_payload(
                response.status_code,
                payload,
                headers=_lower_headers(response),
                secret=self._secret,
            )
        return payload

    def _transport_error(self, exc: httpx.HTTPError, url: str) -> GrokError:
        kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        return kind(f"{type(exc).__name__} talking to {url}: {exc}".replace(self._secret or "\0", "***"))


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

    def send(
        self, method: str, path: str, body: Any = None, *, stream: bool = False, auth: bool = True
    ) -> httpx.Response:
        """Send with rate limiting, typed errors and retries; return a successful response.

        With ``stream=True`` the body is left unread for the caller (who must close it).
        """
        request = self._request(method, path, body, auth)
        client = self._http()
        attempt = 0
        while True:
            if self._limiter is not None:
                self._limiter.acquire()
            try:
                response = client.send(request, stream=stream)
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, str(request.url))
            else:
                if response.status_code < 400:
                    return response
                error = self._error(response, response.read())
                response.close()
            attempt += 1
            delay = self.retry.delay(error, attempt)
            if delay is None:
                raise error
            log.info("retrying %s %s in %.2fs after %r", method, path, delay, error)
            time.sleep(delay)

    def request_json(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        """Send and decode a JSON answer; an error inside a 200 is retried like a 503."""
        return self._send_json(method, path, body, auth)[0]

    def _send_json(self, method: str, path: str, body: Any, auth: bool = True) -> tuple[Any, dict[str, str]]:
        attempt = 0
        while True:
            response = self.send(method, path, body, auth=auth)
            try:
                return self._json(response), _lower_headers(response)
            except GrokError as error:
                attempt += 1
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    raise
                time.sleep(delay)

    # -- chat -------------------------------------------------------------------------------

    def chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> ChatCompletion:
        """One non-streamed chat completion. ``params`` use the API's names; ``None`` = unset."""
        body = self.chat_body(messages, model=model, **params)
        return ChatCompletion.from_dict(*self._send_json("POST", "/chat/completions", body))

    def stream_chat(self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any) -> ChatStream:
        """A streamed chat completion; iterate it for chunks, read ``.completion`` for the sum."""
        body = self.chat_body(messages, model=model, stream=True, **params)
        response = self.send("POST", "/chat/completions", body, stream=True)
        return ChatStream(response, secret=self._secret)

    def create_response(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> Response:
        """One Responses-API answer (server-side tools, citations); see :mod:`grok_transport.responses`."""
        body = self.responses_body(messages, model=model, **params)
        return Response.from_dict(*self._send_json("POST", "/responses", body))

    def stream_response(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> ResponseStream:
        """A streamed Responses-API answer; iterate for events, read ``.response`` for the sum."""
        body = self.responses_body(messages, model=model, stream=True, **params)
        return ResponseStream(self.send("POST", "/responses", body, stream=True), secret=self._secret)

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
        """``POST /images/generations``; see :mod:`grok_transport.images`."""
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
        return parse_generated_key(self.request_json("POST", "/keys/generate", body, auth=False))

    def list_keys(self) -> list[KeyInfo]:
        """Grok Inc's ``GET /keys/list``."""
        return parse_key_list(self.request_json("GET", "/keys/list"))

    def delete_key(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """Grok Inc's ``POST /keys/delete``."""
        if isinstance(key_to_delete, SecretStr):
            key_to_delete = key_to_delete.get_secret_value()
        return self.request_json("POST", "/keys/delete", {"key_to_delete": key_to_delete})


class AsyncGrokClient(_BaseClient):
    """Asynchronous client: one pooled ``httpx.AsyncClient`` per running event loop.

    ``http_client`` lets you bring your own ``httpx.AsyncClient``; you then own its loop
    affinity and its closing.
    """

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._user_client = http_client
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def _http(self) -> httpx.AsyncClient:
        if self._user_client is not None:
            return self._user_client
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            if urllib.request.getproxies():  # httpx honours proxy variables only with its own transport
                client = httpx.AsyncClient(timeout=self.timeout, limits=DEFAULT_LIMITS)
            else:  # see grok_transport.pool for why not httpx's own pool
                client = httpx.AsyncClient(timeout=self.timeout, transport=ShardedAsyncTransport(100))
            self._clients[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the connections opened on the running loop."""
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()

    async def __aenter__(self) -> AsyncGrokClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @property
    def batches(self) -> AsyncBatches:
        """Async twin of :attr:`GrokClient.batches`."""
        return AsyncBatches(self)

    async def send(
        self, method: str, path: str, body: Any = None, *, stream: bool = False, auth: bool = True
    ) -> httpx.Response:
        """Async twin of :meth:`GrokClient.send`."""
        request = self._request(method, path, body, auth)
        client = self._http()
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.aacquire()
            try:
                response = await client.send(request, stream=stream)
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, str(request.url))
            else:
                if response.status_code < 400:
                    return response
                error = self._error(response, await response.aread())
                await response.aclose()
            attempt += 1
            delay = self.retry.delay(error, attempt)
            if delay is None:
                raise error
            log.info("retrying %s %s in %.2fs after %r", method, path, delay, error)
            await asyncio.sleep(delay)

    async def request_json(self, method: str, path: str, body: Any = None, *, auth: bool = True) -> Any:
        """Async twin of :meth:`GrokClient.request_json`."""
        return (await self._send_json(method, path, body, auth))[0]

    async def _send_json(
        self, method: str, path: str, body: Any, auth: bool = True
    ) -> tuple[Any, dict[str, str]]:
        attempt = 0
        while True:
            response = await self.send(method, path, body, auth=auth)
            try:
                return self._json(response), _lower_headers(response)
            except GrokError as error:
                attempt += 1
                delay = self.retry.delay(error, attempt)
                if delay is None:
                    raise
                await asyncio.sleep(delay)

    async def chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> ChatCompletion:
        """Async twin of :meth:`GrokClient.chat`."""
        body = self.chat_body(messages, model=model, **params)
        return ChatCompletion.from_dict(*await self._send_json("POST", "/chat/completions", body))

    async def stream_chat(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AsyncChatStream:
        """Async twin of :meth:`GrokClient.stream_chat`."""
        body = self.chat_body(messages, model=model, stream=True, **params)
        response = await self.send("POST", "/chat/completions", body, stream=True)
        return AsyncChatStream(response, secret=self._secret)

    async def create_response(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> Response:
        """Async twin of :meth:`GrokClient.create_response`."""
        body = self.responses_body(messages, model=model, **params)
        return Response.from_dict(*await self._send_json("POST", "/responses", body))

    async def stream_response(
        self, messages: Sequence[Mapping[str, Any]], *, model: str, **params: Any
    ) -> AsyncResponseStream:
        """Async twin of :meth:`GrokClient.stream_response`."""
        body = self.responses_body(messages, model=model, stream=True, **params)
        response = await self.send("POST", "/responses", body, stream=True)
        return AsyncResponseStream(response, secret=self._secret)

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
        data = await self.request_json("POST", "/keys/generate", body, auth=False)
        return parse_generated_key(data)

    async def list_keys(self) -> list[KeyInfo]:
        """Grok Inc's ``GET /keys/list``."""
        return parse_key_list(await self.request_json("GET", "/keys/list"))

    async def delete_key(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """Grok Inc's ``POST /keys/delete``."""
        if isinstance(key_to_delete, SecretStr):
            key_to_delete = key_to_delete.get_secret_value()
        return await self.request_json("POST", "/keys/delete", {"key_to_delete": key_to_delete})
