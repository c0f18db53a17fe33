"""Build the notebooks from source: define their cells, run them top to bottom, write them with outputs.

The ``.ipynb`` files in this folder are generated; edit the cells here, then run (from the
repository root)::

    python notebooks/build.py             # every notebook; live for each provider whose key is set
    python notebooks/build.py --offline   # without any key: every provider is a local server
    python notebooks/build.py providers   # just one (a name without .ipynb)

A notebook decides for itself whether it talks to the real API (its first cell looks for the
provider's key) or to ``GrokTestServer``; ``--offline`` removes the keys from the kernel's
environment. Before a notebook is written its outputs are checked for keys (the patterns of
``tests/test_secrets.py`` and the values of the key variables), and a hit refuses the write.

Outputs are kept, and offline they are the same bytes on every rebuild, so an unchanged
notebook leaves ``git status`` clean: no execution timestamps, cell ids fixed
(``<notebook>-<n>``) instead of random, the local server whose URLs appear in outputs on a
fixed port, the server's fixed key, and nothing printed that a server makes up at random.

``tests/notebooks/test_notebooks.py`` executes the committed notebooks with :func:`execute`
(a fresh kernel on the running interpreter, no keys) and checks they still match
:data:`NOTEBOOKS`, so a notebook edited by hand instead of here fails the suite.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CELL_TIMEOUT = 120
"""Seconds per cell. Offline every cell takes well under a second; live ones wait for a model."""
KEY_VARIABLES = (
    "XAI_API_KEY",
    "XAI_MANAGEMENT_API_KEY",
    "GROKINC_API_KEY",
    "GROKAPI_API_KEY",
    "GROK_API_KEY",
    "GROK_BASE_URL",
)
"""What ``--offline`` (and the test) removes: every variable that could make a notebook go live."""

Cell = tuple[str, str, tuple[str, ...]]  # (kind, source, tags)


def md(source: str) -> Cell:
    """A markdown cell."""
    return ("markdown", source.strip("\n"), ())


def code(source: str, *tags: str) -> Cell:
    """A code cell; ``tags`` let the test find the cells whose outputs it checks."""
    return ("code", source.strip("\n"), tags)


def offline_switch(model_class: str, *, port: int) -> Cell:
    """The quickstarts' first cell: the real API when ``XAI_API_KEY`` is set, else a local server.

    The local server asks for a fixed port (one per notebook) because its URLs appear in the
    outputs, which are then the same on every rebuild; when the port is taken, any free one
    serves just as well.
    """
    return code(
        f"""
import os

from grok_transport import resolve_connection
from grok_transport.testing import GrokTestServer

MODEL = "grok-4.3"
# Real only with a key AND xAI's own host: XAI_API_BASE may point the key at a local server.
LIVE = bool(os.environ.get("XAI_API_KEY")) and resolve_connection(provider="xai").live
if LIVE:
    CONNECTION = {{}}  # {model_class} reads XAI_API_KEY and uses https://api.x.ai/v1
    print("XAI_API_KEY is set: this notebook talks to the REAL xAI API (a few cents).")
else:
    try:  # a fixed port keeps the URLs printed below the same from one run to the next
        server = GrokTestServer(dialect="xai", port={port}).start()
    except OSError:  # taken (is this notebook open twice?): any free port does as well
        server = GrokTestServer(dialect="xai").start()
    CONNECTION = {{"provider": "xai", "base_url": server.base_url, "api_key": server.api_key}}
    print(
        f"No XAI_API_KEY: this notebook talks to a LOCAL Grok-compatible server at {{server.base_url}}.\\n"
        "Its answers are deterministic stand-ins, not model output. "
        "Set XAI_API_KEY and re-run to use the real xAI API."
    )
""",
        "offline-switch",
    )


PDF_MAKER = """
from grok_transport.testing import sample_pdf  # a real one-page PDF, made without a PDF library

launch_plan = sample_pdf("Launch plan: the rocket launches on 12 March from pad 39A.")
"""
"""The PDF both quickstarts ask about: a cell of its own, so a reader can swap in a real file."""


OFFLINE_OR_LIVE = """\
**Offline or live.** With `XAI_API_KEY` set, the notebook talks to the real xAI API (it costs a
few cents, and the video a little more). Without it, the first cell starts `GrokTestServer`, a
local Grok-compatible server on 127.0.0.1, and says so. That server answers deterministically
with labelled stand-ins: a short reply that quotes the prompt, tool calls whose arguments come
from the question where a word fits (the city it names, say), JSON that fits the requested
schema, after a tool has run a sentence with its result, and for a document its first words.
Nothing it says is model output. The code below is the same either way: only `base_url` and
`api_key` differ."""
"""The quickstarts' second paragraph: what runs where, and what the local server's answers are."""


# -- langchain_quickstart.ipynb --------------------------------------------------------------

LANGCHAIN = [
    md(f"""
# ChatGrok for LangChain: a quickstart

`ChatGrok` is a LangChain chat model for Grok; `GrokImageGenerationTool` and
`GrokVideoGenerationTool` are LangChain tools that make images and videos with Grok. This
notebook goes through a chain, streaming, tool calling, an agent, structured output, image
input, image generation and editing, a video, web search, a question about a PDF, and a batch
job.

{OFFLINE_OR_LIVE}

Install: `pip install "grok-integrations[langchain]" langchain` (the agent comes from `langchain`).
"""),
    offline_switch("ChatGrok", port=8101),
    md("""
## A chain

`ChatGrok` is a `BaseChatModel`, so it fits anywhere in LCEL. Building one does no I/O: the
HTTP client is created on the first call and shared by models with the same settings.
"""),
    code("""
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_grok import ChatGrok

llm = ChatGrok(model=MODEL, **CONNECTION)
prompt = ChatPromptTemplate.from_messages(
    [("system", "You answer in one short sentence."), ("human", "What is {topic}?")]
)
chain = prompt | llm | StrOutputParser()
print(chain.invoke({"topic": "a vector database"}))
"""),
    md("""
