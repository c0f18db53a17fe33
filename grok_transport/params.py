"""Building a chat-completions request body that the server will accept.

Both adapters send their requests through :func:`build_chat_body`, so these rules hold for every
user whatever framework they come from:

* Only parameters the user set are sent: ``None`` means "not set" and is omitted.
* Parameters the model is known to reject (WIRE_FACTS §2, §6: ``reasoning_effort``, ``stop``,
  ``presence_penalty``, ``frequency_penalty``) are dropped with an
  :class:`UnsupportedParameterWarning` instead of costing a round trip and a 400.
* Values that cannot be right are refused before the network with
  :class:`~grok_transport.errors.InvalidParameterError`.
* An assistant message whose ``content`` is ``None`` is sent with ``""`` (xAI rejects ``null``;
  langchain#34140).
* Streams ask for usage (``stream_options.include_usage``) unless the caller turns it off,
  because xAI sends usage only then, in a final ``choices: []`` chunk.
* For a provider that accepts only ``user``/``assistant`` (Grok Inc), system messages are folded
  into the first user turn by :func:`~grok_transport.providers.fold_system_messages`.
* ``extra_body`` is merged last, so a user can always send what this module does not know.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

from grok_transport.catalogue import lookup
from grok_transport.errors import InvalidParameterError
from grok_transport.providers import Provider, fold_system_messages

__all__ = ["UnsupportedParameterWarning", "build_chat_body", "check_params", "REASONING_EFFORTS"]

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


def _drop_rejected(model: str, provider: str, params: dict[str, Any]) -> None:
    info = lookup(model, provider)
    for name in info.rejected_params & params.keys():
        del params[name]
        warnings.warn(
            f"{model} does not accept {name!r}; it was not sent.",
            UnsupportedParameterWarning,
            stacklevel=4,
        )
    effort = params.get("reasoning_effort")
    if effort is not None and info.reasoning_effort_levels and (effort not in info.reasoning_effort_levels):
        raise InvalidParameterError(
            f"{model} accepts reasoning_effort "
            f"{' or '.join(map(repr, info.reasoning_effort_levels))}, not {effort!r}."
        )


def _normalize_messages(messages: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for message in messages:
        if message.get("role") == "assistant" and message.get("content") is None:
            message = {**message, "content": ""}
        out.append(message if isinstance(message, dict) else dict(message))
    return out


def build_chat_body(
    *,
    provider: Provider,
    model: str,
    messages: Sequence[Mapping[str, Any]],
    stream: bool = False,
    stream_usage: bool | None = None,
    extra_body: Mapping[str, Any] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """The JSON body for ``POST /chat/completions``.

    ``params`` are API parameters by their wire names (``temperature``, ``tools``,
    ``tool_choice``, ``response_format``, ``reasoning_effort``, …); ``None`` values are omitted.
    The key order is fixed (model, messages, stream, then parameters sorted by name) so that
    recorded cassettes match byte for byte.
    """
    if not messages:
        raise InvalidParameterError("messages must not be empty.")
    chosen = {k: v for k, v in params.items() if v is not None}
    if chosen.get("stop") == []:  # an empty stop list is "no stop", not a parameter to send
        del chosen["stop"]
    check_params(chosen)
    _drop_rejected(model, provider.name, chosen)
    wire_messages = _normalize_messages(messages)
    if provider.user_assistant_only:
        wire_messages = fold_system_messages(wire_messages)
    body: dict[str, Any] = {"model": model, "messages": wire_messages}
    if stream:
        body["stream"] = True
        if provider.stream_usage if stream_usage is None else stream_usage:
            body["stream_options"] = {"include_usage": True}
    for name in sorted(chosen):
        body[name] = chosen[name]
    if extra_body:
        body.update(extra_body)
    return body
