"""``GrokTestServer``: a real HTTP server on 127.0.0.1 that answers like a Grok provider.

A real socket exercises what a client does in production: pooling, keep-alive, chunked SSE,
timeouts and retries. Each request meets the checks in the real services' order: recorded
(secrets masked); routed (404, 405: a typo reads as a typo, before auth); authenticated; counted
in its key's minute (429); refused when the key's credits are spent; then validated and answered,
the next scripted reply taken only now, and successful answers billed.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from . import DEFAULT_API_KEY, DEFAULT_MANAGEMENT_API_KEY
from ._http import Refused, Request, Response, ServerThread, StreamResponse
from .collections import CollectionStore
from .dialects import Dialect, get_dialect
from .exchange import Exchange
from .media import MediaStore
from .quota import Quota, QuotaBook
from .replies import Reply
from .routes import find_route
from .state import RecordedRequest, State, mask_headers

__all__ = ["GrokTestServer", "RecordedRequest"]

_UNSET: Any = object()


class GrokTestServer:
    """A local Grok-compatible server speaking the ``xai``, ``grokinc`` or ``grokapi`` dialect.

    ``api_key`` is the key clients use (:data:`DEFAULT_API_KEY` unless given); ``port`` 0 picks a
    free port, any other number binds that one (for a notebook whose URLs must not change).
    ``rate_limit_rpm`` limits requests per key per sliding minute (default 5 for ``grokinc``,
    unlimited otherwise). ``credits`` is the number of successful billable requests each key may
    make before the server answers 402 (``grokapi``'s "insufficient credits"). ``api_keys`` adds
    accepted keys; :attr:`api_key` is accepted until a test deletes it through the Grok Inc key
    endpoints. ``max_recorded`` bounds :attr:`requests` so a benchmark of a million
    requests does not hold a million bodies (None: unbounded). ``quota`` turns on quota mode:
    xAI's per-key, per-model requests-per-second and tokens-per-minute limits, with their
    headers and 429s (see :mod:`grok_transport.testing.quota`; counts in :attr:`quota`).

    ``models`` adds model names the server serves and lists besides the catalogue's; any other
    name is answered with xAI's 404, as the real API answers a typo (see :mod:`.models`).
    ``job_seconds`` is how long a video, a batch item or a deferred answer stays pending: jobs
    finish by elapsed time, like real ones, so a client on its real polling schedule finishes
    in about a second.
    """

    def __init__(
        self,
        dialect: str = "xai",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        api_keys: Iterable[str] | None = None,
        rate_limit_rpm: int | None = _UNSET,
        credits: int | None = None,
        max_recorded: int | None = 10_000,
        management_api_key: str = DEFAULT_MANAGEMENT_API_KEY,
        quota: Quota | None = None,
        models: Iterable[str] = (),
        job_seconds: float = 0.3,
    ) -> None:
        self._dialect: Dialect = get_dialect(dialect)
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        self._api_key = api_key
        self._management_key = management_api_key
        self._rpm: int | None = self._dialect.default_rpm if rate_limit_rpm is _UNSET else rate_limit_rpm
        self._credits = credits
        self._host = host
        if isinstance(models, str):
            raise TypeError("models takes a list of model names, not one string")
        if not isinstance(job_seconds, (int, float)) or isinstance(job_seconds, bool) or job_seconds < 0:
            raise ValueError(f"job_seconds must be a number >= 0, not {job_seconds!r}")
        keys = [self._api_key, *(api_keys or ())]
        self._state = State(keys, max_recorded, models=models, job_seconds=float(job_seconds))
        self._thread = ServerThread(self._handle, host, port)
        self.quota = QuotaBook(quota) if quota is not None else None
        """Quota mode's state and counts (``admitted``, ``refused``), or None when it is off."""

    # lifecycle -----------------------------------------------------------------------------

    def start(self) -> GrokTestServer:
        """Start listening (a no-op if already running); returns the server for chaining."""
        if not self._thread.running:
            self._thread.start()
            self._state.base_url = self.url
        return self

    def stop(self) -> None:
        """Close every connection and stop the server thread. Safe to call twice."""
        self._thread.stop()

    def __enter__(self) -> GrokTestServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._thread.port is not None else "not started"
        return f"GrokTestServer(dialect={self.dialect!r}, {where})"

    # addresses and keys --------------------------------------------------------------------

    @property
    def dialect(self) -> str:
        """``"xai"``, ``"grokinc"`` or ``"grokapi"``."""
        return self._dialect.name

    @property
    def port(self) -> int:
        """The bound port (known once started; ``port=0`` picks a free one)."""
        if self._thread.port is None:
            raise RuntimeError("GrokTestServer is not started; call start() or use `with`")
        return self._thread.port

    @property
    def url(self) -> str:
        """``http://<host>:<port>``, the server root (image files live under ``/files/``)."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://<host>:<port>/v1``: what a client takes as its ``base_url``."""
        return f"{self.url}/v1"

    @property
    def api_key(self) -> str:
        """The key clients use (:data:`DEFAULT_API_KEY` unless another was given)."""
        return self._api_key

    @property
    def management_api_key(self) -> str:
        """The key the Collections routes take (:data:`DEFAULT_MANAGEMENT_API_KEY` unless given)."""
        return self._management_key

    @property
    def collections(self) -> CollectionStore:
        """The collections; set ``collections.index_delay`` / ``collections.fail_with`` here."""
        return self._state.collections

    # script and recordings -----------------------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies; each request to a chat, responses, image or explain endpoint takes one."""
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"enqueue() takes Reply objects, not {type(reply).__name__}")
        self._state.queue.extend(replies)

    def set_default(self, reply: Reply | None) -> None:
        """Answer with ``reply`` whenever the queue is empty; None restores the built-in default."""
        if reply is not None and not isinstance(reply, Reply):
            raise TypeError(f"set_default() takes a Reply or None, not {type(reply).__name__}")
        self._state.sticky = reply

    def fail(self, method: str, route: str, *errors: Reply) -> None:
        """Answer the next requests to one route with these ``Reply.error`` objects, one each.

        ``route`` is the path as :mod:`.routes` writes it (``"/v1/batches/{id}:cancel"``). This
        reaches every endpoint, including those that take no scripted reply (batches, files,
        keys, videos): how a test proves what a client does after a 500 to a state change.
        """
        for error in errors:
            if not (isinstance(error, Reply) and error.kind == "error"):
                raise TypeError("fail() takes Reply.error(...) objects")
        with self._state.lock:
            self._state.faults.setdefault((method.upper(), route), deque()).extend(errors)

    @property
    def pending(self) -> int:
        """How many queued replies have not been consumed yet."""
        return len(self._state.queue)

    @property
    def media(self) -> MediaStore:
        """Video jobs and uploaded files; set ``media.video_polls`` / ``media.video_outcome`` here."""
        return self._state.media

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, in arrival order (a copy)."""
        return self._state.recorded()

    def clear(self) -> None:
        """Empty the queue and recordings; reset what requests left behind.

        Limits, credits, keys, images, videos, collections, batches and deferred requests are
        reset; the default reply and how batches and deferred requests are set to behave stay.
        """
        self._state.clear()

    # request pipeline (runs on the server thread) ------------------------------------------

    def _handle(self, request: Request) -> Response | StreamResponse:
        parsed, json_error = _parse_json(request.body)
        headers = mask_headers(request.headers)
        self._state.record(
            RecordedRequest(request.method, request.path, request.query, headers, parsed, request.body)
        )
        dialect = self._dialect
        found = find_route(dialect.name, request.method, request.path)
        if found is None:
            return dialect.error(404, f"No route for {request.method} {request.path}.")
        route, params = found
        if route.method != request.method:
            return dialect.error(405, f"Method {request.method} is not allowed on {request.path}.")
        dialect = route.dialect or dialect
        fault = self._state.next_fault(route.method, route.path)
        if fault is not None:
            return dialect.scripted_error(fault)
        x = Exchange(request, parsed, json_error, dialect, self._state, params)
        if route.measure is not None:
            x.prompt_tokens, x.image_tokens = route.measure(parsed)
        now = time.monotonic()
        try:
            if not route.public:
                valid = self._management_key.__eq__ if route.management else self._state.keys.__contains__
                x.key = key = dialect.authenticate(request.headers, valid)
                wait = self._state.admit(key, now, self._rpm, x.prompt_tokens)
                if wait is not None:
                    return dialect.rate_limited(self._rpm or 0, wait)
                if self.quota is not None and route.metered:
                    over = self.quota.admit(dialect, key, _model(parsed), x.prompt_tokens, now)
                    if over is not None:
                        return over
                if (
                    route.metered
                    and self._credits is not None
                    and self._state.spent.get(key, 0) >= self._credits
                ):
                    return dialect.out_of_credits()
            response = route.handler(x)
        except Refused as refused:
            return refused.response
        if x.key is not None and response.status < 300 and route.metered:
            if self.quota is not None:
                limits = self.quota.settle(x.key, _model(parsed), response, time.monotonic())
            else:
                used, tokens = self._state.window(x.key, now)
                limits = dialect.success_headers(used, tokens, rpm=self._rpm, images=route.images)
            response.headers.extend(limits)
            if x.billable:
                self._state.spent[x.key] = self._state.spent.get(x.key, 0) + 1
        return response


def _model(parsed: Any) -> str:
    """The model a request names (quota mode's budgets are per key and model)."""
    model = parsed.get("model") if isinstance(parsed, dict) else None
    return model if isinstance(model, str) else ""


def _parse_json(body: bytes) -> tuple[Any, str | None]:
    """Parse a request body; the error text reads like serde's (what xAI's 422 quotes)."""
    if not body:
        return None, "EOF while parsing a value at line 1 column 0"
    try:
        return json.loads(body), None
    except UnicodeDecodeError:
        return None, "invalid unicode code point at line 1 column 1"
    except json.JSONDecodeError as exc:
        return None, f"{exc.msg} at line {exc.lineno} column {exc.colno}"