## Streaming

Chunks add up to one message. xAI sends the usage in a last chunk of its own; `grok-4.3` also
streams its reasoning, which lands in `additional_kwargs["reasoning_content"]`.
"""),
    code("""
message = None
for chunk in llm.stream("Count from one to five."):
    print(chunk.content, end="", flush=True)
    message = chunk if message is None else message + chunk
print()
print("reasoning:", message.additional_kwargs.get("reasoning_content"))
usage = message.usage_metadata
print(f"usage: {usage['input_tokens']} in, {usage['output_tokens']} out, {usage['total_tokens']} total")
"""),
    md("""
## Tool calling

`bind_tools` takes `@tool` functions, pydantic classes or JSON schemas. The model answers with
`tool_calls`; you run the tools, send the results back as `ToolMessage`s, and the model
answers with them. Here the question asks for two tools at once, so both come in one turn.
"""),
    code("""
from langchain_core.messages import HumanMessage
from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    \"\"\"Get the current weather for a city.\"\"\"
    return f"It is 18°C and sunny in {city}."


@tool
def get_local_time(city: str) -> str:
    \"\"\"Get the local time in a city.\"\"\"
    return f"It is 14:05 in {city}."


tools = {t.name: t for t in (get_weather, get_local_time)}
llm_with_tools = llm.bind_tools(list(tools.values()))

messages = [HumanMessage("What is the weather and the local time in Oslo?")]
ai = llm_with_tools.invoke(messages)
messages.append(ai)
for call in ai.tool_calls:
    print(f"model called {call['name']}({call['args']})")
    messages.append(tools[call["name"]].invoke(call))  # a ToolMessage answering that call
print("answer:", llm_with_tools.invoke(messages).content)
"""),
    md("""
## A tool-calling agent

`langchain.agents.create_agent` runs the same loop for you until the model answers without
calling a tool.
"""),
    code(
        """
from langchain.agents import create_agent

agent = create_agent(llm, tools=list(tools.values()), system_prompt="You are a concise assistant.")
question = "What's the weather like in Lisbon, and what time is it there?"
result = agent.invoke({"messages": [("user", question)]})
for step in result["messages"][1:-1]:
    if step.type == "ai":
        for call in step.tool_calls:
            print(f"agent called {call['name']}({call['args']})")
    elif step.type == "tool":
        print(f"  {step.name} returned: {step.content}")
print("final answer:", result["messages"][-1].content)
""",
        "agent",
    ),
    md("""
## Structured output

`with_structured_output` returns instances of your schema. For `grok-4.3` it uses xAI's
`json_schema` response format, which the server enforces; `method="function_calling"` and
`method="json_mode"` are there too.
"""),
    code("""
from pydantic import BaseModel, Field


class Film(BaseModel):
    \"\"\"A film.\"\"\"

    title: str = Field(description="The title in its original language.")
    year: int = Field(description="Year of release.")
    directors: list[str]


film = llm.with_structured_output(Film).invoke("Name one classic science-fiction film.")
print(repr(film))
"""),
    md("""
## Image input

Images go into a message as content blocks: a URL or base64 bytes. This cell draws a small PNG
(a red disc) with nothing but `zlib` and `struct`, shows it, and asks about it.
"""),
    code(
        """
import base64
import struct
import zlib

from IPython.display import Image, display


