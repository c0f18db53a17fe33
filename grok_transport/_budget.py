"""The request-and-token budget: one per (base URL, key, model), shared by every process that sets a store.

xAI limits a key per model in requests per second (the per-minute budget spread over the minute,
RPM ÷ ``RPS_DIVISOR``, in :mod:`grok_transport._budget_store`) and tokens per minute, counting
every token (prompt, completion, reasoning, cached); going over either answers 429 (docs/wire.md,
"Rate limits"). Grok Inc documents a plain window instead: five requests per minute per key, five
at once, then wait. Without a budget, eight worker processes that share a key each believe they
own it: they burst, collect 429s, and their retries spend the budget again. So every request
consults a budget before it is sent (:meth:`Spend.admit`) and tells it the outcome
(:meth:`Spend.done`, :meth:`Spend.failed`):

* **Admission.** A request is admitted when both axes allow it. Requests are spaced one per
  ``RPS_DIVISOR / rpm`` seconds (no burst: the server's per-second rule), or counted in a sliding
  60-second window for a provider that documents one. Tokens are a bucket of ``tpm`` refilled
  over the minute; a request is charged before it is sent with a local estimate: the prompt's
  characters over :data:`CHARS_PER_TOKEN` (images at :data:`IMAGE_TOKENS` each) plus the
  completion allowance (``max_tokens`` / ``max_completion_tokens`` / ``max_output_tokens``, else
  :data:`DEFAULT_COMPLETION_ALLOWANCE`). An admission reserves a slot at most ``HORIZON``
  seconds ahead, so a thousand waiting calls cost one store round trip each rather than a herd
  of retries at every free slot; a call that waited for its slot checks once more, on waking,
  that no 429 paused the budget meanwhile.
* **Correction.** The answer's ``usage.total_tokens`` (a stream's final usage too) replaces the
  estimate. ``X-Ratelimit-Remaining-Tokens`` on a success tightens the shared bucket to the
  server's count (never loosens it: the server has not yet seen the calls still in flight);
  ``X-Ratelimit-Remaining-Requests: 0`` holds the next request back one slot.
* **429.** A 429 pauses the whole budget, for ``Retry-After`` when the server sent one, else
  for the retry loop's own backoff: one worker's 429 is the fleet's signal, so it does not
  stampede. A request that failed with an HTTP error status gets its token charge back.
* **Timeout.** A call never waits past its timeout for a budget. A request wait is exact, so one
  longer than the timeout fails at once with a :class:`~grok_transport._errors.RateLimitError`
  (not retried) saying how long the wait would have been; a token wait shrinks as calls in
  flight are corrected, so it is looked at again every :data:`TOKEN_POLL` seconds and fails
  only at the deadline. A wait is logged once per call (logger ``grok_transport``, INFO).

Stores (:mod:`grok_transport._budget_store`): in-process by default, Redis when
``rate_limit_store="redis://…"`` or ``GROK_RATE_LIMIT_STORE`` is set, with one warning and the
process's share of the budget in process while Redis is unreachable. The budget's name in a store
is derived from the sha256 of (base URL, key, model), never the key itself.

xAI gets no client-side budget unless ``rate_limit_rpm`` or ``rate_limit_tpm`` is set (its limits
depend on the team's tier); Grok Inc keeps its documented 5-per-minute window. The Batch API does
not count against these limits, so ``/batches`` requests skip the budget.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from grok_transport._budget_rule import Rule
from grok_transport._budget_store import Store, check_store, local_store, store_for
from grok_transport._errors import GrokError, InvalidParameterError, RateLimitError

if TYPE_CHECKING:
    from grok_transport._answer import Answer

__all__ = [
    "CHARS_PER_TOKEN",
    "IMAGE_TOKENS",
    "DEFAULT_COMPLETION_ALLOWANCE",
    "TOKEN_POLL",
    "LATE",
    "Budgets",
    "Spend",
    "NO_SPEND",
    "budget_name",
    "estimate_tokens",
]

log = logging.getLogger("grok_transport")

CHARS_PER_TOKEN = 3
"""Characters per token in the prompt estimate: fewer than English's ~4, so the estimate errs high
(corrected from usage once the answer arrives)."""
IMAGE_TOKENS = 1_792
"""Tokens charged per image in the prompt estimate (a large image's tile count)."""
DEFAULT_COMPLETION_ALLOWANCE = 4_096
"""Completion tokens charged before sending when the request sets no maximum."""
LATE = 0.25
"""Seconds a call may wake after its reserved slot and still use it."""
TOKEN_POLL = 0.25
"""Seconds between two looks at a token budget that is short: corrections free tokens early."""
_MESSAGE_TOKENS = 4  # a message's role and framing
_MIN_POLL = 0.005
_DEFAULT_PAUSE = 1.0
_CHAT_PATHS = ("/chat/completions", "/responses")
_MODEL_FREE = ""


def budget_name(base_url: str, api_key: str, model: str) -> str:
    """The budget's name in a store: a hash of (base URL, key, model), never the key itself.

    The hash is a Redis Cluster hash tag, so a budget's keys live on one node.
    """
    return _name_of(hashlib.sha256(f"{base_url}\n{api_key}\n{model}".encode()).hexdigest())


def _name_of(digest: str) -> str:
    return f"grok-budget:{{{digest[:32]}}}"


def _chars(value: Any) -> tuple[int, int]:
    """(characters of text, images) in a request body's value."""
    if isinstance(value, str):
        return (0, 1) if value.startswith("data:") else (len(value), 0)
    chars = images = 0
    if isinstance(value, Mapping):
        value = value.values()
    elif not isinstance(value, list):
        return 0, 0
    for item in value:
        more, more_images = _chars(item)
        chars += more
        images += more_images
    return chars, images


def estimate_tokens(body: Any) -> int:
    """Tokens a chat or Responses request may consume: the prompt, estimated, plus the completion allowance.

    Every string in the messages, input, instructions and tools counts (at :data:`CHARS_PER_TOKEN`),
    plus :data:`_MESSAGE_TOKENS` per message for its role and framing; a ``data:`` URL counts as
    one image; an image by URL counts its URL's characters only (the server's usage corrects it).
    Plain-text messages, the common case, take a fast path: this runs before every call.
    """
    if not isinstance(body, Mapping):
        return 0
    chars = images = 0
    messages = body.get("messages")
    if isinstance(messages, list):
        for message in messages:
            content = message.get("content") if isinstance(message, Mapping) else None
            if isinstance(content, str) and not content.startswith("data:") and len(message) <= 2:
                chars += len(content)  # {"role", "content"}: nothing else to walk
            else:
                more, more_images = _chars(message)
                chars, images = chars + more, images + more_images
        chars += len(messages) * _MESSAGE_TOKENS * CHARS_PER_TOKEN
    for key in ("input", "instructions", "tools"):
        value = body.get(key)
        if value is not None:
            more, more_images = _chars(value)
            chars, images = chars + more, images + more_images
    allowance = body.get("max_completion_tokens") or body.get("max_tokens") or body.get("max_output_tokens")
    if not isinstance(allowance, int):
        allowance = DEFAULT_COMPLETION_ALLOWANCE
    return -(-chars // CHARS_PER_TOKEN) + images * IMAGE_TOKENS + allowance


def _header_int(headers: Mapping[str, str] | None, name: str) -> int:
    """A rate-limit header as an int (they reach 2^64-1), -1 when absent or not a number."""
    value = headers.get(name) if headers else None
    if value is None:
        return -1
    try:
        return int(value)
    except ValueError:
        return -1


def _usage_total(payload: Any) -> int | None:
    usage = payload.get("usage") if isinstance(payload, Mapping) else None
    total = usage.get("total_tokens") if isinstance(usage, Mapping) else None
    return total if isinstance(total, int) else None


class Budgets:
    """A client's budgets: which rule applies to a request, and under which name.

    ``rpm``/``tpm`` ``None`` mean no limit on that axis; with neither, :meth:`spend` is free.
    ``window`` (Grok Inc's documented limit) makes the requests limit one plain minute per key,
    whatever the model; otherwise each model has its own budget.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        rpm: int | None,
        tpm: int | None,
        window: bool,
        store: str | None,
    ) -> None:
        for name, value in (("rate_limit_rpm", rpm), ("rate_limit_tpm", tpm)):
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise InvalidParameterError(f"{name} must be a whole number ≥ 0 (0: no limit); got {value!r}")
        self.rule = Rule(rpm or None, tpm or None, window)
        self.active = bool(self.rule.rpm or self.rule.tpm)
        if store is not None:
            check_store(store)  # a typo is reported even while no limit is set
        self.store: Store = store_for(store) if self.active else local_store()
        self._hash = hashlib.sha256(f"{base_url}\n{api_key}\n".encode())  # the key itself is not kept
        self._names: dict[str, str] = {}

    def spend(self, path: str, body: Any) -> Spend:
        """The budget a request to ``path`` with ``body`` is charged to (:data:`NO_SPEND` if none)."""
        if not self.active or path.startswith("/batches"):
            return NO_SPEND
        model = body.get("model") if isinstance(body, Mapping) and not self.rule.window else None
        model = model if isinstance(model, str) else _MODEL_FREE
        name = self._names.get(model)
        if name is None:
            digest = self._hash.copy()
            digest.update(model.encode())
            name = self._names[model] = _name_of(digest.hexdigest())
        tokens = estimate_tokens(body) if self.rule.tpm and path in _CHAT_PATHS else 0
        return Spend(self, name, tokens)


class Spend:
    """One call's charge: admitted before each attempt, corrected or refunded after it."""

    __slots__ = ("budgets", "name", "tokens", "charged", "logged")

    def __init__(self, budgets: Budgets | None, name: str, tokens: int) -> None:
        self.budgets = budgets
        self.name = name
        self.tokens = tokens
        self.charged = 0
        self.logged = False

    # admission --------------------------------------------------------------------------------

    def _decide(self, admitted: bool, wait_ms: float, deadline: float | None, timeout: float | None) -> float:
        """Seconds to sleep before the slot (admitted) or before asking again; raises past the deadline.

        A request wait is exact, so one longer than what is left of the timeout fails at once. A
        token wait only shrinks as calls in flight are corrected from their usage, so it is
        asked again every :data:`TOKEN_POLL` seconds until the deadline.
        """
        assert self.budgets is not None
        rule = self.budgets.rule
        wait = wait_ms / 1000.0
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and wait > left and (admitted or not rule.tpm or left <= 0):
            limits = " and ".join(
                part
                for part in (
                    f"{rule.rpm} requests per minute" if rule.rpm else "",
                    f"{rule.tpm:,} tokens per minute" if rule.tpm else "",
                )
                if part
            )
            raise RateLimitError(
                f"client-side rate budget of {limits}: the next slot is free in {wait:.1f} s, "
                f"longer than the {timeout:g} s timeout",
                retry_after=wait,
                retryable=False,  # waiting is exactly what the timeout forbids
            )
        if admitted:
            return wait
        if not self.logged:
            self.logged = True
            log.info("rate budget reached; waiting about %.1f s for a free slot", wait)
        sleep = max(_MIN_POLL, wait - rule.horizon_ms / 1000.0 * random.random())
        if rule.tpm:
            sleep = min(sleep, TOKEN_POLL)
        return sleep if left is None else min(sleep, left)

    def _stale(self, due: float) -> bool:
        """Whether the call woke too long after its slot to use it.

        A stalled process or event loop that sent now would bunch the call with the slots after
        it, a burst at the server; the call queues again instead.
        """
        late = time.monotonic() - due
        if late > LATE:
            log.info("woke %.2f s after a reserved slot; queueing again so as not to burst", late)
            return True
        return False

    def admit(self, timeout: float | None) -> None:
        """Block until this call's slot comes, for at most ``timeout`` seconds (None: no bound)."""
        if self.budgets is None:
            return
        store, rule = self.budgets.store, self.budgets.rule
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            admitted, wait_ms = store.admit(self.name, rule, self.tokens)
            if admitted:
                self.charged = self.tokens
                if wait_ms <= 0:  # the common case: nothing to wait for, nothing to check
                    return
            try:
                sleep = self._decide(admitted, wait_ms, deadline, timeout)
            except RateLimitError:
                if admitted:
                    self.refund()
                raise
            if sleep > 0:
                woke = time.monotonic() + sleep
                time.sleep(sleep)
                if admitted and self._stale(woke):
                    self.refund()
                    continue
            if admitted and (sleep == 0 or store.paused(self.name) <= 0):
                return
            if admitted:
                self.refund()  # a 429 paused the budget while this call waited: queue again behind it

    async def aadmit(self, timeout: float | None) -> None:
        """Async twin of :meth:`admit`."""
        if self.budgets is None:
            return
        store, rule = self.budgets.store, self.budgets.rule
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            admitted, wait_ms = await store.aadmit(self.name, rule, self.tokens)
            if admitted:
                self.charged = self.tokens
                if wait_ms <= 0:
                    return
            try:
                sleep = self._decide(admitted, wait_ms, deadline, timeout)
            except RateLimitError:
                if admitted:
                    await self.arefund()
                raise
            if sleep > 0:
                woke = time.monotonic() + sleep
                await asyncio.sleep(sleep)
                if admitted and self._stale(woke):
                    await self.arefund()
                    continue
            if admitted and (sleep == 0 or await store.apaused(self.name) <= 0):
                return
            if admitted:
                await self.arefund()

    # outcome ----------------------------------------------------------------------------------

    def _settlement(
        self, headers: Mapping[str, str] | None, total: int | None
    ) -> tuple[int, int, int] | None:
        """(token correction, tokens left, requests left) to send, or None if nothing to say.

        The two ``X-Ratelimit-Remaining-*`` headers are read directly (-1 when absent): this
        runs on every answer.
        """
        assert self.budgets is not None
        requests_left = _header_int(headers, "x-ratelimit-remaining-requests")
        if not self.budgets.rule.tpm:
            return (0, -1, 0) if requests_left == 0 else None
        correction = total - self.charged if total is not None and self.charged else 0
        if total is not None:
            self.charged = 0
        tokens_left = _header_int(headers, "x-ratelimit-remaining-tokens")
        if correction == 0 and tokens_left < 0 and requests_left != 0:
            return None
        return correction, tokens_left, requests_left

    def done(
        self, headers: Mapping[str, str] | None, payload: Any = None, *, total: int | None = None
    ) -> None:
        """A success: correct the charge from the answer's usage and sync from its headers."""
        if self.budgets is None:
            return
        settlement = self._settlement(headers, total if total is not None else _usage_total(payload))
        if settlement is not None:
            self.budgets.store.settle(self.name, self.budgets.rule, *settlement)

    async def adone(
        self, headers: Mapping[str, str] | None, payload: Any = None, *, total: int | None = None
    ) -> None:
        """Async twin of :meth:`done`."""
        if self.budgets is None:
            return
        settlement = self._settlement(headers, total if total is not None else _usage_total(payload))
        if settlement is not None:
            await self.budgets.store.asettle(self.name, self.budgets.rule, *settlement)

    def ended(self, headers: Mapping[str, str]) -> Callable[[Answer], None] | None:
        """What a stream calls with its whole answer: :meth:`done` from the final usage."""
        if self.budgets is None:
            return None
        return lambda answer: self.done(headers, total=answer.usage.total_tokens if answer.usage else None)

    def aended(self, headers: Mapping[str, str]) -> Callable[[Answer], Awaitable[None]] | None:
        """Async twin of :meth:`ended`."""
        if self.budgets is None:
            return None
        return lambda answer: self.adone(headers, total=answer.usage.total_tokens if answer.usage else None)

    def _pause(self, error: GrokError, delay: float | None) -> float | None:
        if isinstance(error, RateLimitError) and error.status_code == 429:
            return error.retry_after or delay or _DEFAULT_PAUSE
        return None

    def failed(self, error: GrokError, delay: float | None) -> None:
        """A failed attempt: a 429 pauses the whole budget; an HTTP error status refunds the tokens.

        ``delay`` is the retry loop's wait before the next attempt: the pause when the server
        gave no ``Retry-After``.
        """
        if self.budgets is None:
            return
        pause = self._pause(error, delay)
        if pause is not None:
            self.budgets.store.pause(self.name, self.budgets.rule, pause)
        if error.status_code is not None:
            self.refund()

    async def afailed(self, error: GrokError, delay: float | None) -> None:
        """Async twin of :meth:`failed`."""
        if self.budgets is None:
            return
        pause = self._pause(error, delay)
        if pause is not None:
            await self.budgets.store.apause(self.name, self.budgets.rule, pause)
        if error.status_code is not None:
            await self.arefund()

    def refund(self) -> None:
        """Give the tokens charged for this attempt back (it consumed none)."""
        if self.budgets is not None and self.charged and self.budgets.rule.tpm:
            charged, self.charged = self.charged, 0
            self.budgets.store.settle(self.name, self.budgets.rule, -charged, -1, -1)

    async def arefund(self) -> None:
        """Async twin of :meth:`refund`."""
        if self.budgets is not None and self.charged and self.budgets.rule.tpm:
            charged, self.charged = self.charged, 0
            await self.budgets.store.asettle(self.name, self.budgets.rule, -charged, -1, -1)


NO_SPEND = Spend(None, "", 0)
"""The charge of a request no budget applies to: every method returns at once."""
