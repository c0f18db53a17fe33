"""One budget's limits, in the figures both stores compute with.

:mod:`grok_transport._budget_store` keeps the state in this process, and
:mod:`grok_transport._budget_redis` on Redis; both read a :class:`Rule`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["HORIZON", "RPS_DIVISOR", "Rule"]

RPS_DIVISOR = 60.0
"""Requests per second = RPM ÷ this. xAI's text says ÷ 60; a later table implies about ÷ 48
(docs/wire.md, "Rate limits"), so it is one named constant."""
HORIZON = 1.0
"""Seconds ahead a spaced admission may reserve its slot."""


@dataclass(frozen=True)
class Rule:
    """One budget's limits: ``rpm`` spread (``window=False``) or in a plain minute, and ``tpm``."""

    rpm: int | None = None
    tpm: int | None = None
    window: bool = False
    interval_ms: float = field(init=False)
    """Milliseconds between two spaced requests (0: not spaced)."""
    window_limit: int = field(init=False)
    """Requests per plain 60-second window (0: no window)."""
    horizon_ms: float = field(init=False)
    """How far ahead an admission may reserve (a window admits only now)."""
    ms_per_token: float = field(init=False)
    """Milliseconds the token bucket takes to refill one token (0: no token limit)."""

    def __post_init__(self) -> None:  # computed once: every admission reads them
        spread = bool(self.rpm) and not self.window
        object.__setattr__(
            self, "interval_ms", 1000.0 * RPS_DIVISOR / self.rpm if spread and self.rpm else 0.0
        )
        object.__setattr__(self, "window_limit", self.rpm if self.rpm and self.window else 0)
        object.__setattr__(self, "horizon_ms", 0.0 if self.window else HORIZON * 1000.0)
        object.__setattr__(self, "ms_per_token", 60_000.0 / self.tpm if self.tpm else 0.0)