def png(width: int, height: int, pixel) -> bytes:
    \"\"\"An RGB PNG; pixel(x, y) gives the colour of each pixel.\"\"\"
    rows = b"".join(
        b"\\x00" + bytes(channel for x in range(width) for channel in pixel(x, y)) for y in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return b"\\x89PNG\\r\\n\\x1a\\n" + body


red_disc = png(64, 64, lambda x, y: (220, 30, 30) if (x - 32) ** 2 + (y - 32) ** 2 < 400 else (255, 255, 255))
display(Image(data=red_disc))

question = HumanMessage(
    content=[
        {"type": "text", "text": "What shape and colour is in this image? One sentence."},
        {"type": "image", "base64": base64.b64encode(red_disc).decode(), "mime_type": "image/png"},
    ]
)
print(llm.invoke([question]).content)
""",
        "image-input",
    ),
    md("""
Offline, the local server records every request; this is how the image went over the wire (an
OpenAI-style `image_url` part with a `data:` URL).
"""),
    code("""
if not LIVE:
    sent = server.requests[-1].json["messages"][0]["content"]
    print([part["type"] for part in sent], sent[1]["image_url"]["url"][:40] + "…")
"""),
    md("""
## Image generation

`GrokImageGenerationTool` is a LangChain tool (`grok-imagine-image` by default). Bound to the
model with `tool_choice` naming it, the model must call it and writes the prompt itself.
`from_model(llm)` gives the tool the model's connection (URL, key, pool). The `ToolMessage` it
returns has a short text for the model (the image URL) and an `artifact` with the images for your
code. The image is fetched and shown inline. Offline, the URL points back
at the local server, which serves a tiny real JPEG. xAI's URLs expire after about four hours; pass
`image_format="b64_json"` to get the bytes inline instead.
"""),
    code(
        """
import httpx

from grok_transport import TICKS_PER_USD
from langchain_grok import GrokImageGenerationTool

painter = GrokImageGenerationTool.from_model(llm)
ai = llm.bind_tools([painter], tool_choice=painter.name).invoke(
    "Make a watercolour picture of a lighthouse at dusk."
)
call = ai.tool_calls[0]
print("prompt written by the model:", call["args"]["prompt"])
tool_message = painter.invoke(call)
print("the model sees:", tool_message.content)
ticks = tool_message.artifact.get("cost_in_usd_ticks")
if ticks is not None:
    print(f"cost: ${ticks / TICKS_PER_USD:.4f}")
image = tool_message.artifact["images"][0]
display(Image(data=httpx.get(image["url"], follow_redirects=True).content))
""",
        "generated-image",
    ),
    md("""
## Editing the image

Given reference images (one to three URLs, such as the one just made, or `data:` URLs), the same
tool edits instead of generating: `POST /v1/images/edits` with `grok-imagine-image-quality`. A
model passes `reference_images` itself when it calls the tool; here the call is written by hand.
"""),
    code(
        """
edit = {"prompt": "The same lighthouse under a starry night sky.", "reference_images": [image["url"]]}
edited = painter.invoke({"type": "tool_call", "id": "edit-1", "name": painter.name, "args": edit})
print("the model sees:", edited.content)
display(Image(data=httpx.get(edited.artifact["images"][0]["url"], follow_redirects=True).content))
""",
        "edited-image",
    ),
    md("""
## A video

`GrokVideoGenerationTool` starts a video job (here from the edited image as its first frame) and
polls it until the video is ready: seconds to minutes live, a fraction of a second offline. Its URL expires
within the hour, so keep the bytes (`director.client.media.download`) if you need them later. Offline,
the video is a one-second blue square.
"""),
    code(
        """
from IPython.display import Markdown

from langchain_grok import GrokVideoGenerationTool

director = GrokVideoGenerationTool.from_model(llm, duration=3)
args = {"prompt": "Waves roll in under the lighthouse.", "image_url": edited.artifact["images"][0]["url"]}
video = director.invoke({"type": "tool_call", "id": "video-1", "name": director.name, "args": args})
print("the model sees:", video.content)
mp4 = director.client.media.download(video.artifact["url"])
print(f"downloaded {len(mp4):,} bytes, an MP4: {mp4[4:8] == b'ftyp'}")
display(Markdown(f"[Watch the video]({video.artifact['url']})"))
""",
        "video",
    ),
    md("""
## Web search with citations (the Responses API)

Binding a server-side tool such as `{"type": "web_search"}` moves the call to xAI's
`/v1/responses`: Grok searches by itself and cites what it read. The citations are v1 `text`
blocks' `Citation` annotations (and `additional_kwargs["citations"]`); each search is a
`server_tool_call` block with its query and a `server_tool_result` block with the sources.
Offline, the local server runs a simulated search over `example.com` pages.
"""),
    code(
        """
searcher = llm.bind_tools([{"type": "web_search"}])
answer = searcher.invoke("Search the web: what is the latest stable Python release?")
print(answer.content)
for block in answer.content_blocks:
    if block["type"] == "server_tool_call":
        print("searched:", block["args"].get("query"))
    elif block["type"] == "text":
        for note in block.get("annotations", []):
            print("cites:", note["url"])
print("usage:", answer.usage_metadata["total_tokens"], "tokens in all")
""",
        "web-search",
    ),
    md("""
## A question about a PDF

A `file` content block (PDF or text; `base64`, a `url` or a `file_id`) moves the call to the
Responses API too, where xAI searches the document. Inline bytes are uploaded through the Files
API first: once per document, however many turns resend it (up to 48 MB). This cell makes a
one-page PDF by hand, so the notebook needs no file; use `Path("report.pdf").read_bytes()` for
yours.
"""),
    code(PDF_MAKER),
    code(
        """
document = {
    "type": "file",
    "base64": base64.b64encode(launch_plan).decode(),
    "mime_type": "application/pdf",
    "filename": "launch-plan.pdf",
}
question = HumanMessage([{"type": "text", "text": "When and where is the launch? One sentence."}, document])
print(llm.invoke([question]).content)
if not LIVE:
    print([request.path for request in server.requests[-2:]])  # the upload, then the question
""",
        "pdf",
    ),
    md("""
## Batch jobs: many prompts, half price, collected later

xAI's Batch API runs requests on its side at half price, outside your rate limits, mostly within
a day. `batch_submit` takes what `batch` takes and plans each request exactly as `invoke`
would, so what a model binds (tools, parameters) goes into every one. It returns at once with
the job; its id is all it takes to collect the results later, from any process.
"""),
    code(
        """
tickets = [
    "I was charged twice for my subscription this month.",
    "The app crashes when I upload a photo.",
    "I can't log in since I changed my email address.",
]
instruction = ("system", "Label the support ticket: billing, bug or account. One word.")
labeler = llm.bind(temperature=0)  # bound parameters and tools go into every request
job = labeler.batch_submit([[instruction, ("human", ticket)] for ticket in tickets])
batch_id = job.id  # keep it: the results can be collected with it from anywhere
status = job.status()
print(f"submitted {status.total} requests: {status.pending} pending")
""",
        "batch",
    ),
    md("""
`wait()` polls with backoff (up to once a minute) and draws a progress bar with the counts and an
ETA when `tqdm` is installed. Offline the bar is off here (`progress=LIVE`): its timings would
change this notebook's saved output on every run. A batch can take hours: after `timeout`
seconds `wait()` gives up, and the batch runs on. The results come one per input, in input
order; with `return_exceptions=True` an item that failed (or has not run yet) is a
`BatchItemError` in its slot instead of an exception.
"""),
    code(
        """
from grok_transport import TICKS_PER_USD, BatchItemError

try:
    final = job.wait(timeout=100, progress=LIVE)
    print(f"{final.succeeded} answered, {final.failed} failed")
except TimeoutError:
    print("still running on xAI's side: run this cell again later")

results = job.results(return_exceptions=True)
for ticket, result in zip(tickets, results, strict=True):
    answer = result.message if isinstance(result, BatchItemError) else result.content
    print(f"{ticket}\\n  -> {answer}")
ticks = sum(r.response_metadata["cost_in_usd_ticks"] for r in results if not isinstance(r, BatchItemError))
print(f"cost: ${ticks / TICKS_PER_USD:.6f}")
""",
        "batch-results",
    ),
    md("""
Another process (a job tomorrow, another machine) needs nothing but the id:
"""),
    code(
        """
later = ChatGrok(model=MODEL, **CONNECTION).batch_job(batch_id)
status = later.status()
print(f"{status.succeeded} of {status.total} answered, {status.pending} pending")
collected = later.results(return_exceptions=True)
print("the same answers:", [str(r) for r in collected] == [str(r) for r in results])
""",
        "batch-resume",
    ),
    md("""
## Clean up

Stop the local server (nothing to do when the notebook ran against the real API).
"""),
    code("""
if not LIVE:
    server.stop()
print("done")
"""),
]


# -- llama_index_quickstart.ipynb ------------------------------------------------------------

LLAMA_INDEX = [
    md(f"""
# Grok for LlamaIndex: a quickstart

`Grok` is a LlamaIndex `FunctionCallingLLM`; `GrokImageToolSpec` and `GrokVideoToolSpec` give an
agent image generation and editing, and video. This notebook goes through a query engine, a chat
engine, a `FunctionAgent` with tools, structured prediction, the image tools, a video, a
question about a PDF, and a batch job.

{OFFLINE_OR_LIVE}

Install: `pip install "grok-integrations[llama-index]"`. The import path is `llama_index_grok`.
"""),
    offline_switch("Grok", port=8102),
    md("""
## The LLM

Every component below gets `llm=` explicitly, so LlamaIndex's global `Settings` (whose default
is OpenAI) are never touched.
"""),
    code("""
