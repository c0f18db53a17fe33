"""The Grok integrations end to end: a chain, an agent, images, a video, a PDF, a LlamaIndex query engine.

Run from the repository root with ``scripts/demo`` (or ``python examples/demo.py`` once the
package is installed with the ``demo`` extra). With ``XAI_API_KEY`` set it talks to the base URL
the environment names (``XAI_API_BASE``, else the real xAI API) and says which; it calls it the
real API only when that URL is xAI's own host. With no key it starts ``GrokTestServer``, the local
Grok-compatible server, and says so. The code below is the same either way: only the base URL and
the key differ.
"""

from __future__ import annotations

import base64
import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field

from grok_transport import TICKS_PER_USD, resolve_connection


@dataclass
class Target:
    base_url: str | None
    api_key: str | None
    live: bool
    url: str
    model: str = "grok-4.3"
    usage: dict[str, int] = field(default_factory=lambda: {"input": 0, "output": 0, "ticks": 0})


@contextlib.contextmanager
def target() -> Iterator[Target]:
    """Where the environment points when a key is set, else a local server for the length of the demo."""
    if os.environ.get("XAI_API_KEY"):
        connection = resolve_connection(provider="xai")  # what ChatGrok and Grok will resolve too
        yield Target(base_url=None, api_key=None, live=connection.live, url=connection.base_url)
        return
    from grok_transport.testing import GrokTestServer

    with GrokTestServer(dialect="xai") as server:
        yield Target(base_url=server.base_url, api_key=server.api_key, live=False, url=server.base_url)


def count(t: Target, message: object) -> None:
    """Add one answer's usage and cost to the running totals."""
    usage = getattr(message, "usage_metadata", None) or {}
    t.usage["input"] += usage.get("input_tokens", 0)
    t.usage["output"] += usage.get("output_tokens", 0)
    t.usage["ticks"] += getattr(message, "response_metadata", {}).get("cost_in_usd_ticks", 0) or 0


def langchain_part(t: Target) -> None:
    from langchain.agents import create_agent
    from langchain_core.messages import HumanMessage
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.tools import tool

    from grok_transport.testing import sample_pdf
    from langchain_grok import ChatGrok, GrokImageGenerationTool, GrokVideoGenerationTool

    model = ChatGrok(model=t.model, base_url=t.base_url, api_key=t.api_key)

    print("\n[1] LangChain chain: prompt | ChatGrok | StrOutputParser")
    prompt = ChatPromptTemplate.from_messages(
        [("system", "You answer in one short sentence."), ("human", "What is {topic}?")]
    )
    print("   ", (prompt | model | StrOutputParser()).invoke({"topic": "a vector database"}))

    print("\n[2] Streaming, with usage on the last chunk")
    print("    ", end="")
    aggregate = None
    for chunk in model.stream("Count from one to five."):
        print(chunk.content, end="", flush=True)
        aggregate = chunk if aggregate is None else aggregate + chunk
    print()
    count(t, aggregate)
    usage = aggregate.usage_metadata or {}
    print(f"    usage: {usage.get('input_tokens')} in, {usage.get('output_tokens')} out")

    @tool
    def get_weather(city: str) -> str:
        """Get the current weather for a city."""
        return f"It is 18°C and sunny in {city}."

    print("\n[3] LangChain agent with a Python tool (get_weather)")
    agent = create_agent(model, tools=[get_weather])
    result = agent.invoke({"messages": [("user", "What's the weather like in Lisbon?")]})
    for message in result["messages"]:
        if message.type == "ai":
            count(t, message)
            for call in message.tool_calls:
                print(f"    model called {call['name']}({call['args']})")
        elif message.type == "tool":
            print(f"    tool answered: {message.content}")
    print(f"    final answer: {result['messages'][-1].content}")

    print("\n[4] Image generation (GrokImageGenerationTool)")
    painter = GrokImageGenerationTool(base_url=t.base_url, api_key=t.api_key)
    tool_message = painter.invoke(
        {
            "type": "tool_call",
            "id": "demo",
            "name": painter.name,
            "args": {"prompt": "a lighthouse at dusk, watercolour"},
        }
    )
    print(f"    {tool_message.content}")
    t.usage["ticks"] += tool_message.artifact.get("cost_in_usd_ticks") or 0

    print("\n[5] Grok Imagine and documents: an edit of that image, a video, a question to a PDF")
    first = tool_message.artifact["images"][0]["url"]
    edit = painter.invoke({"prompt": "the same lighthouse at night", "reference_images": [first]})
    print(f"    edited: {edit}")
    if not t.live or os.environ.get("GROK_DEMO_VIDEO"):
        director = GrokVideoGenerationTool.from_model(model)
        print(f"    video: {director.invoke({'prompt': 'waves under the lighthouse', 'image_url': first})}")
    else:
        print("    video: skipped on the real API (a minute or two, and billed); set GROK_DEMO_VIDEO=1")
    document = {
        "type": "file",
        "base64": base64.b64encode(sample_pdf("The lighthouse keeper's shift starts at 18:00.")).decode(),
        "mime_type": "application/pdf",
        "filename": "rota.pdf",
    }
    question = HumanMessage([{"type": "text", "text": "When does the keeper's shift start?"}, document])
    answer = model.invoke([question])
    count(t, answer)
    print(f"    the PDF says: {answer.content}")


