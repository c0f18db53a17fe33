"""Where rate budgets live: in this process, or on Redis with the in-process store as fallback.

Stores. In-process by default (:class:`LocalStore`: one per process, shared by every client);
Redis when ``rate_limit_store="redis://…"`` or ``GROK_RATE_LIMIT_STORE`` is set
(:mod:`grok_transport._budget_redis`). The budget's name in a store is derived from the sha256 of
(base URL, key, model), never the key itself. If Redis is unreachable at start or lost mid-run,
the budget logs ONE warning (logger ``grok_transport``, WARNING; a logger rather than
``warnings.warn`` because a web worker's warnings filter usually shows a warning once per
process, not once per outage) and falls back to the in-process store with the process's share
of the budget (Redis counts the processes using each budget every minute; with eight, each keeps
an eighth, so the fleet stays near the whole budget instead of eight times it), then tries Redis
again after :data:`RECONNECT_AFTER` seconds (doubling up to 8 s while it stays down) rather
than on every call, and logs INFO when it is back. A request is never dropped or sent twice
because of the store: admission happens once per attempt, before sending. A password in a
``redis://`` URL is masked in every message (:func:`mask_url`), and the adapters mask it in a
model's ``repr`` and keep it out of saved models, which read ``GROK_RATE_LIMIT_STORE`` instead.

What a budget does with a store (admission, correction, pause) is :mod:`grok_transport._budget`;
a store only keeps the state and does the arithmetic, atomically: :class:`LocalStore` under one
lock, Redis in one Lua script (:mod:`grok_transport._budget_redis`), both the same rules.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

from grok_transport._budget_rule import Rule
from grok_transport._errors import InvalidParameterError

__all__ = [
    "RATE_LIMIT_STORE_ENV",
    "RECONNECT_AFTER",
    "Store",
    "LocalStore",
    "Resilient",
    "check_store",
    "local_store",
    "mask_url",
    "store_for",
]

log = logging.getLogger("grok_transport")

RECONNECT_AFTER = 1.0
"""Seconds after a Redis failure before it is tried again (doubling while down, up to 8 s: a fleet
must find a restarted Redis again within seconds, and a Redis that hangs costs at most one
connection timeout per interval)."""
RATE_LIMIT_STORE_ENV = "GROK_RATE_LIMIT_STORE"
"""The environment variable naming the store for a whole deployment (``redis://host:6379/0``)."""
_MAX_RECONNECT = 8.0
_WINDOW = 60.0


class Store(Protocol):
    """Where budgets live.

    ``admit`` returns ``(admitted, wait_ms)``: admitted means a slot is reserved ``wait_ms`` from
    now; otherwise nothing is reserved and ``wait_ms`` is how long until one could be. ``settle``
    corrects the token charge by ``tokens`` and syncs from the server's remaining counts (-1:
    not sent); ``pause`` holds the whole budget back; ``paused`` says for how many more
    milliseconds.
    """

    def admit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]: ...
    def settle(self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int) -> None: ...
    def pause(self, name: str, rule: Rule, seconds: float) -> None: ...
    def paused(self, name: str) -> float: ...
    async def aadmit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]: ...
    async def asettle(
        self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int
    ) -> None: ...
    async def apause(self, name: str, rule: Rule, seconds: float) -> None: ...
    async def apaused(self, name: str) -> float: ...


@dataclass
class _State:
    """One budget in process: the next request slot, the token bucket's TAT, the pause, the window."""

    requests_at: float = 0.0
    tokens_at: float = 0.0
    paused_until: float = 0.0
    log: deque[float] = field(default_factory=deque)


