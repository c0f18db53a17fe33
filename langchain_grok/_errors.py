"""Errors that are both ``grok_transport`` errors and LangChain's standard model errors.

LangChain 1.x code catches ``langchain_core.exceptions.ModelRateLimitError`` and friends whatever
the provider; code written against this project catches ``grok_transport.RateLimitError``. Each
class here inherits from both, so either ``except`` clause works, and ``is_retryable`` agrees with
the transport's own ``retryable`` (which the transport's retry loop already acted on).

Mapping notes, where the two vocabularies do not line up one to one:

* :class:`InsufficientCreditsError` is a ``ModelPermissionDeniedError``: xAI itself words exhausted
  credits as a 403 "permission denied", and it is not retryable (unlike a rate limit).
* :class:`ContextLengthExceededError` is both a ``ModelInvalidRequestError`` (it is a 400) and a
  ``ContextOverflowError`` (so summarisation middleware can react to it).
* :class:`StreamInterruptedError` is a ``ModelConnectionError`` whose ``is_retryable`` is False, as
  in the transport: the answer may already have been billed and partly shown; ``partial`` holds it.
* :class:`MissingAPIKeyError` and :class:`InvalidParameterError` are raised before any request;
  they stay ``ValueError`` as in the transport.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from langchain_core.exceptions import (
    ContextOverflowError,
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelPermissionDeniedError,
    ModelRateLimitError,
    ModelTimeoutError,
)

import grok_transport.errors as t

__all__ = [
    "GrokError",
    "MissingAPIKeyError",
    "InvalidParameterError",
    "AuthenticationError",
    "PermissionDeniedError",
    "InsufficientCreditsError",
    "NotFoundError",
    "BadRequestError",
    "ContextLengthExceededError",
    "UnprocessableEntityError",
    "RateLimitError",
    "ServerError",
    "APIConnectionError",
    "APITimeoutError",
    "StreamInterruptedError",
    "as_langchain_error",
    "translated_errors",
]


class GrokError(t.GrokError, ModelError):
    """Base of every dual below: a ``grok_transport.GrokError`` that is a LangChain ``ModelError``."""

    is_retryable = t.GrokError.retryable


class MissingAPIKeyError(t.MissingAPIKeyError, GrokError, ModelAuthenticationError):
    """No API key was given or found in the environment (raised at construction)."""

    is_retryable = False


class InvalidParameterError(t.InvalidParameterError, GrokError, ModelInvalidRequestError):
    """A parameter no Grok model accepts (raised before any request)."""

    is_retryable = False


class AuthenticationError(t.AuthenticationError, GrokError, ModelAuthenticationError):
    """The key is missing, malformed or wrong (xAI answers this with a 400)."""

    is_retryable = False


class PermissionDeniedError(t.PermissionDeniedError, GrokError, ModelPermissionDeniedError):
    """The key may not use this model or endpoint (403)."""

    is_retryable = False


class InsufficientCreditsError(t.InsufficientCreditsError, GrokError, ModelPermissionDeniedError):
    """The account has no credits left (402 on grokapi.io, 403/429 with a credits message on xAI)."""

    is_retryable = False


class NotFoundError(t.NotFoundError, GrokError, ModelNotFoundError):
    """Unknown or retired model, or a wrong URL (404)."""

    is_retryable = False


class BadRequestError(t.BadRequestError, GrokError, ModelInvalidRequestError):
    """The server rejected the request's content (400, 405, 410, 415)."""

    is_retryable = False


class ContextLengthExceededError(t.ContextLengthExceededError, BadRequestError, ContextOverflowError):
    """The prompt is longer than the model's context window."""

    is_retryable = False


class UnprocessableEntityError(t.UnprocessableEntityError, BadRequestError):
    """The body did not deserialize on the server (422)."""

    is_retryable = False


class RateLimitError(t.RateLimitError, GrokError, ModelRateLimitError):
    """Too many requests (429); ``retry_after`` is the server's hint in seconds, if any."""

    is_retryable = True


class ServerError(t.ServerError, GrokError, ModelAPIError):
    """The server failed (5xx, or an error object inside a 200 answer or a stream)."""

    is_retryable = True


class APIConnectionError(t.APIConnectionError, GrokError, ModelConnectionError):
    """No HTTP answer at all (DNS, refused, reset)."""

    is_retryable = True


class APITimeoutError(t.APITimeoutError, APIConnectionError, ModelTimeoutError):
    """The request timed out."""

    is_retryable = True


class StreamInterruptedError(t.StreamInterruptedError, APIConnectionError):
    """A stream broke before it finished; ``partial`` holds what had arrived."""

    is_retryable = False


_DUALS: dict[type[t.GrokError], type[t.GrokError]] = {
    t.GrokError: GrokError,
    t.MissingAPIKeyError: MissingAPIKeyError,
    t.InvalidParameterError: InvalidParameterError,
    t.AuthenticationError: AuthenticationError,
    t.PermissionDeniedError: PermissionDeniedError,
    t.InsufficientCreditsError: InsufficientCreditsError,
    t.NotFoundError: NotFoundError,
    t.BadRequestError: BadRequestError,
    t.ContextLengthExceededError: ContextLengthExceededError,
    t.UnprocessableEntityError: UnprocessableEntityError,
    t.RateLimitError: RateLimitError,
    t.ServerError: ServerError,
    t.APIConnectionError: APIConnectionError,
    t.APITimeoutError: APITimeoutError,
    t.StreamInterruptedError: StreamInterruptedError,
}


def as_langchain_error(error: t.GrokError) -> t.GrokError:
    """The same error (message, status, body, request id, partial…) as its dual class."""
    if isinstance(error, ModelError):
        return error
    dual = next(_DUALS[cls] for cls in type(error).__mro__ if cls in _DUALS)
    twin = dual.__new__(dual)
    twin.__dict__.update(error.__dict__)
    twin.args = error.args
    return twin


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise any transport error raised inside the block as its LangChain dual."""
    try:
        yield
    except t.GrokError as error:
        raise as_langchain_error(error).with_traceback(error.__traceback__) from None
