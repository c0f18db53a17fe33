"""LlamaIndex integration for Grok: ``Grok`` (a ``FunctionCallingLLM``) and Grok Imagine tool specs.

``GrokImageToolSpec`` generates and edits images, ``GrokVideoToolSpec`` generates videos.

Import path: ``from llama_index_grok import Grok`` (a flat package, not the ``llama_index.llms.*``
namespace, because the ``llama-index-llms-grok`` name on PyPI belongs to another project).
"""

from __future__ import annotations

from llama_index_grok.base import Grok
from llama_index_grok.tools import GrokImageToolSpec, GrokVideoToolSpec

__all__ = ["Grok", "GrokImageToolSpec", "GrokVideoToolSpec"]