class LocalStore:
    """The in-process store: the same arithmetic as the Redis script, under one lock.

    Times are ``time.monotonic()`` milliseconds. ``settle``'s ``remaining_*`` are -1 when the
    server sent no header. A budget that has fully recovered is forgotten, like an expired key.
    """

    def __init__(self) -> None:
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def _state(self, name: str, now: float) -> _State:
        state = self._states.get(name)
        if state is None:
            if len(self._states) > 4096:  # forget every budget that has fully recovered
                for key in [k for k, s in self._states.items() if _idle(s, now)]:
                    del self._states[key]
            state = self._states[name] = _State()
        return state

    def admit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]:
        with self._lock:
            now = time.monotonic() * 1000.0
            s = self._state(name, now)
            wait = max(0.0, s.paused_until - now)
            slot = max(s.requests_at, now)
            interval = rule.interval_ms
            if interval:
                wait = max(wait, slot - now)
            limit = rule.window_limit
            if limit:
                while s.log and s.log[0] <= now - _WINDOW * 1000:
                    s.log.popleft()
                if len(s.log) >= limit:
                    wait = max(wait, s.log[0] + _WINDOW * 1000 - now)
            token_at = s.tokens_at
            if rule.tpm:
                token_at = max(s.tokens_at, now) + min(tokens, rule.tpm) * rule.ms_per_token
                wait = max(wait, token_at - _WINDOW * 1000 - now)
            if wait > rule.horizon_ms:
                return False, wait
            if interval:
                s.requests_at = max(slot, now + wait) + interval
            if rule.tpm:
                s.tokens_at = token_at
            if limit:
                s.log.append(now + wait)
            return True, wait

    def settle(self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int) -> None:
        with self._lock:
            now = time.monotonic() * 1000.0
            s = self._state(name, now)
            if rule.tpm:
                per_token = rule.ms_per_token
                s.tokens_at = max(s.tokens_at + tokens * per_token, now)
                if tokens_left >= 0:
                    s.tokens_at = max(s.tokens_at, now + _WINDOW * 1000 - tokens_left * per_token)
            if requests_left == 0:
                if rule.interval_ms:
                    s.requests_at = max(s.requests_at, now + rule.interval_ms)
                while len(s.log) < rule.window_limit:
                    s.log.append(now)

    def pause(self, name: str, rule: Rule, seconds: float) -> None:
        with self._lock:
            now = time.monotonic() * 1000.0
            s = self._state(name, now)
            s.paused_until = max(s.paused_until, now + seconds * 1000.0)
            s.requests_at = max(s.requests_at, s.paused_until)

    def clear(self) -> None:
        """Forget every budget (for tests: a fresh process)."""
        with self._lock:
            self._states.clear()

    def paused(self, name: str) -> float:
        state = self._states.get(name)
        return 0.0 if state is None else max(0.0, state.paused_until - time.monotonic() * 1000.0)

    async def aadmit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]:
        return self.admit(name, rule, tokens)

    async def apaused(self, name: str) -> float:
        return self.paused(name)

    async def asettle(self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int) -> None:
        self.settle(name, rule, tokens, tokens_left, requests_left)

    async def apause(self, name: str, rule: Rule, seconds: float) -> None:
        self.pause(name, rule, seconds)


def _idle(state: _State, now: float) -> bool:
    last = max(state.requests_at, state.tokens_at, state.paused_until, state.log[-1] if state.log else 0.0)
    return last + _WINDOW * 1000 < now


_local = LocalStore()


def local_store() -> LocalStore:
    """The process's in-process store (every client without a store setting shares it)."""
    return _local


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def store_for(url: str | None) -> Store:
    """The store a setting names: ``None`` reads ``GROK_RATE_LIMIT_STORE``; unset or ``memory``: in-process.

    One store object per URL per process, so every client naming it shares its connections.
    """
    if url is None:
        url = os.environ.get(RATE_LIMIT_STORE_ENV) or None
    if url is None or check_store(url) == "memory":
        return _local
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            from grok_transport._budget_redis import RedisStore  # redis is imported only here

            store = _stores[url] = Resilient(RedisStore(url), mask_url(url))
        return store


def check_store(url: str) -> str:
    """``url`` if it names a store (``memory`` or a Redis URL), else the error saying what would."""
    if url in ("memory", "memory://"):
        return "memory"
    if not isinstance(url, str) or not url.startswith(("redis://", "rediss://", "unix://")):
        raise InvalidParameterError(
            "rate_limit_store must be a redis://, rediss:// or unix:// URL, or 'memory'; "
            f"got {mask_url(str(url))!r}"
        )
    return url


def mask_url(url: str) -> str:
    """``url`` with any password replaced: for messages, and wherever a model shows its settings.

    ``redis://:pw@cache:6379/0`` becomes ``redis://:***@cache:6379/0``, so which Redis a budget
    lives on stays visible in a ``repr`` or a saved model while its password does not.
    """
    return re.sub(r"//([^/@]*):[^/@]*@", r"//\1:***@", url)


