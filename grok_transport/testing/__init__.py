"""A local Grok-compatible HTTP server for tests, notebooks and demos.

.. code-block:: python

    from grok_transport.testing import GrokTestServer, Reply

    with GrokTestServer(dialect="xai") as server:
        server.enqueue(Reply.error(429, retry_after=1), Reply.text("hello"))
        ...  # point a client at server.base_url with server.api_key

From a shell, ``grok-test-server --port 8080`` serves until interrupted, with the key
:data:`DEFAULT_API_KEY` unless ``--api-key`` says otherwise. Importing this package is free: the
server, its event loop and its thread come into being when :class:`GrokTestServer` is first used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .media import sample_pdf
    from .quota import Quota
    from .replies import Reply
    from .server import GrokTestServer
    from .state import RecordedRequest

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_MANAGEMENT_API_KEY",
    "GrokTestServer",
    "Quota",
    "Reply",
    "RecordedRequest",
    "sample_pdf",
]

DEFAULT_API_KEY = "grok-local-test-key"
"""The key a server accepts unless told otherwise: fixed, so notebooks and docs read the same on
every run, and plainly not a secret (the server is local and answers with stand-ins)."""
DEFAULT_MANAGEMENT_API_KEY = "grok-local-management-key"
"""The management key the server's Collections routes accept unless told otherwise (public, like
:data:`DEFAULT_API_KEY`; the inference key is refused there, as xAI refuses it)."""

_EXPORTS = {
    "GrokTestServer": ".server",
    "Reply": ".replies",
    "RecordedRequest": ".state",
    "sample_pdf": ".media",
    "Quota": ".quota",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
