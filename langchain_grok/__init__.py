"""LangChain integration for Grok: ``ChatGrok``, ``GrokImageGenerationTool``, ``GrokVideoGenerationTool``.

``GrokCollectionsRetriever`` searches xAI Collections; ``collections_search_tool`` lets the model
search them itself (a server-side tool for ``ChatGrok.bind_tools``).

All three talk to xAI, Grok Inc, grokapi.io or any Grok proxy through ``grok_transport``. Every error
class of ``grok_transport`` is exported here under the same name as a class that is also the
matching ``langchain_core.exceptions`` model error (see :mod:`langchain_grok._errors`); every
error the classes raise is one of them. ``ChatGrokBatchJob`` is what
``ChatGrok.batch_submit`` and ``ChatGrok.batch_job`` return: a batch on xAI's Batch API,
collected as ``AIMessage`` objects; ``ChatGrokDeferredJob`` is what ``ChatGrok.defer`` and
``ChatGrok.deferred_job`` return: one deferred completion, collected as an ``AIMessage``.

Importing the package registers the ``"grok"`` content-block translator with langchain-core, so
stored messages from ``ChatGrok`` render their ``content_blocks`` correctly. The classes are
imported on first access, as ``langchain_core.language_models`` does for its own: a chat model
has to import LangChain's callback and tracing stack, and code that only needs an error class
or the translator should not pay for it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

import langchain_grok._blocks  # noqa: F401  (registers the "grok" block translator)
from langchain_grok._errors import ERRORS

if TYPE_CHECKING:
    from langchain_grok._batch import ChatGrokBatchJob
    from langchain_grok._deferred import ChatGrokDeferredJob
    from langchain_grok.chat_models import ChatGrok
    from langchain_grok.retrievers import GrokCollectionsRetriever
    from langchain_grok.tools import GrokImageGenerationTool, GrokVideoGenerationTool

__all__ = [
    "ChatGrok",
    "ChatGrokBatchJob",
    "ChatGrokDeferredJob",
    "GrokCollectionsRetriever",
    "GrokImageGenerationTool",
    "GrokVideoGenerationTool",
    "collections_search_tool",
    *ERRORS,
]

_CLASSES = {
    "ChatGrok": "langchain_grok.chat_models",
    "ChatGrokBatchJob": "langchain_grok._batch",
    "ChatGrokDeferredJob": "langchain_grok._deferred",
    "GrokImageGenerationTool": "langchain_grok.tools",
    "GrokVideoGenerationTool": "langchain_grok.tools",
    "GrokCollectionsRetriever": "langchain_grok.retrievers",
    "collections_search_tool": "grok_transport",  # the file_search server tool, for bind_tools
}
globals().update(ERRORS)


def __getattr__(name: str) -> Any:
    home = _CLASSES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