from llama_index_grok import Grok

llm = Grok(model=MODEL, **CONNECTION)
print(llm.metadata.model_name, "| context window:", llm.metadata.context_window,
      "| function calling:", llm.metadata.is_function_calling_model)
print(llm.complete("Say hello in five words."))
"""),
    md("""
## A query engine over a few documents

A `SummaryIndex` hands every document to the model, so it needs no embedding model; with more
documents use a `VectorStoreIndex` and the embedding model of your choice. `source_nodes` shows
what the answer was built from.
"""),
    code("""
from llama_index.core import Document, SummaryIndex

documents = [
    Document(text="The Cap Fréhel lighthouse in Brittany was built in 1950; it is 103 metres above the sea."),
    Document(text="Brittany has more lighthouses than any other French region, many open to visitors."),
    Document(text="The Phare du Créac'h on Ouessant is one of the most powerful lighthouses in Europe."),
]
index = SummaryIndex.from_documents(documents)
query_engine = index.as_query_engine(llm=llm)
response = query_engine.query("When was the Cap Fréhel lighthouse built?")
print(response)
first = response.source_nodes[0].node.get_content()
print(len(response.source_nodes), "source nodes, the first:", first[:60] + "…")
"""),
    md("""
## A chat engine

`condense_plus_context` rewrites each follow-up into a stand-alone question, retrieves for it,
and answers with the conversation so far. The second turn streams.
"""),
    code("""
chat_engine = index.as_chat_engine(chat_mode="condense_plus_context", llm=llm)
print("1:", chat_engine.chat("Which French region has the most lighthouses?"))
print("2: ", end="")
for token in chat_engine.stream_chat("Name one of its lighthouses.").response_gen:
    print(token, end="", flush=True)
print()
"""),
    md("""
## A FunctionAgent with tools

Plain Python functions become tools; their docstrings are the descriptions the model reads. The
agent streams events: here the tool calls and their results, then the final answer.
"""),
    code(
        """
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.tools import FunctionTool


def get_weather(city: str) -> str:
    \"\"\"Get the current weather for a city.\"\"\"
    return f"It is 18°C and sunny in {city}."


def get_local_time(city: str) -> str:
    \"\"\"Get the local time in a city.\"\"\"
    return f"It is 14:05 in {city}."


agent = FunctionAgent(
    tools=[FunctionTool.from_defaults(get_weather), FunctionTool.from_defaults(get_local_time)],
    llm=llm,
    system_prompt="You are a concise assistant.",
)
handler = agent.run(user_msg="What's the weather like in Lisbon, and what time is it there?")
async for event in handler.stream_events():
    if isinstance(event, ToolCallResult):
        print(f"agent called {event.tool_name}({event.tool_kwargs}) -> {event.tool_output.content}")
output = await handler
print("final answer:", output.response.content)
""",
        "agent",
    ),
    md("""
## Structured prediction

`structured_predict` fills a pydantic class. For `grok-4.3` it uses xAI's `json_schema` response
format (the server enforces the schema), and function calling for models without it.
"""),
    code("""
from llama_index.core.prompts import PromptTemplate
from pydantic import BaseModel, Field


class Lighthouse(BaseModel):
    \"\"\"A lighthouse.\"\"\"

    name: str
    built: int = Field(description="Year of construction.")
    region: str


lighthouse = llm.structured_predict(
    Lighthouse, PromptTemplate("Extract the lighthouse from this text: {text}"), text=documents[0].text
)
print(repr(lighthouse))
"""),
    md("""
## The image tools

`GrokImageToolSpec().to_tool_list()` gives an agent a `generate_image` and an `edit_image` tool.
Their result is a text for the model (the URL) and the image itself, which `Grok` hands back to
the model as an image in a follow-up user turn. The image is taken from the tool result and
shown inline (offline, the URL points back at the local server, which serves a tiny real JPEG).
"""),
    code(
        """
import httpx
from IPython.display import Image, display
from llama_index.core.base.llms.types import ImageBlock

from llama_index_grok import GrokImageToolSpec

images = GrokImageToolSpec(**CONNECTION)
painter = FunctionAgent(tools=images.to_tool_list(), llm=llm)
handler = painter.run(user_msg="Generate a watercolour of a lighthouse at dusk.")
made = []
async for event in handler.stream_events():
    if isinstance(event, ToolCallResult):
        print(f"agent called {event.tool_name}({event.tool_kwargs})")
        print(event.tool_output.content)
        made += [block for block in event.tool_output.blocks if isinstance(block, ImageBlock)]
output = await handler
print("final answer:", output.response.content)
display(Image(data=httpx.get(str(made[0].url), follow_redirects=True).content))
""",
        "generated-image",
    ),
    md("""
## Editing the image