def llama_index_part(t: Target) -> None:
    from llama_index.core import Document, SummaryIndex
    from llama_index.core.llms import ChatMessage

    from llama_index_grok import Grok

    print("\n[6] LlamaIndex query engine over three documents (Grok)")
    llm = Grok(model=t.model, base_url=t.base_url, api_key=t.api_key)
    documents = [
        Document(text="The lighthouse at Cap Fréhel was built in 1950 and is 103 metres above the sea."),
        Document(text="Brittany's coast has more lighthouses than any other French region."),
        Document(text="The Eiffel Tower is 330 metres tall."),
    ]
    index = SummaryIndex.from_documents(documents)  # no embeddings needed: every node is read
    response = index.as_query_engine(llm=llm).query("When was the Cap Fréhel lighthouse built?")
    print(f"    {str(response).strip()}")
    for node in response.source_nodes:
        print(f"    source: {node.node.get_content()[:70]}…")

    print("\n[7] Web search with citations (xAI's Responses API, from LlamaIndex)")
    searcher = Grok(model=t.model, base_url=t.base_url, api_key=t.api_key, server_tools=["web_search"])
    answer = searcher.chat([ChatMessage(role="user", content="Search the web: latest stable Python?")])
    print(f"    {answer.message.content}")
    for citation in answer.message.additional_kwargs.get("citations", []):
        print(f"    cites: {citation['url']}")


def main() -> int:
    with target() as api:
        if api.live:
            print(f"Talking to the REAL xAI API at {api.url} (XAI_API_KEY is set). This costs a few cents.")
        elif os.environ.get("XAI_API_KEY"):
            print(
                f"XAI_API_KEY is set, and the base URL is {api.url}: not xAI's own host, so not the real "
                "API (a local server or a proxy).\nCosts below are what that server reports, not xAI's bill."
            )
        else:
            print(
                "No XAI_API_KEY set: talking to the LOCAL Grok-compatible server "
                f"(GrokTestServer at {api.base_url}).\nIts answers are short deterministic stand-ins, "
                "not model output; set XAI_API_KEY to run the same code against the real API."
            )
        langchain_part(api)
        llama_index_part(api)
        dollars = api.usage["ticks"] / TICKS_PER_USD
        if api.live:
            cost = "as xAI reported it"
        elif api.base_url is None:  # a server the environment names: it reports figures, xAI bills nothing
            cost = f"the stand-in figure the server at {api.url} reported, not an xAI bill"
        else:
            cost = "the local server's stand-in figure, nothing was charged"
        print(
            f"\nLangChain total: {api.usage['input']} input tokens, {api.usage['output']} output tokens, "
            f"${dollars:.6f} ({cost})."
        )
        where = "real API" if api.live else f"local or custom server at {api.url}"
        print("Done:", where, "— everything above ran over HTTP.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
