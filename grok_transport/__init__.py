"""Everything about talking to a Grok-compatible HTTP API, once.

``GrokClient`` / ``AsyncGrokClient`` speak to xAI, Grok Inc, grokapi.io or any OpenAI-compatible
Grok proxy; the errors below are what they raise. The local test server lives in
:mod:`grok_transport.testing` and is imported only when asked for.
"""

from grok_transport._batch import BatchItemError, BatchStatus, BatchSubmitError, GrokBatchJob
from grok_transport._version import __version__
from grok_transport.catalogue import ModelInfo, lookup
from grok_transport.client import AsyncGrokClient, GrokClient
from grok_transport.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    GrokError,
    InsufficientCreditsError,
    InvalidParameterError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    UnprocessableEntityError,
)
from grok_transport.images import GeneratedImage, ImageResult
from grok_transport.params import UnsupportedParameterWarning
from grok_transport.providers import PROVIDERS, Connection, Provider, resolve_connection
from grok_transport.ratelimit import RateLimitInfo
from grok_transport.stream import AsyncChatStream, ChatAccumulator, ChatStream
from grok_transport.wire import ChatCompletion, ChatCompletionChunk, ToolCall, Usage

__all__ = [
    "__version__",
    "GrokClient",
    "AsyncGrokClient",
    "GrokBatchJob",
    "BatchStatus",
    "ChatStream",
    "AsyncChatStream",
    "ChatAccumulator",
    "ChatCompletion",
    "ChatCompletionChunk",
    "ToolCall",
    "Usage",
    "GeneratedImage",
    "ImageResult",
    "RateLimitInfo",
    "ModelInfo",
    "lookup",
    "Provider",
    "PROVIDERS",
    "Connection",
    "resolve_connection",
    "UnsupportedParameterWarning",
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
    "BatchItemError",
    "BatchSubmitError",
]