`edit_image` makes a new image from one to three reference images (URLs, such as the one just
made, or `data:` URLs) and a description of the change: `POST /v1/images/edits` with
`grok-imagine-image-quality`. An agent calls it with the URLs it has seen; here it is called
directly.
"""),
    code(
        """
text, edited = images.edit_image("The same lighthouse under a starry night sky.", [str(made[0].url)])
print(text.text)
display(Image(data=httpx.get(str(edited.url), follow_redirects=True).content))
""",
        "edited-image",
    ),
    md("""
## A video

`GrokVideoToolSpec` gives an agent a `generate_video` tool. It starts a video job (here from the
edited image as its first frame) and polls it until the video is ready: seconds to minutes live,
a fraction of a second offline. The model reads the URL; it expires within the hour, so keep the bytes
(`client.media.download`) if you need them later. Offline, the video is a one-second blue square.
"""),
    code(
        """
from IPython.display import Markdown

from llama_index_grok import GrokVideoToolSpec

videos = GrokVideoToolSpec(**CONNECTION, duration=3)
said = videos.generate_video("Waves roll in under the lighthouse.", image_url=str(edited.url))
print(said)
url = said.rsplit(" ", 1)[1]
mp4 = videos.client.media.download(url)
print(f"downloaded {len(mp4):,} bytes, an MP4: {mp4[4:8] == b'ftyp'}")
display(Markdown(f"[Watch the video]({url})"))
""",
        "video",
    ),
    md("""
## A question about a PDF

A `DocumentBlock` holding a PDF (from `data=`, `path=` or `url=`) moves the call to the Responses
API, where xAI searches the document. Inline bytes are uploaded through the Files API first:
once per document, however many turns resend it (up to 48 MB). Text documents are simply
inlined. This cell makes a one-page PDF by hand, so the notebook needs no file; use
`DocumentBlock(path="report.pdf")` for yours.
"""),
    code(PDF_MAKER),
    code(
        """
from llama_index.core.base.llms.types import ChatMessage, DocumentBlock, TextBlock

question = ChatMessage(
    role="user",
    blocks=[
        TextBlock(text="When and where is the launch? One sentence."),
        DocumentBlock(data=launch_plan, title="launch-plan.pdf"),
    ],
)
print(llm.chat([question]).message.content)
if not LIVE:
    print([request.path for request in server.requests[-2:]])  # the upload, then the question
""",
        "pdf",
    ),
    md("""
## Batch jobs

`batch_submit` sends many requests to xAI's Batch API at once (half price, outside your rate
limits, mostly done within a day). Prompt strings come back as `CompletionResponse`s, chats
(lists of `ChatMessage`) as `ChatResponse`s, one per input in input order. `batch_job(id)`
collects a batch from anywhere; it cannot tell prompts from chats, so say `completion=True`
for a batch of prompts.
"""),
    code(
        """
prompts = [f"What does a lighthouse keeper do in {season}? One sentence." for season in ("spring", "winter")]
job = llm.batch_submit(prompts)
try:
    job.wait(timeout=100, progress=LIVE)  # a tqdm bar when live
except TimeoutError:
    print("still running on xAI's side: run this cell again later")
for response in job.results(return_exceptions=True):
    print("-", getattr(response, "text", response))

later = Grok(model=MODEL, **CONNECTION).batch_job(job.id, completion=True)
print("collected by id:", later.status().succeeded, "answers")
""",
        "batch",
    ),
    md("""
## Clean up
"""),
    code("""
if not LIVE:
    server.stop()
print("done")
"""),
]


# -- providers.ipynb -------------------------------------------------------------------------

PROVIDERS = [
    md("""
# One chat, four places: xAI, Grok Inc, grokapi.io and your own proxy

`ChatGrok` (LangChain), `Grok` (LlamaIndex) and `GrokClient` (the transport under both) speak to
every Grok provider. `provider=` picks the base URL, how the key is sent and the provider's
quirks: Grok Inc takes only `user` and `assistant` roles and 5 requests a minute per key, and
grokapi.io answers 402 when its prepaid credits run out.

| `provider=` | base URL | key header | key variable |
|---|---|---|---|
| `xai` | `https://api.x.ai/v1` | `Authorization: Bearer` | `XAI_API_KEY` |
| `grokinc` | `https://api.grokinc.org/v1` | `X-API-Key` | `GROKINC_API_KEY` |
| `grokapi` | `https://api.grokapi.io/v1` | `Authorization: Bearer` | `GROKAPI_API_KEY` |
| `custom` | `base_url=` | `auth_style="bearer"` or `"x-api-key"` | `GROK_API_KEY` |

**Offline or live, per provider.** The first cell checks each provider's key variable on its own:
a provider whose key is set is the real service, the others are local `GrokTestServer`s speaking
that provider's dialect. The local servers' answers are deterministic stand-ins, not model
output. The code is the same either way: only `base_url` and `api_key` differ.
"""),
    code(
        """
import os

from grok_transport import PROVIDERS
from grok_transport.testing import GrokTestServer

servers = {}  # the local servers started here, stopped in the last cell
TARGETS = {}  # provider -> keyword arguments for ChatGrok, Grok and GrokClient
for name in ("xai", "grokinc", "grokapi"):
    provider = PROVIDERS[name]
    if os.environ.get(provider.key_env[0]):
        # The key comes from the variable; the URL is explicit so GROK_BASE_URL cannot redirect it.
        TARGETS[name] = {"provider": name, "base_url": provider.base_url}
        print(f"{name:8} REAL service at {provider.base_url} ({provider.key_env[0]} is set)")
    else:
        servers[name] = server = GrokTestServer(dialect=name).start()
        TARGETS[name] = {"provider": name, "base_url": server.base_url, "api_key": server.api_key}
        print(f"{name:8} LOCAL GrokTestServer (dialect {name!r}) on 127.0.0.1: no {provider.key_env[0]}")
if servers:
    print("Local servers answer with deterministic stand-ins, not model output.")
