"""xAI's Batch API: bulk requests that run on xAI's side and outlive the process that sent them.

A batch is a named container on xAI's servers (docs/wire.md, "Batch API"): create it, add items
in as many calls as needed, poll its counts, page through its results. Items cost half price, do
not count against rate limits and mostly finish within 24 hours, so a job must be collectable by
a process that holds nothing but the batch id: that is :class:`GrokBatchJob`.

What the code relies on (docs/wire.md, "Batch API"):

* ``POST /batches {"name"}`` answers the batch object (``batch_id``, ``state`` with
  ``num_requests, num_pending, num_success, num_error, num_cancelled``); ``GET /batches/{id}``
  answers it again with fresh counts; ``POST /batches/{id}:cancel`` cancels what is pending;
* ``POST /batches/{id}/requests {"batch_requests": [{"batch_request_id", "batch_request":
  {<kind>: <body>}}]}`` answers ``null``. ``<kind>`` is ``chat_get_completion`` for a
  chat-completions body, ``responses`` for a Responses body;
* ``GET /batches/{id}/results?limit=&pagination_token=`` pages the finished items in no
  particular order as ``{"batch_request_id", "batch_result": {"response": {<kind>: <answer>}}}``;
  items sent as ``responses`` bodies were recorded coming back as ``chat_get_completion``
  chat completions. A result without a ``response`` is that item's failure, and whatever the
  server put there instead (xAI's SDK reads a status ``{"code", "message"}``) is its message;
* documented limits: at most 25 MB per add call, 100 add calls per 30 s per team (rolling), one
  batch creation per second per team.

Item ids are positions in the caller's input (``"0"``, ``"1"``, … as the recorded traffic uses),
so any process can put results back in input order. Adds are streamed: items are drawn from the
caller's iterable into bounded chunks (count and bytes), each sent and dropped before the next is
built, so 100,000 prompts never sit in memory as one body.

Requests go through the client's ``request_json`` and its retry policy, which never replays a
create, an add or a cancel once it may have reached xAI (``grok_transport._retry.replayable``): a
replayed add would repeat ids that must be unique within a batch. Whenever an add fails for good,
:class:`BatchSubmitError` names the batch and how many items it holds, so a half-submitted job is
never lost. Results and the batch list are read with the shared paginator
(:mod:`grok_transport._paging`), and a wait is the shared poller's (:mod:`grok_transport._polling`).
"""

from __future__ import annotations

import itertools
import json
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar, overload

from grok_transport._answer import Answer
from grok_transport._chat_reader import read_chat_completion
from grok_transport._errors import GrokError, InvalidParameterError, UnexpectedResponseError
from grok_transport._mcp import wire_value
from grok_transport._paging import apages, pages
from grok_transport._plan import Endpoint
from grok_transport._polling import Schedule, apoll, job_schedule, poll
from grok_transport._ratelimit import SlidingWindowLimiter
from grok_transport._resources import path_id
from grok_transport._responses_reader import read_response

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = [
    "AsyncBatches",
    "BatchAnswer",
    "BatchItemError",
    "BatchStatus",
    "BatchSubmitError",
    "Batches",
    "Endpoint",
    "GrokBatchJob",
    "read_answer",
]

BatchAnswer = Answer
"""What one finished item reads as."""
_T = TypeVar("_T")

KIND_OF: dict[str, str] = {"/chat/completions": "chat_get_completion", "/responses": "responses"}
"""The wire key an item of each endpoint is wrapped in (docs/wire.md, "Batch API")."""

MAX_ADD_BYTES = 25_000_000
"""xAI's documented payload limit per add call."""
ADD_BYTES = 10_000_000
"""Default bytes per add call: well under the limit, and a bounded amount of memory per chunk."""
ADD_ITEMS = 1_000
"""Default items per add call: 100,000 prompts fit the 100-calls-per-30-s budget in one window."""
ADD_CALLS, ADD_WINDOW = 100, 30.0
"""xAI's documented add-call rate: 100 calls per rolling 30 s per team."""
CREATES, CREATE_WINDOW = 1, 1.0
"""xAI's documented batch-creation rate: one per second per team."""
PAGE_SIZE = 100
"""Results per page, as the recorded traffic asks for."""
POLL_INTERVAL, MAX_POLL_INTERVAL = 5.0, 60.0
"""Polling warms up to every 5 s (``_polling.FIRST_WAIT`` first) and, while nothing changes, slows
by half again up to once a minute."""

