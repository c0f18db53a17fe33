"""One way to wait for a job on the server: a video, a batch, a deferred completion, an indexing.

Every job-shaped endpoint is polled the same way: look, and if the job is not over, wait and look
again. The first wait is :data:`FIRST_WAIT` and each one after it is :data:`BACKOFF` times longer
until it reaches ``interval``: a short job (a deferred completion, a small batch, any job on the
local server) is picked up within about a second, and a long one costs only a handful of extra
looks before settling into the interval. From there the wait grows by :data:`BACKOFF` each time
the job's status is unchanged (a queued batch can sit for hours), never past ``max_interval``; any
change keeps the interval, so a job that is moving is picked up quickly. A ``timeout`` (seconds,
``None`` for none) ends the wait with the error ``timed_out`` builds from the last status (for a job,
:func:`job_schedule`'s :class:`~grok_transport.JobTimeoutError`), while the job runs on at the
server and can be waited for again by its id. An ``interval`` of 0 polls back to back
(a recorded job replayed in a test); a negative one is refused before the first look.

The schedule is :class:`Schedule`, shared by :func:`poll` and :func:`apoll`, so the sync and async
loops cannot drift apart.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from grok_transport._errors import InvalidParameterError, JobTimeoutError

__all__ = ["BACKOFF", "FIRST_WAIT", "Schedule", "apoll", "job_schedule", "poll"]

BACKOFF = 1.5
"""How much longer each wait is than the last while warming up, and while nothing changes."""

FIRST_WAIT = 0.25
"""Seconds before the second look at a job, unless its ``interval`` is shorter."""

_S = TypeVar("_S")


class Schedule(Generic[_S]):
    """When to look again and when to give up, for one wait."""

    def __init__(
        self,
        *,
        interval: float,
        max_interval: float,
        timeout: float | None,
        timed_out: Callable[[_S, float], Exception],
    ) -> None:
        if interval < 0 or (timeout is not None and timeout < 0):
            raise InvalidParameterError("poll_interval and timeout must be >= 0 (timeout may be None).")
        self.interval = interval
        self.wait = min(FIRST_WAIT, interval)
        self.ceiling = max(interval, max_interval)
        self.timeout = timeout
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.timed_out = timed_out
        self.last: _S | None = None

    def next_delay(self, status: _S) -> float:
        """Seconds until the next look at a job that is not over; raises once the time is up."""
        now = time.monotonic()
        if self.deadline is not None and now >= self.deadline:
            raise self.timed_out(status, self.timeout or 0.0)
        if self.last is not None:
            if self.wait < self.interval:  # warming up: every look waits longer, up to the interval
                self.wait = min(self.wait * BACKOFF, self.interval)
            elif self.last == status:  # nothing moved: back off, up to the ceiling
                self.wait = min(self.wait * BACKOFF, self.ceiling)
        self.last = status
        return self.wait if self.deadline is None else min(self.wait, self.deadline - now)


def job_schedule(
    job_id: str,
    message: Callable[[_S, float], str],
    *,
    interval: float,
    max_interval: float,
    timeout: float | None,
) -> Schedule[_S]:
    """The schedule of a wait on a server-side job: it ends in a :class:`JobTimeoutError`.

    The error carries ``job_id`` and the last status seen, so the caller can wait again later
    (the job runs on at the server); ``message(last_status, seconds_waited)`` says what was still
    running and how to pick it up.
    """

    def timed_out(status: _S, waited: float) -> Exception:
        return JobTimeoutError(message(status, waited), job_id=job_id, last_status=status)

    return Schedule(interval=interval, max_interval=max_interval, timeout=timeout, timed_out=timed_out)


def poll(
    fetch: Callable[[], _S],
    done: Callable[[_S], bool],
    schedule: Schedule[_S],
    on_status: Callable[[_S], None] | None = None,
) -> _S:
    """Call ``fetch`` until ``done`` says the job is over; return that last status."""
    while True:
        status = fetch()
        if on_status is not None:
            on_status(status)
        if done(status):
            return status
        time.sleep(schedule.next_delay(status))


async def apoll(
    fetch: Callable[[], Awaitable[_S]],
    done: Callable[[_S], bool],
    schedule: Schedule[_S],
    on_status: Callable[[_S], None] | None = None,
) -> _S:
    """Async twin of :func:`poll`."""
    while True:
        status = await fetch()
        if on_status is not None:
            on_status(status)
        if done(status):
            return status
        await asyncio.sleep(schedule.next_delay(status))