""",
        "offline-switch",
    ),
    md("""
## The same chat everywhere

One conversation with a system prompt, through LangChain and through LlamaIndex, against each
provider. Without `model=` each provider's default model is used.
"""),
    code(
        """
from llama_index.core.llms import ChatMessage

from langchain_grok import ChatGrok
from llama_index_grok import Grok

SYSTEM = "You are terse: answer in one short sentence."
QUESTION = "Name the three primary colours of light."

for name, target in TARGETS.items():
    chat_model = ChatGrok(**target)
    answer = chat_model.invoke([("system", SYSTEM), ("human", QUESTION)])
    print(f"{name} · LangChain  · {chat_model.model_name}: {answer.content}")
    llm = Grok(**target)
    reply = llm.chat([ChatMessage(role="system", content=SYSTEM), ChatMessage(role="user", content=QUESTION)])
    print(f"{name} · LlamaIndex · {llm.model}: {reply.message.content}")
""",
        "same-chat",
    ),
    md("""
## xAI: the model list

`GrokClient` is the transport itself: chat, streaming, images, model listing, tokenizing and
Grok Inc's extras, with typed errors and retries.
"""),
    code("""
from grok_transport import GrokClient

with GrokClient(**TARGETS["xai"]) as xai:
    cards = xai.models.list()
print(len(cards), "models, for example:", ", ".join(sorted(card.id for card in cards)[:5]))
"""),
    md("""
## Grok Inc: system messages are folded

Grok Inc accepts only `user` and `assistant` messages. A system prompt is folded into the first
user turn instead of being refused (the call plan, `grok_transport.plan`, states the rule).
`plan` shows the endpoint and the request body without sending anything:
"""),
    code("""
inc = GrokClient(**TARGETS["grokinc"])
messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]
call = inc.plan(messages, model="grok-lite")
print(call.endpoint, call.body["messages"])
"""),
    md("""
Offline, the Grok Inc server recorded what the chats above really sent: the same folded turn.
"""),
    code(
        """
if "grokinc" in servers:
    sent = [r.json for r in servers["grokinc"].requests if r.path == "/v1/chat/completions"]
    print(sent[-1]["messages"])
""",
        "grokinc-folded",
    ),
    md("""
## Grok Inc: keys and `explain`

Generating a key is Grok Inc's one public endpoint, so that client needs no key
(`require_key=False`). The new key comes back as a `SecretStr` and never prints. Listing and
deleting keys need a key. Live, this creates a real key named `notebook-demo` and deletes it
again at the end.
"""),
    code(
        """
keyless = GrokClient(provider="grokinc", base_url=TARGETS["grokinc"]["base_url"], require_key=False)
new_key = keyless.keys.generate("notebook-demo")
print("generated:", new_key.api_key, "for", new_key.user_identifier)

print("keys:", ", ".join(info.user_identifier for info in inc.keys.list()))  # values come masked
""",
        "grokinc-keys",
    ),
    md("""
Chat with the new key, then ask Grok Inc's `/v1/chat/explain` why it answered that way.
"""),
    code("""
fresh = ChatGrok(provider="grokinc", base_url=TARGETS["grokinc"]["base_url"], api_key=new_key.api_key)
conversation = [{"role": "user", "content": "Give me a one-line tip for naming variables."}]
tip = fresh.invoke(conversation[0]["content"]).content
print("answer:     ", tip)
with GrokClient(provider="grokinc", base_url=fresh.base_url, api_key=new_key.api_key) as client:
    print("explanation:", client.explanations.create(conversation, tip))
"""),
    md("""
Delete the key. The service stops accepting it, and the refusal arrives as a typed
`AuthenticationError`.
"""),
    code(
        """
from grok_transport import GrokError

print(inc.keys.delete(new_key.api_key))
try:
    fresh.invoke("Still there?")
except GrokError as error:  # a typed error: AuthenticationError for a 401
    print(f"{type(error).__name__} ({error.status_code}): {error.message}")
else:
    print("the deleted key was still accepted")
inc.close()
""",
        "grokinc-deleted",
    ),
    md("""
## grokapi.io: streaming, and a typed error when credits run out

grokapi.io streams like xAI. When the prepaid balance is spent it answers 402, raised as
`InsufficientCreditsError`. That is not retried, unlike a 429. A real balance can't be emptied
on purpose, so this part always uses a local server with one credit.
"""),
    code("""
for chunk in ChatGrok(**TARGETS["grokapi"]).stream("Count from one to five."):
    print(chunk.content, end="", flush=True)
print()
"""),
    code(
        """
from grok_transport import InsufficientCreditsError

servers["grokapi-1-credit"] = broke = GrokTestServer(dialect="grokapi", credits=1).start()
budget = ChatGrok(provider="grokapi", base_url=broke.base_url, api_key=broke.api_key)
print("first call:", budget.invoke("Hi!").content)
try:
    budget.invoke("And again?")
except InsufficientCreditsError as error:
    print(f"second call: {type(error).__name__} ({error.status_code}, retryable={error.retryable}):")
    print(f"  {error.message}")
""",
        "credits",
    ),
    md("""
## Your own proxy

Any OpenAI-compatible Grok proxy works with `provider="custom"`, its `base_url`, and the header
it wants the key in. Two local servers stand in for proxies here. Point `base_url` and `api_key`
at yours. (`GROK_BASE_URL` and `GROK_API_KEY` are the environment fallbacks.)
"""),
    code(
        """
servers["proxy-bearer"] = proxy = GrokTestServer(dialect="xai").start()
via_proxy = ChatGrok(
    provider="custom",
    base_url=proxy.base_url,
    api_key=proxy.api_key,
    auth_style="bearer",
    default_headers={"X-Team": "notebooks"},
    model="grok-4.3",
)
print(via_proxy.invoke("Hello through the proxy!").content)
headers = proxy.requests[-1].headers  # recorded with the key masked
print({name: headers[name] for name in ("authorization", "x-team")})
""",
        "proxy",
    ),
    code("""
