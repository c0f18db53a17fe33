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
from collections.abc import Iterable
from typing import Any

from . import DEFAULT_API_KEY
from ._http import Refused, Request, Response, ServerThread, StreamResponse
from .dialects import Dialect, get_dialect
from .exchange import Exchange
from .media import MediaStore
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
    requests does not hold a million bodies (None: unbounded).

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
        models: Iterable[str] = (),
        job_seconds: float = 0.3,
    ) -> None:
        self._dialect: Dialect = get_dialect(dialect)
        if not isinstance(api_key, str) or not api_key.strip():
            raise ValueError("api_key must be a non-empty string")
        self._api_key = api_key
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
        """Empty the queue and recordings; reset limits, credits, keys and images (not the default)."""
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
        x = Exchange(request, parsed, json_error, dialect, self._state, params)
        if route.measure is not None:
            x.prompt_tokens, x.image_tokens = route.measure(parsed)
        now = time.monotonic()
        try:
            if not route.public:
                x.key = key = dialect.authenticate(request.headers, self._state.keys.__contains__)
                wait = self._state.admit(key, now, self._rpm, x.prompt_tokens)
                if wait is not None:
                    return dialect.rate_limited(self._rpm or 0, wait)
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
            used, tokens = self._state.window(x.key, now)
            response.headers.extend(dialect.success_headers(used, tokens, rpm=self._rpm, images=route.images))
            if x.billable:
                self._state.spent[x.key] = self._state.spent.get(x.key, 0) + 1
        return response


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
