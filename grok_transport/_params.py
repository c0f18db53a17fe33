"""The API parameters, declared once, and the hygiene every request's parameters go through.

:data:`PARAMETERS` is the registry: each sampling and reasoning parameter's name, type, range,
the model groups that reject it (the catalogue places each model in its groups), its name on the
Responses API, and the one-line description both adapters show. ``ChatGrok``'s and ``Grok``'s
fields, their validation (:func:`check_params`, the same :class:`InvalidParameterError` from
both), the catalogue's rejection sets and the plan's Responses-API renames all derive from it.
Adding a sampling parameter is one row here (and one typed field per adapter, which a test
demands).

Every call is planned by :func:`grok_transport.plan`, which runs :func:`chosen_params` first, so
these rules hold for both endpoints and both frameworks:

* Only parameters the user set are sent: ``None`` means "not set" and is omitted.
* Parameters the model is known to reject (``reasoning_effort``, ``stop``, ``presence_penalty``,
  ``frequency_penalty``; docs/wire.md, "Chat request" and "Reasoning") are dropped with an
  :class:`UnsupportedParameterWarning` instead of costing a round trip and a 400.
* Values that cannot be right are refused before the network with
  :class:`~grok_transport._errors.InvalidParameterError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from grok_transport._errors import InvalidParameterError
from grok_transport._warnings import warn_at_caller

if TYPE_CHECKING:
    from grok_transport._catalogue import ModelInfo

__all__ = [
    "PARAMETERS",
    "REASONING_EFFORTS",
    "Parameter",
    "UnsupportedParameterWarning",
    "check_params",
    "chosen_params",
    "rejected_by",
]

REASONING_EFFORTS = ("none", "low", "medium", "high", "xhigh")

ModelGroup = Literal["reasoning", "fixed-reasoning", "grok-3"]
"""Models that reject parameters alike (docs/wire.md, "Chat request" and "Reasoning"):
``reasoning`` models (grok-3-mini, grok-4.20…), ``fixed-reasoning`` ones that also take no
``reasoning_effort`` (grok-4, grok-4-fast…), and ``grok-3``."""


class UnsupportedParameterWarning(UserWarning):
    """A parameter was dropped because the model rejects it."""


@dataclass(frozen=True)
class Parameter:
    """One API parameter: what it is, which values no model takes, and who rejects it."""

    name: str
    kind: type
    description: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_items: int | None = None
    rejected_by: tuple[ModelGroup, ...] = ()
    responses_name: str | None = None
    """Its name on ``/v1/responses`` when that differs (``a.b``: nested as ``{"a": {"b": …}}``)."""
    aliases: tuple[str, ...] = ()
    """Other names a framework field accepts (LangChain's ``max_completion_tokens``…)."""

    def check(self, value: Any) -> None:
        """Refuse a value that no Grok model accepts (``None``, "not set", is always fine)."""
        if value is None:
            return
        if self.kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise InvalidParameterError(f"{self.name} must be a whole number, not {value!r}.")
        if self.kind is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise InvalidParameterError(f"{self.name} must be a number, not {value!r}.")
        if self.low is not None and self.high is not None and not self.low <= value <= self.high:
            raise InvalidParameterError(
                f"{self.name} must be between {self.low} and {self.high}, not {value!r}."
            )
        if self.low is not None and self.high is None and value < self.low:
            raise InvalidParameterError(f"{self.name} must be at least {self.low:g}, not {value!r}.")
        if self.choices and value not in self.choices:
            raise InvalidParameterError(
                f"{self.name} must be one of {', '.join(self.choices)}, not {value!r}."
            )
        if self.max_items is not None and not isinstance(value, str) and len(value) > self.max_items:
            raise InvalidParameterError(
                f"{self.name} takes at most {self.max_items} values, not {len(value)}."
            )


_REASONING: tuple[ModelGroup, ...] = ("reasoning", "fixed-reasoning")

PARAMETERS: tuple[Parameter, ...] = (
    Parameter("temperature", float, "Sampling temperature, 0-2.", low=0.0, high=2.0),
    Parameter(
        "max_tokens",
        int,
        "The most visible output tokens (xAI does not count reasoning).",
        low=1,
        responses_name="max_output_tokens",
        aliases=("max_completion_tokens",),
    ),
    Parameter("top_p", float, "Nucleus sampling, 0-1.", low=0.0, high=1.0),
    Parameter(
        "frequency_penalty",
        float,
        "-2..2; reasoning models reject it, so it is dropped for them.",
        low=-2.0,
        high=2.0,
        rejected_by=_REASONING,
    ),
    Parameter(
        "presence_penalty",
        float,
        "-2..2; reasoning models and grok-3 reject it, so it is dropped for them.",
        low=-2.0,
        high=2.0,
        rejected_by=(*_REASONING, "grok-3"),
    ),
    Parameter(
        "stop",
        list,
        "Up to four stop sequences; reasoning models reject them, so they are dropped for them.",
        max_items=4,
        rejected_by=_REASONING,
        aliases=("stop_sequences",),
    ),
    Parameter("seed", int, "Best-effort determinism; compare system_fingerprint."),
    Parameter(
        "reasoning_effort",
        str,
        "none/low/medium/high/xhigh, for models that take it (checked against the model's levels).",
        choices=REASONING_EFFORTS,
        rejected_by=("fixed-reasoning", "grok-3"),
        responses_name="reasoning.effort",
    ),
    Parameter("logprobs", bool, "Return log probabilities (ignored by grok-4.20 and newer)."),
    Parameter("top_logprobs", int, "Alternatives per token, 0-8 (needs logprobs).", low=0, high=8),
    Parameter("user", str, "End-user id for abuse monitoring."),
)
"""The sampling and reasoning parameters both chat models take as fields (in this order)."""

_EXTRA: tuple[Parameter, ...] = (
    Parameter("max_completion_tokens", int, "OpenAI's newer name for max_tokens.", low=1),
    Parameter("n", int, "Choices per request.", low=1),
)
"""Parameters checked when given per call, though no chat model has a field for them."""
_CHECKED = {p.name: p for p in (*PARAMETERS, *_EXTRA)}


def rejected_by(group: ModelGroup) -> frozenset[str]:
    """The parameters every model of ``group`` rejects: the catalogue's ``rejected_params``."""
    return frozenset(p.name for p in PARAMETERS if group in p.rejected_by)


def check_params(params: Mapping[str, Any]) -> None:
    """Refuse values that no Grok model accepts, before anything is sent."""
    for name, value in params.items():
        parameter = _CHECKED.get(name)
        if parameter is not None:
            parameter.check(value)


def _drop_rejected(model: str, info: ModelInfo, params: dict[str, Any]) -> None:
    for name in info.rejected_params & params.keys():
        del params[name]
        warn_at_caller(f"{model} does not accept {name!r}; it was not sent.", UnsupportedParameterWarning)
    effort = params.get("reasoning_effort")
    if effort is not None and info.reasoning_effort_levels and (effort not in info.reasoning_effort_levels):
        raise InvalidParameterError(
            f"{model} accepts reasoning_effort "
            f"{' or '.join(map(repr, info.reasoning_effort_levels))}, not {effort!r}."
        )


def chosen_params(model: str, info: ModelInfo, params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters to send: set ones only, checked, minus those ``model`` rejects (warned).

    ``info`` is ``lookup(model, provider)``, which the caller already holds.
    """
    chosen = {k: v for k, v in params.items() if v is not None}
    if chosen.get("stop") == []:  # an empty stop list is "no stop", not a parameter to send
        del chosen["stop"]
    check_params(chosen)
    _drop_rejected(model, info, chosen)
    return chosen
