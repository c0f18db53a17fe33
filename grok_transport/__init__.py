r"""Everything about talking to a Grok-compatible HTTP API, once.

``GrokClient`` / ``AsyncGrokClient`` speak to xAI, Grok Inc, grokapi.io or any OpenAI-compatible
Grok proxy. A chat turn is planned by :func:`plan` (endpoint, body, parameter hygiene) and
answered as one :class:`Answer` (or a stream of :class:`Delta`\\ s) whichever endpoint served it.

The names below are the contract: the adapters (``langchain_grok``, ``llama_index_grok``) and
users import from here; every other module is private. The local test server lives in
:mod:`grok_transport.testing` and is imported only when asked for.
"""

from types import FunctionType as _FunctionType

from grok_transport._answer import Answer, Citation, Delta, DeltaKind, ServerToolRun
from grok_transport._batch import BatchItemError, BatchStatus, BatchSubmitError, GrokBatchJob
from grok_transport._budget_store import RATE_LIMIT_STORE_ENV
from grok_transport._catalogue import DEFAULT_MODELS, ModelInfo, known_models, lookup
from grok_transport._client import DEFAULT_TIMEOUT, AsyncGrokClient, GrokClient
from grok_transport._collections import (
    DEFAULT_MANAGEMENT_BASE_URL,
    Collection,
    CollectionDocument,
    DocumentIndexingError,
    pick_collection,
)
from grok_transport._content import data_url, image_part
from grok_transport._deferred import DeferredResultLostError, DeferredResultNotFoundError, GrokDeferredJob
from grok_transport._documents import RetrievalMode, SearchMatch, collections_search_tool
from grok_transport._errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    FileTooLargeError,
    GrokError,
    InsufficientCreditsError,
    InvalidAPIKeyError,
    InvalidMessageError,
    InvalidParameterError,
    InvalidToolError,
    JobTimeoutError,
    MissingAPIKeyError,
    NotFoundError,
    PermissionDeniedError,
    PromptTooLongError,
    RateLimitError,
    ServerError,
    StreamInterruptedError,
    UnexpectedResponseError,
    UnprocessableEntityError,
    VideoGenerationError,
)
from grok_transport._factory import CLIENT_SETTINGS, ClientSettings, GrokClients, shown_setting
from grok_transport._files import FileObject
from grok_transport._images import (
    DEFAULT_EDIT_MODEL,
    DEFAULT_IMAGE_MODEL,
    GeneratedImage,
    ImageResult,
    image_url_from_model,
)
from grok_transport._keys import GeneratedKey, KeyInfo
from grok_transport._listing import ModelCard
from grok_transport._mcp import McpTool, mcp_tool
from grok_transport._params import PARAMETERS, Parameter, UnsupportedParameterWarning, check_params
from grok_transport._plan import (
    PLAN_SETTINGS,
    SERVER_TOOL_TYPES,
    Call,
    Endpoint,
    is_server_tool,
    plan,
    plan_arguments,
    server_tool,
)
from grok_transport._providers import (
    PROVIDERS,
    AuthStyle,
    Connection,
    Provider,
    provider_named,
    resolve_connection,
)
from grok_transport._ratelimit import RateLimitInfo
from grok_transport._retry import DEFAULT_MAX_RETRIES
from grok_transport._stream import AnswerStream, AsyncAnswerStream
from grok_transport._tokens import Token, estimate_tokens
from grok_transport._tools import JSON_OBJECT_FORMAT, function_tool, json_schema_format, normalize_tool_choice
from grok_transport._version import __version__
from grok_transport._videos import DEFAULT_VIDEO_MODEL, VideoResult, VideoStatus
from grok_transport._warnings import UnknownModelWarning
from grok_transport._wire import TICKS_PER_USD, ToolCall, Usage, parse_arguments

__all__ = [
    "__version__",
    # clients and the call layer
    "GrokClient",
    "AsyncGrokClient",
    "DEFAULT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "ClientSettings",
    "shown_setting",
    "RATE_LIMIT_STORE_ENV",
    "CLIENT_SETTINGS",
    "GrokClients",
    "plan",
    "plan_arguments",
    "PLAN_SETTINGS",
    "Call",
    "Endpoint",
    "Answer",
    "Delta",
    "DeltaKind",
    "AnswerStream",
    "AsyncAnswerStream",
    "Citation",
    "ServerToolRun",
    "ToolCall",
    "Usage",
    "TICKS_PER_USD",
    "parse_arguments",
    "RateLimitInfo",
    "UnsupportedParameterWarning",
    "PARAMETERS",
    "Parameter",
    "check_params",
    "UnknownModelWarning",
    # tools, content and structured output
    "SERVER_TOOL_TYPES",
    "is_server_tool",
    "server_tool",
    "mcp_tool",
    "McpTool",
    "function_tool",
    "normalize_tool_choice",
    "json_schema_format",
    "JSON_OBJECT_FORMAT",
    "image_part",
    "data_url",
    "image_url_from_model",
    # providers and models
    "Provider",
    "PROVIDERS",
    "provider_named",
    "AuthStyle",
    "Connection",
    "resolve_connection",
    "ModelInfo",
    "DEFAULT_MODELS",
    "lookup",
    "known_models",
    "ModelCard",
    # long-running jobs and other endpoints
    "GrokBatchJob",
    "BatchStatus",
    "GrokDeferredJob",
    "GeneratedImage",
    "ImageResult",
    "DEFAULT_IMAGE_MODEL",
    "DEFAULT_EDIT_MODEL",
    "VideoResult",
    "VideoStatus",
    "DEFAULT_VIDEO_MODEL",
    "FileObject",
    # collections and document search
    "Collection",
    "CollectionDocument",
    "SearchMatch",
    "RetrievalMode",
    "collections_search_tool",
    "pick_collection",
    "DEFAULT_MANAGEMENT_BASE_URL",
    "GeneratedKey",
    "KeyInfo",
    "Token",
    "estimate_tokens",
    # errors
    "GrokError",
    "MissingAPIKeyError",
    "InvalidParameterError",
    "InvalidMessageError",
    "InvalidToolError",
    "PromptTooLongError",
    "AuthenticationError",
    "InvalidAPIKeyError",
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
    "UnexpectedResponseError",
    "FileTooLargeError",
    "VideoGenerationError",
    "JobTimeoutError",
    "BatchItemError",
    "BatchSubmitError",
    "DeferredResultNotFoundError",
    "DeferredResultLostError",
    "DocumentIndexingError",
]

# Show the public path in tracebacks and reprs (``grok_transport.RateLimitError``), as httpx does.
for _name in __all__:
    _value = globals()[_name]
    if isinstance(_value, (type, _FunctionType)):
        _value.__module__ = "grok_transport"
del _name, _value
