"""Every Grok tool in both frameworks is made without a key and reports the missing key when it runs.

The README promises it: a tool built without a key binds as a schema (an agent is assembled
before its secrets are there), and ``MissingAPIKeyError``, naming the variables tried, comes when
the tool first runs, before any request. ``GrokImageToolSpec()`` used to raise at construction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from grok_transport import MissingAPIKeyError
from langchain_grok import GrokImageGenerationTool, GrokVideoGenerationTool
from llama_index_grok import GrokImageToolSpec, GrokVideoToolSpec

KEY_VARIABLES = ("XAI_API_KEY", "GROK_API_KEY", "GROK_BASE_URL", "XAI_API_BASE")
PNG = "https://example.com/cat.png"

# name: (make the tool with no key, run it synchronously, run it asynchronously)
TOOLS: dict[str, tuple[Callable[[], Any], Callable[[Any], Any], Callable[[Any], Any]]] = {
    "langchain image": (
        GrokImageGenerationTool,
        lambda t: t.invoke({"prompt": "a cat"}),
        lambda t: t.ainvoke({"prompt": "a cat"}),
    ),
    "langchain image edit": (
        GrokImageGenerationTool,
        lambda t: t.invoke({"prompt": "a hat", "reference_images": [PNG]}),
        lambda t: t.ainvoke({"prompt": "a hat", "reference_images": [PNG]}),
    ),
    "langchain video": (
        GrokVideoGenerationTool,
        lambda t: t.invoke({"prompt": "a wave"}),
        lambda t: t.ainvoke({"prompt": "a wave"}),
    ),
    "llama_index image": (
        GrokImageToolSpec,
        lambda s: s.generate_image("a cat"),
        lambda s: s.agenerate_image("a cat"),
    ),
    "llama_index image edit": (
        GrokImageToolSpec,
        lambda s: s.edit_image("a hat", [PNG]),
        lambda s: s.aedit_image("a hat", [PNG]),
    ),
    "llama_index video": (
        GrokVideoToolSpec,
        lambda s: s.generate_video("a wave"),
        lambda s: s.agenerate_video("a wave"),
    ),
}


@pytest.fixture(autouse=True)
def _no_key_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in KEY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("name", sorted(TOOLS))
def test_a_tool_without_a_key_is_made_and_fails_when_it_runs(name: str, mode: str) -> None:
    make, run, arun = TOOLS[name]
    tool = make()  # no key, no error: the tool can be bound or listed
    with pytest.raises(MissingAPIKeyError, match="XAI_API_KEY"):
        run(tool) if mode == "sync" else asyncio.run(arun(tool))


@pytest.mark.parametrize("spec", [GrokImageToolSpec, GrokVideoToolSpec])
def test_a_tool_spec_without_a_key_still_lists_its_tools(spec: Callable[[], Any]) -> None:
    assert [tool.metadata.name for tool in spec().to_tool_list()]