servers["proxy-x-api-key"] = proxy = GrokTestServer(dialect="grokinc").start()
via_proxy = Grok(
    provider="custom",
    base_url=proxy.base_url,
    api_key=proxy.api_key,
    auth_style="x-api-key",
    model="grok-lite",
)
print(via_proxy.complete("Hello through the other proxy!"))
headers = proxy.requests[-1].headers
print({name: headers.get(name) for name in ("x-api-key", "authorization")})
"""),
    md("""
## Clean up
"""),
    code("""
for server in servers.values():
    server.stop()
print("stopped", len(servers), "local servers")
"""),
]

# -- collections.ipynb -------------------------------------------------------------------------

COLLECTIONS = [
    md("""
# xAI Collections: RAG with retrieval hosted by xAI

xAI Collections store, chunk, embed and rank documents; `POST /v1/documents/search` returns the
best-matching chunks. So a LangChain chain or a LlamaIndex query engine needs nothing but Grok:
no embedding model and no vector store of your own. This notebook creates a collection, puts
LangChain documents and a PDF in it, retrieves from it in both frameworks, lets the model search
it by itself, and cleans up.

**Two keys.** Managing collections (create, add documents, delete) uses a *management key*
(`XAI_MANAGEMENT_API_KEY`, on `https://management-api.x.ai/v1`); searching uses the ordinary API
key (`XAI_API_KEY`). With both set, the notebook talks to the real xAI API. Without them, the
first cell starts `GrokTestServer`, a local server that plays both hosts, indexes what you upload
and ranks chunks deterministically (BM25 over the text); its chat answers are labelled stand-ins,
not model output.

Install: `pip install "grok-integrations[all]"`.
"""),
    code(
        """
import os
import tempfile
from pathlib import Path

from grok_transport.testing import GrokTestServer

MODEL = "grok-4.3"
LIVE = bool(os.environ.get("XAI_API_KEY") and os.environ.get("XAI_MANAGEMENT_API_KEY"))
if LIVE:
    CONNECTION, MANAGEMENT = {}, {}  # both keys from the environment, xAI's two hosts
    print("XAI_API_KEY and XAI_MANAGEMENT_API_KEY are set: this notebook talks to the REAL xAI API.")
else:
    try:  # a fixed port keeps the URLs printed below the same from one run to the next
        server = GrokTestServer(dialect="xai", port=8103).start()
    except OSError:
        server = GrokTestServer(dialect="xai").start()
    CONNECTION = {"provider": "xai", "base_url": server.base_url, "api_key": server.api_key}
    MANAGEMENT = {"management_base_url": server.base_url, "management_api_key": server.management_api_key}
    print(
        f"No keys: this notebook talks to a LOCAL Grok-compatible server at {server.base_url}.\\n"
        "It plays the management host too. Its chat answers are deterministic stand-ins, not model output."
    )
""",
        "offline-switch",
    ),
    md("""
## A collection

The transport client reaches both hosts: `client.collections` (management key) and
`client.documents.search` (API key).
"""),
    code(
        """
from grok_transport import GrokClient

client = GrokClient(**CONNECTION, **MANAGEMENT)
collection = client.collections.create("keepers-handbook", description="What lighthouse keepers need to know")
print(collection.name, "|", collection.description, "| documents:", collection.documents_count)
""",
        "create",
    ),
    md("""
## Put documents in

