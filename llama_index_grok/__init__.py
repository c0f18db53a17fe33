"""LlamaIndex integration for Grok: ``Grok`` (a ``FunctionCallingLLM``) and Grok Imagine tool specs.

``GrokImageToolSpec`` generates and edits images, ``GrokVideoToolSpec`` generates videos.
``GrokCollectionsRetriever`` searches xAI Collections; ``collections_search_tool`` lets the model
search them itself (a server-side tool: ``Grok(server_tools=[collections_search_tool([...])])``).

Import path: ``from llama_index_grok import Grok`` (a flat package, not the ``llama_index.llms.*``
namespace, because the ``llama-index-llms-grok`` name on PyPI belongs to another project).
"""

from __future__ import annotations

from grok_transport import collections_search_tool
from llama_index_grok.base import Grok
from llama_index_grok.retrievers import GrokCollectionsRetriever
from llama_index_grok.tools import GrokImageToolSpec, GrokVideoToolSpec

__all__ = [
    "Grok",
    "GrokCollectionsRetriever",
    "GrokImageToolSpec",
    "GrokVideoToolSpec",
    "collections_search_tool",
]
