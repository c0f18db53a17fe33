"""Deferred chat completions: start a chat turn now, collect its answer later, from any process.

What the code relies on (docs/wire.md, "Deferred completions"; documented, never recorded):

* ``"deferred": true`` in an ordinary ``POST /chat/completions`` answers ``{"request_id"}``;
* ``GET /chat/deferred-completion/{request_id}`` answers **202 with an empty body** while the
  request is pending and **200 with the chat.completion** once it is done;
* that 200 is served **once**: the server then discards the result, and every later GET is a
  404, as is an unknown id or one older than 24 hours.

So a fetch is not a read that can be repeated (:data:`grok_transport._retry.CONSUMING_READS`
says so): the client retries it only when it cannot have reached the server (no connection, or
a 408/429/503), never after a reset or a timeout that may have come after the server handed the
result over. When the connection breaks after the request was sent, :meth:`Deferred.fetch`
looks once more: a 202 or a 200 mean nothing was lost, and a 404 means the result *was* handed
over and died on the way, which is :class:`DeferredResultLostError`, not "unknown or expired"
(:class:`DeferredResultNotFoundError`).
:class:`GrokDeferredJob` keeps the answer it fetched, so asking it twice answers twice.

Deferred completions exist on xAI's chat completions only: a call that
:func:`grok_transport.plan` routed to the Responses API (server-side tools, files,
``previous_response_id``…) is refused before anything is sent, as is a streamed one or one for
Grok Inc or grokapi.io. The ``x-grok-conv-id`` header of a planned call
does not travel with a deferred start.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from grok_transport._answer import Answer
from grok_transport._chat_reader import read_chat_completion
from grok_transport._errors import (
    APIConnectionError,
    InvalidParameterError,
    NotFoundError,
    UnexpectedResponseError,
    error_from_payload,
)
from grok_transport._plan import Call
from grok_transport._polling import Schedule, apoll, job_schedule, poll
from grok_transport._resources import path_id, read_json

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient
    from grok_transport._providers import Provider

__all__ = [
    "AsyncDeferred",
    "Deferred",
    "DeferredResultLostError",
    "DeferredResultNotFoundError",
    "GrokDeferredJob",
]

POLL_INTERVAL = 1.0
"""Seconds between looks at a pending request once warmed up (xAI's SDK polls every second)."""
MAX_POLL_INTERVAL = 5.0
"""The longest wait between two looks while the request stays pending."""
TIMEOUT = 600.0
"""How long :meth:`Deferred.wait` waits by default (xAI's SDK gives up after ten minutes too);
the request goes on at xAI and can be fetched later by its id."""

_T = TypeVar("_T")


class DeferredResultNotFoundError(NotFoundError):
    """404 for a deferred request: the id is unknown, older than 24 hours, or already fetched.

    xAI serves a result once; a process that fetched it (and perhaps lost it) leaves nothing for
    another. ``deferred_id`` is the request id asked for.
    """

    def __init__(self, message: str, *, deferred_id: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.deferred_id = deferred_id


class DeferredResultLostError(APIConnectionError):
    """The result was handed over but the connection broke before it arrived whole.

    xAI serves a deferred result once, so it cannot be fetched again: the request must be sent
    again (and is billed again). Not retryable.
    """

    retryable = False

    def __init__(self, message: str, *, deferred_id: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.deferred_id = deferred_id


def deferred_body(call: Call) -> dict[str, Any]:
    """The body that starts ``call`` as a deferred request; refused if it cannot be one."""
    if call.endpoint != "/chat/completions":
        raise InvalidParameterError(
            "deferred completions exist on chat completions only, and this call goes to the Responses "
            "API (server-side tools, files, previous_response_id, include, instructions or "
            "max_output_tokens, or use_responses_api=True); drop those to defer it."
        )
    if call.stream:
        raise InvalidParameterError("a deferred completion cannot be streamed; start it with stream=False.")
    return {**call.body, "deferred": True}


def check_provider(provider: Provider) -> None:
    """Deferred completions are xAI's: Grok Inc and grokapi.io would answer a normal completion."""
    if not provider.deferred:
        raise InvalidParameterError(
            f"deferred completions are an xAI feature; provider {provider.name!r} has none."
        )


def read_request_id(data: Any) -> str:
    """The request id a deferred start answers with."""
    request_id = data.get("request_id") if isinstance(data, Mapping) else None
    if not isinstance(request_id, str) or not request_id:
        raise UnexpectedResponseError(f"expected {{'request_id': …}} for a deferred start, got {data!r:.200}")
    return request_id


def fetch_path(request_id: str) -> str:
    return f"/chat/deferred-completion/{path_id(request_id, 'a deferred request id')}"


def read_fetch(status: int, content: bytes, secret: str | None) -> Answer | None:
    """A fetch's answer: ``None`` while pending (202), else the completion (the one place it is read).

    An error object in its place is the request's own failure, raised as its typed error with the
    API key (``secret``) scrubbed, as the client scrubs every error.
    """
    if status == 202:
        return None
    payload = read_json(status, content)
    if status != 200 or not isinstance(payload, dict) or "choices" not in payload:
        if isinstance(payload, dict) and "error" in payload:
            raise error_from_payload(status, payload, secret=secret)
        raise UnexpectedResponseError(f"a deferred fetch answered {status} with {content[:200]!r}")
    return read_chat_completion(payload)


def _not_found(error: NotFoundError, request_id: str, handed_over: bool) -> Exception:
    """What a 404 means: lost on the way after a broken fetch, else unknown, expired or fetched."""
    if handed_over:
        return DeferredResultLostError(
            f"the result of deferred request {request_id} was delivered but the connection broke; "
            "xAI serves it once, so it is gone: send the request again",
            deferred_id=request_id,
            request_id=error.request_id,
        )
    return DeferredResultNotFoundError(
        f"deferred request {request_id} is unknown, expired (results live 24 hours) or already "
        f"fetched (xAI serves a result once): {error.message}",
        deferred_id=request_id,
        status_code=404,
        code=error.code,
        body=error.body,
        request_id=error.request_id,
    )


def _schedule(request_id: str, poll_interval: float, timeout: float | None) -> Schedule[Answer | None]:
    def message(pending: Answer | None, waited: float) -> str:
        return (
            f"deferred request {request_id} was still pending after {waited:g} s; it goes on at xAI: "
            "fetch it later by its id (results are kept 24 hours)"
        )

    return job_schedule(
        request_id, message, interval=poll_interval, max_interval=MAX_POLL_INTERVAL, timeout=timeout
    )


def _done(answer: Answer | None) -> bool:
    return answer is not None


class Deferred:
    """``client.deferred``: start, fetch and wait for deferred chat completions (sync)."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def start(self, call: Call) -> str:
        """Start a planned chat-completions call as a deferred request; returns its request id.

        Not sent twice once it may have reached xAI: a second start would be a second, billed
        request whose id nobody keeps.
        """
        check_provider(self._client.connection.provider)
        body = deferred_body(call)
        return read_request_id(self._client.request_json("POST", call.endpoint, body, idempotent=False))

    def fetch(self, request_id: str, *, handed_over: bool = False) -> Answer | None:
        """One look: the answer if it is done (the server then discards it), else ``None``.

        ``handed_over=True`` says an earlier fetch broke after it was sent, so a 404 means the
        result was lost on the way (see the module docstring).
        """
        path = fetch_path(request_id)
        try:
            status, content = self._client.request_bytes("GET", path)
        except NotFoundError as error:
            raise _not_found(error, request_id, handed_over) from None
        except APIConnectionError as error:
            if not error.request_sent or handed_over:
                raise
            return self.fetch(request_id, handed_over=True)  # was it handed over? one more look says
        return read_fetch(status, content, self._client._secret)

    def wait(
        self, request_id: str, *, timeout: float | None = TIMEOUT, poll_interval: float = POLL_INTERVAL
    ) -> Answer:
        """Poll until the answer is there; :class:`~grok_transport.JobTimeoutError` after ``timeout`` s."""
        answer = poll(lambda: self.fetch(request_id), _done, _schedule(request_id, poll_interval, timeout))
        assert answer is not None
        return answer

    def submit(self, call: Call) -> GrokDeferredJob[Answer]:
        """:meth:`start`, as a job that keeps the answer once fetched."""
        return GrokDeferredJob(self._client, self.start(call))


class AsyncDeferred:
    """``async_client.deferred``: the async twin of :class:`Deferred`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def start(self, call: Call) -> str:
        """Async twin of :meth:`Deferred.start`."""
        check_provider(self._client.connection.provider)
        body = deferred_body(call)
        data = await self._client.request_json("POST", call.endpoint, body, idempotent=False)
        return read_request_id(data)

    async def fetch(self, request_id: str, *, handed_over: bool = False) -> Answer | None:
        """Async twin of :meth:`Deferred.fetch`."""
        path = fetch_path(request_id)
        try:
            status, content = await self._client.request_bytes("GET", path)
        except NotFoundError as error:
            raise _not_found(error, request_id, handed_over) from None
        except APIConnectionError as error:
            if not error.request_sent or handed_over:
                raise
            return await self.fetch(request_id, handed_over=True)
        return read_fetch(status, content, self._client._secret)

    async def wait(
        self, request_id: str, *, timeout: float | None = TIMEOUT, poll_interval: float = POLL_INTERVAL
    ) -> Answer:
        """Async twin of :meth:`Deferred.wait`."""
        schedule = _schedule(request_id, poll_interval, timeout)
        answer = await apoll(lambda: self.fetch(request_id), _done, schedule)
        assert answer is not None
        return answer

    async def submit(self, call: Call) -> GrokDeferredJob[Answer]:
        """Async twin of :meth:`Deferred.submit`."""
        return GrokDeferredJob(self._client, await self.start(call))


def _as_is(answer: Answer) -> Answer:
    return answer


class GrokDeferredJob(Generic[_T]):
    """One deferred request: wait for it, and keep its answer, which xAI serves only once.

    Re-attach from any process with ``GrokDeferredJob(client, request_id)``. Blocking methods
    need a :class:`GrokClient`, ``await``-able ones an :class:`AsyncGrokClient`; pass the other
    as ``sync_client`` / ``async_client`` to use both. ``convert`` turns the answer into what the
    caller works with (a framework's message), once; :meth:`result` then returns the same object
    every time. Concurrent callers share one fetch (a lock per job), so two of them cannot turn
    one result into a 404 for the other.
    """

    @overload
    def __init__(
        self: GrokDeferredJob[Answer],
        client: GrokClient | AsyncGrokClient,
        request_id: str,
        *,
        sync_client: GrokClient | None = ...,
        async_client: AsyncGrokClient | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        client: GrokClient | AsyncGrokClient,
        request_id: str,
        *,
        sync_client: GrokClient | None = ...,
        async_client: AsyncGrokClient | None = ...,
        convert: Callable[[Answer], _T],
    ) -> None: ...

    def __init__(
        self,
        client: GrokClient | AsyncGrokClient,
        request_id: str,
        *,
        sync_client: GrokClient | None = None,
        async_client: AsyncGrokClient | None = None,
        convert: Callable[[Answer], Any] = _as_is,
    ) -> None:
        fetch_path(request_id)  # a blank or dot id is refused now, not at the first fetch
        self._sync: GrokClient | None
        self._async: AsyncGrokClient | None
        if isinstance(client.deferred, AsyncDeferred):  # the client's own resource says which it is
            self._sync, self._async = sync_client, client
        else:
            self._sync, self._async = client, async_client
        self.id = request_id
        self._convert = convert
        self._answer: Answer | None = None
        self._result: Any = None
        self._handed_over = False  # a fetch broke after it was sent: a 404 now means "lost"
        self._lock = threading.Lock()
        self._alock: asyncio.Lock | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(id={self.id!r}, done={self.done})"

    @property
    def done(self) -> bool:
        """Whether the answer has been fetched and is kept here."""
        return self._answer is not None

    @property
    def answer(self) -> Answer | None:
        """The transport's answer once fetched (``None`` before)."""
        return self._answer

    def _deferred(self) -> Deferred:
        if self._sync is None:
            raise TypeError("this job has no GrokClient: use afetch / aresult, or pass sync_client=")
        return Deferred(self._sync)

    def _adeferred(self) -> AsyncDeferred:
        if self._async is None:
            raise TypeError("this job has no AsyncGrokClient: use fetch / result, or pass async_client=")
        return AsyncDeferred(self._async)

    def _keep(self, answer: Answer | None) -> Answer | None:
        if answer is not None:
            self._result = self._convert(answer)
            self._answer = answer
        return answer

    def _look(self) -> Answer | None:
        if self._answer is not None:
            return self._answer
        try:
            return self._keep(self._deferred().fetch(self.id, handed_over=self._handed_over))
        except APIConnectionError as error:
            self._handed_over = self._handed_over or error.request_sent
            raise

    async def _alook(self) -> Answer | None:
        if self._answer is not None:
            return self._answer
        try:
            return self._keep(await self._adeferred().fetch(self.id, handed_over=self._handed_over))
        except APIConnectionError as error:
            self._handed_over = self._handed_over or error.request_sent
            raise

    def fetch(self) -> _T | None:
        """One look: the result if it is done (kept from now on), else ``None``."""
        with self._lock:
            return self._result if self._look() is not None else None

    async def afetch(self) -> _T | None:
        """Async twin of :meth:`fetch`."""
        async with self._async_lock():
            return self._result if await self._alook() is not None else None

    def result(self, *, timeout: float | None = TIMEOUT, poll_interval: float = POLL_INTERVAL) -> _T:
        """Wait for the answer (see :meth:`Deferred.wait`); once fetched, returned at once, every time."""
        with self._lock:
            poll(self._look, _done, _schedule(self.id, poll_interval, timeout))
        return self._result  # type: ignore[no-any-return]

    async def aresult(self, *, timeout: float | None = TIMEOUT, poll_interval: float = POLL_INTERVAL) -> _T:
        """Async twin of :meth:`result`."""
        async with self._async_lock():
            await apoll(self._alook, _done, _schedule(self.id, poll_interval, timeout))
        return self._result  # type: ignore[no-any-return]

    def _async_lock(self) -> asyncio.Lock:
        if self._alock is None:
            self._alock = asyncio.Lock()
        return self._alock