`add_documents` uploads LangChain `Document`s (the text as a file, scalar metadata as the
document's fields); `add_files` uploads files such as PDFs. Both return once xAI has indexed
them, so the next search finds them.
"""),
    code(
        """
from langchain_core.documents import Document

from grok_transport.testing import sample_pdf
from langchain_grok import GrokCollectionsRetriever

retriever = GrokCollectionsRetriever(collection_ids=[collection.id], k=2, **CONNECTION, **MANAGEMENT)
retriever.add_documents([
    Document("The Cap Fréhel lighthouse was built in 1950. It stands 103 metres above the sea.",
             metadata={"source": "lighthouse.md", "team": "keepers"}),
    Document("The cafeteria opens at nine and closes at three. Coffee is free for keepers.",
             metadata={"source": "cafeteria.md", "team": "staff"}),
])
folder = Path(tempfile.mkdtemp())
storm = sample_pdf("Storm protocol: keepers stay inside when winds pass 90 km/h.")
(folder / "storm-protocol.pdf").write_bytes(storm)
retriever.add_files([folder / "storm-protocol.pdf"], fields={"team": "keepers"})
for document in client.collections.documents(collection.id):
    print(f"{document.name:20} {document.status:28} fields={document.fields}")
""",
        "ingest",
    ),
    md("""
## Retrieve (LangChain)

Each chunk comes back as a `Document` whose metadata holds its score, file id, chunk id,
collection id and the document's fields. `filter` narrows the search by field (AIP-160).
"""),
    code(
        """
for doc in retriever.invoke("When was the lighthouse built?"):
    print(f"{doc.metadata['score']:.3f}  {doc.page_content}")
keepers_only = retriever.model_copy(update={"filter": 'team = "keepers"'})
print([doc.page_content[:30] for doc in keepers_only.invoke("wind storm coffee")])
""",
        "retrieve",
    ),
    md("""
## A RAG chain with ChatGrok (LCEL)
"""),
    code(
        """
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough

from langchain_grok import ChatGrok

prompt = ChatPromptTemplate.from_messages(
    [("system", "Answer from this context only:\\n{context}"), ("human", "{question}")]
)
context = retriever | (lambda docs: "\\n\\n".join(d.page_content for d in docs))
chain = (
    {"context": context, "question": RunnablePassthrough()}
    | prompt
    | ChatGrok(model=MODEL, **CONNECTION)
    | StrOutputParser()
)
print(chain.invoke("What must keepers do in a storm?"))
""",
        "lcel",
    ),
    md("""
## A query engine (LlamaIndex)

The LlamaIndex retriever returns `NodeWithScore`s; `RetrieverQueryEngine` with `Grok` answers
from them, and `source_nodes` shows which chunks it used.
"""),
    code(
        """
from llama_index.core.query_engine import RetrieverQueryEngine

from llama_index_grok import Grok
from llama_index_grok import GrokCollectionsRetriever as LlamaIndexCollectionsRetriever

nodes = LlamaIndexCollectionsRetriever([collection.id], similarity_top_k=1, **CONNECTION)
engine = RetrieverQueryEngine.from_args(nodes, llm=Grok(model=MODEL, **CONNECTION))
response = engine.query("How many metres above the sea does the lighthouse stand?")
print(response)
source = response.source_nodes[0]
print(f"source: {source.node.get_content()!r} (score {source.score:.3f})")
""",
        "query-engine",
    ),
    md("""
## Let the model search (a server-side tool)

`collections_search_tool` is xAI's `file_search` tool: the model decides when to search, and
the answer reports the search and cites the files as `collections://<collection>/files/<file>`.
"""),
    code(
        """
from langchain_grok import collections_search_tool

searcher = ChatGrok(model=MODEL, **CONNECTION).bind_tools([collections_search_tool([collection.id], limit=2)])
answer = searcher.invoke("When was the lighthouse built?")
print(answer.content)
(run,) = answer.additional_kwargs["server_tool_calls"]
print(run["name"], "read:", [result["filename"] for result in run["results"]])
print("cited:", [citation["title"] for citation in answer.additional_kwargs["citations"]])
""",
        "file-search",
    ),
    md("""
## Clean up

Deleting the collection leaves the uploaded files in the Files API (`client.files.delete`).
"""),
    code(
        """
client.collections.delete(collection.id)
print("collections left:", [c.name for c in client.collections.list()])
client.close()
if not LIVE:
    server.stop()
    print("local server stopped")
else:
    print("done")
"""
    ),
]


NOTEBOOKS: dict[str, list[Cell]] = {
    "langchain_quickstart": LANGCHAIN,
    "llama_index_quickstart": LLAMA_INDEX,
    "providers": PROVIDERS,
    "collections": COLLECTIONS,
}


# -- building ----------------------------------------------------------------------------------


def make_notebook(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` with its cells and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
        "language_info": {"name": "python"},
    }
    for number, (kind, source, tags) in enumerate(NOTEBOOKS[name], 1):
        new_cell = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = new_cell(source)
        cell.id = f"{name.replace('_', '-')}-{number}"
        if tags:
            cell.metadata["tags"] = list(tags)
        nb.cells.append(cell)
    return nb


def _kernel_environment(offline: bool) -> dict[str, str]:
    """The environment the kernel gets: this process's, without the key variables when ``offline``.

    The checkout comes first on the kernel's path, so a notebook runs against the code beside
    it even when the interpreter has the project installed from somewhere else.
    """
    env = {name: value for name, value in os.environ.items() if not (offline and name in KEY_VARIABLES)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return env


def execute(nb: nbformat.NotebookNode, *, cwd: Path, offline: bool, timeout: int = CELL_TIMEOUT) -> None:
    """Run every cell of ``nb`` in place, in a fresh kernel on this interpreter; raise on an error.

    The kernel is this interpreter (``sys.executable``), from a kernelspec written for the run,
    so neither a user-wide ``python3`` kernelspec nor ``PATH`` can pick another Python. Where
    there are Unix sockets it talks to this process through them, in that run's directory,
    rather than over TCP on localhost, which other users of the machine could reach (and which
    the kernel warns about on every start).
    """
    from ipykernel.kernelspec import write_kernel_spec

    with tempfile.TemporaryDirectory() as kernels:
        write_kernel_spec(os.path.join(kernels, "python3"))
        sockets = {"transport": "ipc", "ip": os.path.join(kernels, "ipc")} if os.name == "posix" else {}
        manager = AsyncKernelManager(
            kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels]), **sockets
        )
        client = NotebookClient(
            nb,
            km=manager,
            timeout=timeout,
            record_timing=False,
            coalesce_streams=True,
            resources={"metadata": {"path": str(cwd)}},
        )
        # cleanup_kc: shut the kernel down, which nbclient would not do with a manager given.
        client.execute(cleanup_kc=True, env=_kernel_environment(offline))


def leaks(nb: nbformat.NotebookNode) -> list[str]:
    """Key-like strings in the notebook: the secret scan's patterns and the key variables' values."""
    text = json.dumps(nb)
    spec = importlib.util.spec_from_file_location("_secret_scan", ROOT / "tests" / "test_secrets.py")
    assert spec is not None and spec.loader is not None
    scan = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scan)
    found = [match[:12] + "…" for match in scan.RECORDED_PATTERNS.findall(text)]
    values = {name: os.environ.get(name) for name in KEY_VARIABLES if name != "GROK_BASE_URL"}
    found += [f"the value of {name}" for name, value in values.items() if value and value in text]
    return found


def build(name: str, *, offline: bool) -> float:
    """Build, run and write ``notebooks/<name>.ipynb``; return the seconds it took to run."""
    nb = make_notebook(name)
    started = time.perf_counter()
    execute(nb, cwd=HERE, offline=offline)
    elapsed = time.perf_counter() - started
    found = leaks(nb)
    if found:
        raise SystemExit(f"{name}: refusing to write, key-like text in the outputs: {found}")
    nbformat.validate(nb)
    path = HERE / f"{name}.ipynb"
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"notebooks to build (default: all of {', '.join(NOTEBOOKS)})",
    )
    parser.add_argument("--offline", action="store_true", help="run without any API key (local servers)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.names) - set(NOTEBOOKS))
    if unknown:
        parser.error(f"unknown notebook(s) {', '.join(unknown)}; choose from {', '.join(NOTEBOOKS)}")
    for name in args.names or NOTEBOOKS:
        seconds = build(name, offline=args.offline)
        print(f"{name}.ipynb: {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
