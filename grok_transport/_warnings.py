"""Warnings that point at the user's line, not at the library's.

A warning's ``stacklevel`` is fixed at the call site, but the path from the user's line to the
code that warns differs by framework (``ChatGrok.invoke`` runs through langchain_core's
runnables, ``Grok.chat`` through LlamaIndex's dispatcher, an agent through both and asyncio).
:func:`warn_at_caller` walks the stack out of those packages instead, so the warning names the
user's file and line whichever way they called (``skip_file_prefixes`` would do this from Python
3.12; this works on 3.10 and 3.11 too).
"""

from __future__ import annotations

import sys
import threading
import warnings

__all__ = ["UnknownModelWarning", "warn_at_caller", "warn_unknown_model"]

_LIBRARIES = (
    "grok_transport",
    "langchain_grok",
    "llama_index_grok",
    "langchain_core",
    "langchain",
    "langgraph",
    "llama_index",
    "llama_index_instrumentation",
    "langsmith",
    "tenacity",
    "anyio",
    "httpx",
    "workflows",
    "pydantic",
    "asyncio",
    "concurrent",
    "threading",
    "contextlib",
    "contextvars",
    "functools",
)


class UnknownModelWarning(UserWarning):
    """The model is not in the catalogue for xAI: a typo, or a model newer than this release.

    Not an error, because xAI adds models often: the request is sent, and the server decides.
    """


def _library(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in _LIBRARIES)


def warn_at_caller(message: str, category: type[Warning]) -> None:
    """Warn with ``category``, attributed to the first frame outside the libraries above."""
    frame = sys._getframe(1)
    level = 2  # stacklevel 2 is the frame that called this function
    while frame.f_back is not None and _library(str(frame.f_globals.get("__name__", ""))):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


_warned: set[str] = set()
_lock = threading.Lock()


def warn_unknown_model(model: str) -> None:
    """Warn once per process per model name that xAI's catalogue does not hold ``model``."""
    with _lock:
        if model in _warned:
            return
        _warned.add(model)
    warn_at_caller(
        f"{model!r} is not a model this release knows for xAI (a typo? client.models.list() "
        "lists what your key can use); it is sent as given, and xAI answers 404 if it does not exist.",
        UnknownModelWarning,
    )
