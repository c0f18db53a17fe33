"""Parameter hygiene: the parameters a request may carry, whichever endpoint it goes to.

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
from typing import Any

from grok_transport._catalogue import ModelInfo
from grok_transport._errors import InvalidParameterError
from grok_transport._warnings import warn_at_caller

__all__ = ["UnsupportedParameterWarning", "chosen_params", "check_params", "REASONING_EFFORTS"]

REASONING_EFFORTS = ("none", "low", "medium", "high", "xhigh")


class UnsupportedParameterWarning(UserWarning):
    """A parameter was dropped because the model rejects it."""


_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "presence_penalty": (-2.0, 2.0),
    "frequency_penalty": (-2.0, 2.0),
    "top_logprobs": (0, 8),
}


def check_params(params: Mapping[str, Any]) -> None:
    """Refuse values that no Grok model accepts, before anything is sent."""
    for name, (low, high) in _RANGES.items():
        value = params.get(name)
        if value is not None and not (low <= value <= high):
            raise InvalidParameterError(f"{name} must be between {low} and {high}, not {value!r}.")
    for name in ("max_tokens", "max_completion_tokens", "n"):
        value = params.get(name)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise InvalidParameterError(f"{name} must be a positive integer, not {value!r}.")
    stop = params.get("stop")
    if stop is not None and not isinstance(stop, str) and len(stop) > 4:
        raise InvalidParameterError(f"stop takes at most 4 sequences, not {len(stop)}.")
    effort = params.get("reasoning_effort")
    if effort is not None and effort not in REASONING_EFFORTS:
        raise InvalidParameterError(
            f"reasoning_effort must be one of {', '.join(REASONING_EFFORTS)}, not {effort!r}."
        )


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
