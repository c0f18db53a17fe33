"""Errors that are both ``grok_transport`` errors and LangChain's standard model errors.

LangChain 1.x code catches ``langchain_core.exceptions.ModelRateLimitError`` and friends whatever
the provider; code written against this project catches ``grok_transport.RateLimitError``. So
every error ChatGrok raises is an instance of a *dual* class that inherits from both, and either
``except`` clause works.

The duals are made here from the transport's own list of errors (``grok_transport.__all__``), so
a new transport error gets its dual without an edit: it inherits the LangChain class of its
transport base. :data:`_STANDARD` says only which LangChain class each transport error adds,
where the two vocabularies meet:

* ``InsufficientCreditsError`` is a ``ModelPermissionDeniedError``: xAI itself words exhausted
  credits as a 403 "permission denied", and it is not retryable (unlike a rate limit).
* ``ContextLengthExceededError`` is a ``ModelInvalidRequestError`` (through ``BadRequestError``:
  it is a 400) and a ``ContextOverflowError``, so summarisation middleware can react to it.
* ``StreamInterruptedError`` is a ``ModelConnectionError`` (through ``APIConnectionError``) that
  is not retryable: the answer may already have been billed and partly shown; ``partial`` holds it.
* ``MissingAPIKeyError`` and ``InvalidParameterError`` are raised before any request and stay
  ``ValueError`` subclasses, as in the transport.

``is_retryable`` (LangChain's name) is the transport's ``retryable``, which the transport's retry
loop has already acted on. The duals live at ``langchain_grok.<Name>`` (their ``__module__``), so
tracebacks show a public path and a pickled error unpickles.
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

import grok_transport
from grok_transport import GrokError

__all__ = ["ERRORS", "as_langchain_error", "translated_errors"]

_STANDARD: dict[type[GrokError], type[ModelError]] = {
    grok_transport.GrokError: ModelError,
    grok_transport.MissingAPIKeyError: ModelAuthenticationError,
    grok_transport.InvalidParameterError: ModelInvalidRequestError,
    grok_transport.AuthenticationError: ModelAuthenticationError,
    grok_transport.PermissionDeniedError: ModelPermissionDeniedError,
    grok_transport.InsufficientCreditsError: ModelPermissionDeniedError,
    grok_transport.NotFoundError: ModelNotFoundError,
    grok_transport.BadRequestError: ModelInvalidRequestError,
    grok_transport.ContextLengthExceededError: ContextOverflowError,
    grok_transport.RateLimitError: ModelRateLimitError,
    grok_transport.ServerError: ModelAPIError,
    grok_transport.UnexpectedResponseError: ModelAPIError,
    grok_transport.APIConnectionError: ModelConnectionError,
    grok_transport.APITimeoutError: ModelTimeoutError,
}
"""The LangChain class each transport error adds to what its transport base already brings."""

_DUALS: dict[type[GrokError], type[GrokError]] = {}


def _dual(error_class: type[GrokError]) -> type[GrokError]:
    """The class that is ``error_class`` and its LangChain counterpart (made once)."""
    dual = _DUALS.get(error_class)
    if dual is None:
        bases: list[type[Exception]] = [
            _dual(base) for base in error_class.__bases__ if issubclass(base, GrokError)
        ]
        standard = _STANDARD.get(error_class)
        if standard is not None and not any(issubclass(base, standard) for base in bases):
            bases.append(standard)
        namespace = {
            "__module__": "langchain_grok",
            "__qualname__": error_class.__name__,
            "__doc__": error_class.__doc__,
            "is_retryable": error_class.retryable,
        }
        dual = _DUALS[error_class] = type(error_class.__name__, (error_class, *bases), namespace)
    return dual


ERRORS: dict[str, type[GrokError]] = {
    name: _dual(value)
    for name in grok_transport.__all__
    if isinstance(value := getattr(grok_transport, name), type) and issubclass(value, GrokError)
}
"""Every transport error's dual, by name: what ``langchain_grok`` exports."""


def as_langchain_error(error: GrokError) -> GrokError:
    """The same error (message, status, body, request id, partial…) as its dual class."""
    if isinstance(error, ModelError):
        return error
    dual = _dual(type(error))
    twin = dual.__new__(dual)
    twin.__dict__.update(error.__dict__)
    twin.args = error.args
    return twin


@contextmanager
def translated_errors() -> Iterator[None]:
    """Re-raise any transport error raised inside the block as its LangChain dual."""
    try:
        yield
    except GrokError as error:
        raise as_langchain_error(error).with_traceback(error.__traceback__) from None