class Resilient:
    """A remote store that falls back to the in-process one while it is unreachable.

    One warning when it is lost (at start or mid-run), one INFO line when it is back; while it
    is down it is tried again only every :data:`RECONNECT_AFTER` seconds (doubling to 8 s), so
    a dead Redis costs one failed connection attempt per interval, not one per call.
    """

    def __init__(self, remote: Any, label: str) -> None:
        self.remote = remote
        self.label = label
        self._fleet: dict[str, int] = {}  # budget name → processes that used it in the last minute
        self._held: set[str] = set()  # budgets held back at the start of this outage
        self._down_until = 0.0
        self._backoff = RECONNECT_AFTER
        self._down = False
        self._lock = threading.Lock()

    def _usable(self) -> bool:
        return not self._down or time.monotonic() >= self._down_until

    def _failed(self, error: Exception) -> None:
        with self._lock:
            if not self._down:
                self._down = True
                self._held.clear()
                self._backoff = RECONNECT_AFTER
                log.warning(
                    "rate budget store %s is unreachable (%s); using the in-process budget until it is back",
                    self.label,
                    type(error).__name__,
                )
            else:
                self._backoff = min(self._backoff * 2, _MAX_RECONNECT)
            self._down_until = time.monotonic() + self._backoff

    def _worked(self) -> None:
        if self._down:
            with self._lock:
                if self._down:
                    self._down = False
                    log.info("rate budget store %s is back; the budget is shared again", self.label)

    def _call(self, op: str, name: str, rule: Rule | None, *rest: Any) -> Any:
        """``op`` on Redis when it is usable; else on the in-process store, with this process's share."""
        if self._usable():
            try:
                result = getattr(self.remote, op)(name, *([rule] if rule else []), *rest)
            except self.remote.errors as error:
                self._failed(error)
            else:
                self._worked()
                return result
        return getattr(_local, op)(name, *([self._local_rule(name, rule)] if rule else []), *rest)

    async def _acall(self, op: str, name: str, rule: Rule | None, *rest: Any) -> Any:
        if self._usable():
            try:
                result = await getattr(self.remote, op)(name, *([rule] if rule else []), *rest)
            except self.remote.errors as error:
                self._failed(error)
            else:
                self._worked()
                return result
        return await getattr(_local, op)(name, *([self._local_rule(name, rule)] if rule else []), *rest)

    def _local_rule(self, name: str, rule: Rule) -> Rule:
        """The rule for the in-process fallback; the first time after Redis was lost, it holds back.

        Redis may have reserved slots up to :data:`HORIZON` seconds ahead for this fleet, so the
        in-process budget starts that far in the future rather than on top of them.
        """
        share = self._share(name, rule)
        if name in self._fleet and name not in self._held:
            self._held.add(name)
            _local.pause(name, share, share.horizon_ms / 1000.0)
        return share

    def _share(self, name: str, rule: Rule) -> Rule:
        """The process's share of ``rule`` while the fleet cannot coordinate: 1/n of it for n processes.

        Redis tells each admission how many processes used the budget in the last minute, so
        when it goes away the fleet together still keeps to about the whole budget.
        """
        fleet = self._fleet.get(name, 1)
        if fleet <= 1:
            return rule
        return Rule(
            max(1, rule.rpm // fleet) if rule.rpm else None,
            max(1, rule.tpm // fleet) if rule.tpm else None,
            rule.window,
        )

    def _admitted(self, name: str, result: Any) -> tuple[bool, float]:
        if len(result) == 3:  # from Redis: remember the fleet's size
            self._fleet[name] = max(1, int(result[2]))
        return bool(result[0]), float(result[1])

    def admit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]:
        return self._admitted(name, self._call("admit", name, rule, tokens))

    def settle(self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int) -> None:
        self._call("settle", name, rule, tokens, tokens_left, requests_left)

    def pause(self, name: str, rule: Rule, seconds: float) -> None:
        self._call("pause", name, rule, seconds)

    def paused(self, name: str) -> float:
        return float(self._call("paused", name, None))

    async def aadmit(self, name: str, rule: Rule, tokens: int) -> tuple[bool, float]:
        return self._admitted(name, await self._acall("aadmit", name, rule, tokens))

    async def asettle(self, name: str, rule: Rule, tokens: int, tokens_left: int, requests_left: int) -> None:
        await self._acall("asettle", name, rule, tokens, tokens_left, requests_left)

    async def apause(self, name: str, rule: Rule, seconds: float) -> None:
        await self._acall("apause", name, rule, seconds)

    async def apaused(self, name: str) -> float:
        return float(await self._acall("apaused", name, None))