_ENVELOPE = len('{"batch_requests":[]}')
_COMPACT = (",", ":")


def read_answer(response: Mapping[str, Any]) -> BatchAnswer:
    """Read a finished item's ``response`` object: the one place a batch answer is parsed."""
    if "chat_get_completion" in response:
        return read_chat_completion(response["chat_get_completion"])
    if "responses" in response:
        return read_response(response["responses"])
    raise ValueError(f"unknown kind of batch answer: {sorted(response)}")


# errors and status ------------------------------------------------------------------------------


class BatchItemError(GrokError):
    """One item of a batch failed (or has no result); the message is the server's own.

    ``index`` is the item's position in the submitted input and ``body`` the raw result, so a
    caller can resubmit exactly the items that failed.
    """

    def __init__(self, message: str, *, index: int, batch_request_id: str, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.index = index
        self.batch_request_id = batch_request_id

    def __str__(self) -> str:
        return f"batch item {self.index} failed: {self.message}"


class BatchSubmitError(GrokError):
    """An add call failed for good after ``submitted`` items were accepted into ``batch_id``.

    The batch exists on xAI's side with those items: re-attach with
    ``GrokBatchJob(client, error.batch_id)`` to collect or cancel them, or add the rest with
    ``client.batches.add(error.batch_id, rest, start=error.submitted)``.
    """

    def __init__(self, message: str, *, batch_id: str, submitted: int, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.batch_id = batch_id
        self.submitted = submitted


@dataclass(frozen=True)
class BatchStatus:
    """A batch's counts at one moment (from its ``state``), and the rest of the object in ``raw``."""

    id: str
    name: str = ""
    total: int = 0
    pending: int = 0
    succeeded: int = 0
    failed: int = 0
    cancelled: int = 0
    created: str | None = None
    expires: str | None = None
    cancelled_at: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> BatchStatus:
        """Read a batch object."""
        if not isinstance(data, Mapping) or not (data.get("batch_id") or data.get("id")):
            raise UnexpectedResponseError(f"expected a batch object, got {json.dumps(data)[:200]}")
        state = data.get("state") or {}
        return cls(
            id=str(data.get("batch_id") or data.get("id")),
            name=data.get("name") or "",
            total=int(state.get("num_requests") or 0),
            pending=int(state.get("num_pending") or 0),
            succeeded=int(state.get("num_success") or 0),
            failed=int(state.get("num_error") or 0),
            cancelled=int(state.get("num_cancelled") or 0),
            created=data.get("create_time"),
            expires=data.get("expire_time"),
            cancelled_at=data.get("cancel_time"),
            raw=dict(data),
        )

    @property
    def finished(self) -> int:
        """Items that will not change any more: succeeded, failed or cancelled."""
        return self.succeeded + self.failed + self.cancelled

    @property
    def done(self) -> bool:
        """Nothing is pending in a batch that holds items (or was cancelled).

        ``num_pending`` is also 0 before the first item is registered, so an empty batch does not
        count as finished (docs/wire.md, "Batch API").
        """
        return self.pending == 0 and (self.total > 0 or self.cancelled_at is not None)

    @property
    def cost_usd_ticks(self) -> int | None:
        """The batch's total cost so far, in 1e-10 USD, when the server reports it."""
        breakdown = self.raw.get("cost_breakdown")
        return breakdown.get("total_cost_usd_ticks") if isinstance(breakdown, Mapping) else None


# building requests ----------------------------------------------------------------------------

_limiters: dict[tuple[str, str], SlidingWindowLimiter] = {}
_limiters_lock = threading.Lock()


def _limiter(base_url: str, action: Literal["add", "create"]) -> SlidingWindowLimiter:
    """The process-wide limiter for one documented rate (per base URL: the limit is per team)."""
    with _limiters_lock:
        limiter = _limiters.get((base_url, action))
        if limiter is None:
            limit, window = (ADD_CALLS, ADD_WINDOW) if action == "add" else (CREATES, CREATE_WINDOW)
            limiter = SlidingWindowLimiter(limit, window)
            _limiters[(base_url, action)] = limiter
        return limiter


def _batch_path(batch_id: str, suffix: str = "") -> str:
    return f"/batches/{path_id(batch_id, 'a batch id')}{suffix}"


def _kind(endpoint: str) -> str:
    kind = KIND_OF.get(endpoint)
    if kind is None:
        raise InvalidParameterError(f"endpoint must be one of {sorted(KIND_OF)}, not {endpoint!r}")
    return kind


def _chunks(
    bodies: Iterable[Mapping[str, Any]], endpoint: str, start: int, max_items: int, max_bytes: int
) -> Iterator[list[dict[str, Any]]]:
    """Wrap bodies as items and group them into add calls of at most ``max_items`` / ``max_bytes``.

    Each item's size is its ASCII-escaped JSON length, an upper bound on its UTF-8 size; the item
    is measured, kept by reference and its JSON string dropped at once.
    """
    kind = _kind(endpoint)
    if max_items < 1 or not _ENVELOPE < max_bytes <= MAX_ADD_BYTES:
        raise InvalidParameterError(
            f"need max_items >= 1 and max_bytes <= {MAX_ADD_BYTES:,} (xAI's limit per add call)"
        )
    chunk: list[dict[str, Any]] = []
    size = _ENVELOPE
    for index, body in enumerate(bodies, start):
        if not isinstance(body, Mapping):
            raise InvalidParameterError(f"item {index} is a {type(body).__name__}, not a request body")
        item = {"batch_request_id": str(index), "batch_request": {kind: body}}
        item_size = len(json.dumps(item, separators=_COMPACT, default=wire_value)) + 1
        if _ENVELOPE + item_size > max_bytes:
            raise InvalidParameterError(
                f"item {index} is {item_size:,} bytes of JSON; an add call holds at most {max_bytes:,}"
            )
        if chunk and (len(chunk) == max_items or size + item_size > max_bytes):
            yield chunk
            chunk, size = [], _ENVELOPE
        chunk.append(item)
        size += item_size
    if chunk:
        yield chunk


def _non_empty(requests: Iterable[Mapping[str, Any]], endpoint: str) -> Iterable[Mapping[str, Any]]:
    """Fail before a batch is created when nothing would go in it or the endpoint is wrong."""
    _kind(endpoint)
    items = iter(requests)
    first = next(items, None)
    if first is None:
        raise InvalidParameterError("no requests to submit: a batch needs at least one")
    return itertools.chain((first,), items)


def _submit_error(error: GrokError, batch_id: str, submitted: int) -> BatchSubmitError:
    return BatchSubmitError(
        f"adding items to batch {batch_id} failed after {submitted} were accepted: {error.message}",
        batch_id=batch_id,
        submitted=submitted,
        status_code=error.status_code,
        code=error.code,
        body=error.body,
        request_id=error.request_id,
    )


def _new_name() -> str:
    return f"grok-batch-{uuid.uuid4().hex[:16]}"


# reading results ------------------------------------------------------------------------------


def _failure(result: Mapping[str, Any]) -> tuple[str, str | None]:
    """The message and code a failed item carries, wherever the server put them."""
    outcome = result.get("batch_result")
    for holder in (outcome, result):
        if not isinstance(holder, Mapping):
            continue
        error = holder.get("error")
        if isinstance(error, Mapping):
            message = error.get("message") or error.get("error")
            if message:
                code = error.get("code")
                return str(message), None if code is None else str(code)
        if isinstance(error, str) and error:
            return error, None
        if holder.get("error_message"):
            return str(holder["error_message"]), None
    return f"no response in the result: {json.dumps(result)[:300]}", None


def _read_result(result: Mapping[str, Any], index: int) -> BatchAnswer | BatchItemError:
    request_id = str(result.get("batch_request_id"))
    outcome = result.get("batch_result")
    response = outcome.get("response") if isinstance(outcome, Mapping) else result.get("response")
    if isinstance(response, Mapping) and response:
        try:
            return read_answer(response)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            message, code = f"unreadable answer: {exc}", None
    else:
        message, code = _failure(result)
    return BatchItemError(message, index=index, batch_request_id=request_id, code=code, body=dict(result))


class _Slots(Generic[_T]):
    """Results put back in input order as pages arrive in any order, each answer converted."""

    def __init__(self, status: BatchStatus, convert: Callable[[int, BatchAnswer], _T]) -> None:
        self.status = status
        self.convert = convert
        self.items: list[_T | BatchItemError | None] = [None] * status.total

    def add(self, page: list[dict[str, Any]]) -> None:
        for result in page:
            request_id = result.get("batch_request_id")
            index = int(request_id) if isinstance(request_id, str) and request_id.isdigit() else -1
            if not 0 <= index < len(self.items):
                raise GrokError(
                    f"batch {self.status.id} holds item {request_id!r}, which grok_transport did not "
                    "number; read it with client.batches.result_pages()",
                    body=result,
                )
            item = _read_result(result, index)
            self.items[index] = item if isinstance(item, BatchItemError) else self.convert(index, item)

    def finish(self, return_exceptions: bool) -> list[Any]:
        missing = "cancelled before it ran" if self.status.cancelled else "no result yet (still pending)"
        items = [
            BatchItemError(missing, index=i, batch_request_id=str(i), code="missing")
            if item is None
            else item
            for i, item in enumerate(self.items)
        ]
        if not return_exceptions:
            for item in items:
                if isinstance(item, BatchItemError):
                    raise item
        return items


# waiting --------------------------------------------------------------------------------------


def _schedule(batch_id: str, poll_interval: float, timeout: float | None) -> Schedule[BatchStatus]:
    def message(status: BatchStatus, waited: float) -> str:
        return (
            f"batch {batch_id} is still running ({status.finished} of {status.total} done) after "
            f"{waited:g}s; wait again or collect it later with GrokBatchJob(client, batch_id)"
        )

    return job_schedule(
        batch_id, message, interval=poll_interval, max_interval=MAX_POLL_INTERVAL, timeout=timeout
    )


def _done(status: BatchStatus) -> bool:
    return status.done


class _ProgressBar:
    """A wait's ``on_status``: a tqdm bar of finished items, when tqdm is installed and wanted."""

    def __init__(self, batch_id: str, enabled: bool) -> None:
        self.batch_id = batch_id
        self.enabled = enabled
        self.bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()

    def __call__(self, status: BatchStatus) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            try:  # optional: tqdm is not a dependency, and importing it costs time
                tqdm = import_module("tqdm.auto").tqdm
            except ImportError:
                self.enabled = False
                return
            self.bar = tqdm(total=status.total, desc=self.batch_id, unit="req")
        if self.bar.total != status.total:
            self.bar.total = status.total
        self.bar.set_postfix_str(
            f"{status.succeeded} ok, {status.failed} failed, {status.cancelled} cancelled", refresh=False
        )
        self.bar.update(status.finished - self.bar.n)


# the two halves of the API --------------------------------------------------------------------


class Batches:
    """``client.batches``: the Batch API's calls, one method each, for a :class:`GrokClient`."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def _pages(self, path: str, key: str, limit: int) -> Iterator[list[Any]]:
        get = self._client.request_json
        return pages(lambda page_path: get("GET", page_path), path, key, limit)

    def create(self, name: str | None = None) -> BatchStatus:
        """``POST /batches``: a new, empty batch (at most one per second, as documented)."""
        _limiter(self._client.base_url, "create").acquire()
        return BatchStatus.from_dict(
            self._client.request_json("POST", "/batches", {"name": name or _new_name()})
        )

    def add(
        self,
        batch_id: str,
        requests: Iterable[Mapping[str, Any]],
        *,
        endpoint: Endpoint = "/chat/completions",
        start: int = 0,
        max_items: int = ADD_ITEMS,
        max_bytes: int = ADD_BYTES,
    ) -> int:
        """Add request bodies for ``endpoint`` as items ``start``, ``start + 1``, …; return the count.

        Bodies are drawn lazily and sent in calls of at most ``max_items`` / ``max_bytes``, paced
        to xAI's documented add-call rate.
        """
        path = _batch_path(batch_id, "/requests")
        limiter = _limiter(self._client.base_url, "add")
        submitted = 0
        for chunk in _chunks(requests, endpoint, start, max_items, max_bytes):
            limiter.acquire()
            try:
                self._client.request_json("POST", path, {"batch_requests": chunk})
            except GrokError as error:
                raise _submit_error(error, batch_id, start + submitted) from error
            submitted += len(chunk)
        return submitted

    def submit(
        self,
        requests: Iterable[Mapping[str, Any]],
        *,
        endpoint: Endpoint = "/chat/completions",
        name: str | None = None,
        max_items: int = ADD_ITEMS,
        max_bytes: int = ADD_BYTES,
    ) -> GrokBatchJob[BatchAnswer]:
        """Create a batch, add every body to it, and return the job to wait on and collect."""
        requests = _non_empty(requests, endpoint)
        batch = self.create(name)
        total = self.add(batch.id, requests, endpoint=endpoint, max_items=max_items, max_bytes=max_bytes)
        return GrokBatchJob(self._client, batch.id, total=total)

    def get(self, batch_id: str) -> BatchStatus:
        """``GET /batches/{id}``: the batch's current counts."""
        return BatchStatus.from_dict(self._client.request_json("GET", _batch_path(batch_id)))

    def result_pages(self, batch_id: str, *, limit: int = PAGE_SIZE) -> Iterator[list[dict[str, Any]]]:
        """``GET /batches/{id}/results``, page by page: the raw results, in the server's order."""
        return self._pages(_batch_path(batch_id, "/results"), "results", limit)

    def cancel(self, batch_id: str) -> BatchStatus:
        """``POST /batches/{id}:cancel``: stop what has not run; finished items keep their results."""
        return BatchStatus.from_dict(self._client.request_json("POST", _batch_path(batch_id, ":cancel"), {}))

    def list(self, *, limit: int = PAGE_SIZE) -> Iterator[BatchStatus]:
        """``GET /batches``: every batch of the team, pages fetched as iteration goes."""
        for page in self._pages("/batches", "batches", limit):
            yield from map(BatchStatus.from_dict, page)


class AsyncBatches:
    """``async_client.batches``: the async twin of :class:`Batches`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    def _pages(self, path: str, key: str, limit: int) -> AsyncIterator[list[Any]]:
        get = self._client.request_json
        return apages(lambda page_path: get("GET", page_path), path, key, limit)

    async def create(self, name: str | None = None) -> BatchStatus:
        """Async twin of :meth:`Batches.create`."""
        await _limiter(self._client.base_url, "create").aacquire()
        data = await self._client.request_json("POST", "/batches", {"name": name or _new_name()})
        return BatchStatus.from_dict(data)

    async def add(
        self,
        batch_id: str,
        requests: Iterable[Mapping[str, Any]],
        *,
        endpoint: Endpoint = "/chat/completions",
        start: int = 0,
        max_items: int = ADD_ITEMS,
        max_bytes: int = ADD_BYTES,
    ) -> int:
        """Async twin of :meth:`Batches.add`."""
        path = _batch_path(batch_id, "/requests")
        limiter = _limiter(self._client.base_url, "add")
        submitted = 0
        for chunk in _chunks(requests, endpoint, start, max_items, max_bytes):
            await limiter.aacquire()
            try:
                await self._client.request_json("POST", path, {"batch_requests": chunk})
            except GrokError as error:
                raise _submit_error(error, batch_id, start + submitted) from error
            submitted += len(chunk)
        return submitted

    async def submit(
        self,
        requests: Iterable[Mapping[str, Any]],
        *,
        endpoint: Endpoint = "/chat/completions",
        name: str | None = None,
        max_items: int = ADD_ITEMS,
        max_bytes: int = ADD_BYTES,
    ) -> GrokBatchJob[BatchAnswer]:
        """Async twin of :meth:`Batches.submit`."""
        requests = _non_empty(requests, endpoint)
        batch = await self.create(name)
        total = await self.add(
            batch.id, requests, endpoint=endpoint, max_items=max_items, max_bytes=max_bytes
        )
        return GrokBatchJob(self._client, batch.id, total=total)

    async def get(self, batch_id: str) -> BatchStatus:
        """Async twin of :meth:`Batches.get`."""
        return BatchStatus.from_dict(await self._client.request_json("GET", _batch_path(batch_id)))

    def result_pages(self, batch_id: str, *, limit: int = PAGE_SIZE) -> AsyncIterator[list[dict[str, Any]]]:
        """Async twin of :meth:`Batches.result_pages`."""
        return self._pages(_batch_path(batch_id, "/results"), "results", limit)

    async def cancel(self, batch_id: str) -> BatchStatus:
        """Async twin of :meth:`Batches.cancel`."""
        data = await self._client.request_json("POST", _batch_path(batch_id, ":cancel"), {})
        return BatchStatus.from_dict(data)

    async def list(self, *, limit: int = PAGE_SIZE) -> AsyncIterator[BatchStatus]:
        """Async twin of :meth:`Batches.list`."""
        async for page in self._pages("/batches", "batches", limit):
            for batch in page:
                yield BatchStatus.from_dict(batch)


# the job --------------------------------------------------------------------------------------


def _as_is(index: int, answer: BatchAnswer) -> BatchAnswer:
    return answer


class GrokBatchJob(Generic[_T]):
    """One batch on xAI's side: its status, a wait with a progress bar, its results in input order.

    Re-attach from any process with ``GrokBatchJob(client, batch_id)``. Blocking methods need a
    :class:`GrokClient`, ``await``-able ones an :class:`AsyncGrokClient`; pass the other one as
    ``async_client`` / ``sync_client`` to use both from one job.

    Results are :class:`Answer` objects unless ``convert`` is given: ``convert(index, answer)``
    turns each finished item (``index`` is its position in the input) into what the caller
    works with, such as a framework's message type, so an adapter converts results without
    re-implementing how they are collected, ordered and failed.
    """

    @overload
    def __init__(
        self: GrokBatchJob[BatchAnswer],
        client: GrokClient | AsyncGrokClient,
        batch_id: str,
        *,
        sync_client: GrokClient | None = ...,
        async_client: AsyncGrokClient | None = ...,
        total: int | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        client: GrokClient | AsyncGrokClient,
        batch_id: str,
        *,
        sync_client: GrokClient | None = ...,
        async_client: AsyncGrokClient | None = ...,
        total: int | None = ...,
        convert: Callable[[int, BatchAnswer], _T],
    ) -> None: ...

    def __init__(
        self,
        client: GrokClient | AsyncGrokClient,
        batch_id: str,
        *,
        sync_client: GrokClient | None = None,
        async_client: AsyncGrokClient | None = None,
        total: int | None = None,
        convert: Callable[[int, BatchAnswer], Any] = _as_is,
    ) -> None:
        _batch_path(batch_id)
        self._sync: GrokClient | None
        self._async: AsyncGrokClient | None
        if isinstance(client.batches, AsyncBatches):  # the client's own resource says which it is
            self._sync, self._async = sync_client, client
        else:
            self._sync, self._async = client, async_client
        self.id = batch_id
        self.total = total
        """How many items were submitted, when this job submitted them (else see :meth:`status`)."""
        self._convert = convert
        self._final: BatchStatus | None = None  # a done status seen: results need not ask again

    def _seen(self, status: BatchStatus) -> BatchStatus:
        if status.done:
            self._final = status
        return status

    def __repr__(self) -> str:
        return f"GrokBatchJob(id={self.id!r})"

    def _batches(self) -> Batches:
        if self._sync is None:
            raise TypeError(
                "this job has no GrokClient: use the await-able methods (astatus, await_completion, "
                "aresults, acancel) or pass sync_client="
            )
        return self._sync.batches

    def _abatches(self) -> AsyncBatches:
        if self._async is None:
            raise TypeError(
                "this job has no AsyncGrokClient: use the blocking methods (status, wait, results, "
                "cancel) or pass async_client="
            )
        return self._async.batches

    def status(self) -> BatchStatus:
        """The batch's counts now: total, pending, succeeded, failed, cancelled."""
        return self._seen(self._batches().get(self.id))

    async def astatus(self) -> BatchStatus:
        """Async twin of :meth:`status`."""
        return self._seen(await self._abatches().get(self.id))

    def wait(
        self, *, poll_interval: float = POLL_INTERVAL, timeout: float | None = None, progress: bool = True
    ) -> BatchStatus:
        """Block until nothing is pending; return the final status.

        Polls with backoff (the shared poller), shows a tqdm bar (counts and ETA) when tqdm is
        installed and ``progress`` is true, and raises :class:`JobTimeoutError` (a
        ``TimeoutError``) after ``timeout`` seconds; the batch keeps running on xAI's side.
        """
        batches = self._batches()
        schedule = _schedule(self.id, poll_interval, timeout)
        with _ProgressBar(self.id, progress) as bar:
            return poll(lambda: self._seen(batches.get(self.id)), _done, schedule, bar)

    async def await_completion(
        self, *, poll_interval: float = POLL_INTERVAL, timeout: float | None = None, progress: bool = True
    ) -> BatchStatus:
        """Async twin of :meth:`wait`."""
        batches = self._abatches()
        schedule = _schedule(self.id, poll_interval, timeout)

        async def look() -> BatchStatus:
            return self._seen(await batches.get(self.id))

        with _ProgressBar(self.id, progress) as bar:
            return await apoll(look, _done, schedule, bar)

    @overload
    def results(self, *, return_exceptions: Literal[False] = ..., page_size: int = ...) -> list[_T]: ...

    @overload
    def results(
        self, *, return_exceptions: Literal[True], page_size: int = ...
    ) -> list[_T | BatchItemError]: ...

    def results(self, *, return_exceptions: bool = False, page_size: int = PAGE_SIZE) -> list[Any]:
        """Every item's answer, in input order, after reading every page.

        A failed item (or one without a result: cancelled, or still pending) is a
        :class:`BatchItemError`: in its slot with ``return_exceptions=True``, otherwise the first
        one in input order is raised.
        """
        batches = self._batches()
        slots = _Slots(self._final or self._seen(batches.get(self.id)), self._convert)
        for page in batches.result_pages(self.id, limit=page_size):
            slots.add(page)
        return slots.finish(return_exceptions)

    @overload
    async def aresults(
        self, *, return_exceptions: Literal[False] = ..., page_size: int = ...
    ) -> list[_T]: ...

    @overload
    async def aresults(
        self, *, return_exceptions: Literal[True], page_size: int = ...
    ) -> list[_T | BatchItemError]: ...

    async def aresults(self, *, return_exceptions: bool = False, page_size: int = PAGE_SIZE) -> list[Any]:
        """Async twin of :meth:`results`."""
        batches = self._abatches()
        slots = _Slots(self._final or self._seen(await batches.get(self.id)), self._convert)
        async for page in batches.result_pages(self.id, limit=page_size):
            slots.add(page)
        return slots.finish(return_exceptions)

    def cancel(self) -> BatchStatus:
        """Cancel what has not run yet; finished items keep their results."""
        return self._seen(self._batches().cancel(self.id))

    async def acancel(self) -> BatchStatus:
        """Async twin of :meth:`cancel`."""
        return self._seen(await self._abatches().cancel(self.id))
