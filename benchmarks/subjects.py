"""The contenders: raw httpx (the floor), bare framework models (the framework floor), ours, and
the alternatives a user would pick. Each is a factory of zero-argument callables, so the harness
times exactly one call, one whole stream or one tool round trip per invocation.

An alternative that is not installed (``pip install -e ".[bench]"``) is left out of the table.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

MODEL = "grok-4.3"
PROMPT = "say hi"
TOOL_SCHEMA = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city.",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


@dataclass
class Subject:
    """One contender; any factory may be ``None`` when it does not apply."""

    name: str
    group: str  # "floor" | "ours" | "alternative"
    framework: str  # "langchain" | "llama_index" | "-"
    call: Callable[[str, str], Callable[[], Any]] | None = None
    stream: Callable[[str, str], Callable[[], Any]] | None = None
    tool: Callable[[str, str], Callable[[], Any]] | None = None
    acall: Callable[[str, str], Callable[[], Awaitable[Any]]] | None = None
    construct: Callable[[str, str], Callable[[], Any]] | None = None
    module: str | None = None
    """The module whose presence makes this subject available."""
    import_stmt: str | None = None
    """What a user writes to get the class; the import-time measure times exactly this."""
    extra: dict[str, Any] = field(default_factory=dict)


# -- raw httpx: the floor ---------------------------------------------------------------------


def _raw_call(base: str, key: str) -> Callable[[], Any]:
    client = httpx.Client()
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": PROMPT}]})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run() -> Any:
        return json.loads(client.post(f"{base}/chat/completions", content=body, headers=headers).content)

    return run


def _raw_stream(base: str, key: str) -> Callable[[], Any]:
    client = httpx.Client()
    body = json.dumps(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": PROMPT}],
            "stream": True,
            "stream_options": {"include_usage": True},
        }
    )
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run() -> int:
        n = 0
        with client.stream("POST", f"{base}/chat/completions", content=body, headers=headers) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    json.loads(line[6:])
                    n += 1
        return n

    return run


def _raw_tool(base: str, key: str) -> Callable[[], Any]:
    client = httpx.Client()
    body = json.dumps(
        {
            "model": MODEL,
            "messages": [{"role": "user", "content": "weather in paris?"}],
            "tools": [TOOL_SCHEMA],
        }
    )
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def run() -> Any:
        data = json.loads(client.post(f"{base}/chat/completions", content=body, headers=headers).content)
        call = data["choices"][0]["message"]["tool_calls"][0]["function"]
        return json.loads(call["arguments"])

    return run


def _raw_acall(base: str, key: str) -> Callable[[], Awaitable[Any]]:
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": PROMPT}]})
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    clients: dict[int, httpx.AsyncClient] = {}

    async def run() -> Any:
        loop = id(asyncio.get_running_loop())
        client = clients.get(loop) or clients.setdefault(loop, httpx.AsyncClient())
        response = await client.post(f"{base}/chat/completions", content=body, headers=headers)
        return json.loads(response.content)

    return run


RAW = Subject("raw httpx", "floor", "-", _raw_call, _raw_stream, _raw_tool, _raw_acall, module="httpx")


# -- our transport ----------------------------------------------------------------------------


def _transport_subject() -> Subject:
    from grok_transport import AsyncGrokClient, GrokClient

    messages = [{"role": "user", "content": PROMPT}]

    def call(base: str, key: str) -> Callable[[], Any]:
        client = GrokClient(base_url=base, api_key=key)
        return lambda: client.chat(messages, model=MODEL)

    def stream(base: str, key: str) -> Callable[[], Any]:
        client = GrokClient(base_url=base, api_key=key)

        def run() -> int:
            with client.stream_chat(messages, model=MODEL) as s:
                return sum(1 for _ in s)

        return run

    def tool(base: str, key: str) -> Callable[[], Any]:
        client = GrokClient(base_url=base, api_key=key)
        weather = [{"role": "user", "content": "weather in paris?"}]
        return lambda: client.chat(weather, model=MODEL, tools=[TOOL_SCHEMA]).tool_calls[0].parsed_arguments()

    def acall(base: str, key: str) -> Callable[[], Awaitable[Any]]:
        client = AsyncGrokClient(base_url=base, api_key=key)
        return lambda: client.chat(messages, model=MODEL)

    def construct(base: str, key: str) -> Callable[[], Any]:
        return lambda: GrokClient(base_url=base, api_key=key)

    return Subject(
        "GrokClient (grok_transport)",
        "ours",
        "-",
        call,
        stream,
        tool,
        acall,
        construct,
        module="grok_transport",
        import_stmt="from grok_transport import GrokClient",
    )


# -- LangChain --------------------------------------------------------------------------------


def _langchain_subject(
    name: str, group: str, make: Callable[[str, str], Any], module: str, import_stmt: str | None = None
) -> Subject:
    def call(base: str, key: str) -> Callable[[], Any]:
        model = make(base, key)
        return lambda: model.invoke(PROMPT)

    def stream(base: str, key: str) -> Callable[[], Any]:
        model = make(base, key)
        return lambda: sum(1 for _ in model.stream(PROMPT))

    def tool(base: str, key: str) -> Callable[[], Any]:
        model = make(base, key).bind_tools([TOOL_SCHEMA])

        def run() -> Any:
            return model.invoke("weather in paris?").tool_calls[0]["args"]

        return run

    def acall(base: str, key: str) -> Callable[[], Awaitable[Any]]:
        model = make(base, key)
        return lambda: model.ainvoke(PROMPT)

    def construct(base: str, key: str) -> Callable[[], Any]:
        return lambda: make(base, key)

    return Subject(
        name, group, "langchain", call, stream, tool, acall, construct, module=module, import_stmt=import_stmt
    )


def _chat_grok(base: str, key: str) -> Any:
    from langchain_grok import ChatGrok

    return ChatGrok(model=MODEL, base_url=base, api_key=key)


def _chat_xai(base: str, key: str) -> Any:
    from langchain_xai import ChatXAI

    return ChatXAI(model=MODEL, xai_api_base=base, api_key=key)


def _chat_openai(base: str, key: str) -> Any:
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(model=MODEL, base_url=base, api_key=key, stream_usage=True)


def _bare_chat(base: str, key: str) -> Any:
    from benchmarks.floors import BareChatModel

    return BareChatModel(base_url=base, api_key=key)


# -- LlamaIndex -------------------------------------------------------------------------------


def _llama_subject(
    name: str, group: str, make: Callable[[str, str], Any], module: str, import_stmt: str | None = None
) -> Subject:
    from llama_index.core.llms import ChatMessage

    messages = [ChatMessage(role="user", content=PROMPT)]

    def call(base: str, key: str) -> Callable[[], Any]:
        llm = make(base, key)
        return lambda: llm.chat(messages)

    def stream(base: str, key: str) -> Callable[[], Any]:
        llm = make(base, key)
        return lambda: sum(1 for _ in llm.stream_chat(messages))

    def tool(base: str, key: str) -> Callable[[], Any]:
        from llama_index.core.tools import FunctionTool

        def get_weather(city: str) -> str:
            """Current weather in a city."""
            return "sunny"

        tools = [FunctionTool.from_defaults(fn=get_weather)]
        llm = make(base, key)
        if not getattr(llm.metadata, "is_function_calling_model", False):
            return None  # type: ignore[return-value]

        def run() -> Any:
            response = llm.chat_with_tools(tools, user_msg="weather in paris?")
            return llm.get_tool_calls_from_response(response)[0].tool_kwargs

        return run

    def acall(base: str, key: str) -> Callable[[], Awaitable[Any]]:
        llm = make(base, key)
        return lambda: llm.achat(messages)

    def construct(base: str, key: str) -> Callable[[], Any]:
        return lambda: make(base, key)

    return Subject(
        name,
        group,
        "llama_index",
        call,
        stream,
        tool,
        acall,
        construct,
        module=module,
        import_stmt=import_stmt,
    )


def _grok(base: str, key: str) -> Any:
    from llama_index_grok import Grok

    return Grok(model=MODEL, base_url=base, api_key=key)


def _openai_like(base: str, key: str) -> Any:
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=MODEL,
        api_base=base,
        api_key=key,
        is_chat_model=True,
        is_function_calling_model=True,
        context_window=131072,
    )


def _bare_llm(base: str, key: str) -> Any:
    from benchmarks.floors import BareLLM

    return BareLLM(base_url=base, api_key=key)


def _candidates() -> dict[str, Callable[[], Subject]]:
    def floor(subject: Subject) -> Subject:
        subject.tool = None  # the floors bind no tools
        return subject

    return {
        "GrokClient (grok_transport)": _transport_subject,
        "bare BaseChatModel + httpx": lambda: floor(
            _langchain_subject(
                "bare BaseChatModel + httpx", "floor", _bare_chat, "langchain_core.language_models"
            )
        ),
        "ChatGrok": lambda: _langchain_subject(
            "ChatGrok", "ours", _chat_grok, "langchain_grok", "from langchain_grok import ChatGrok"
        ),
        "ChatXAI (langchain-xai)": lambda: _langchain_subject(
            "ChatXAI (langchain-xai)",
            "alternative",
            _chat_xai,
            "langchain_xai",
            "from langchain_xai import ChatXAI",
        ),
        "ChatOpenAI (langchain-openai)": lambda: _langchain_subject(
            "ChatOpenAI (langchain-openai)",
            "alternative",
            _chat_openai,
            "langchain_openai",
            "from langchain_openai import ChatOpenAI",
        ),
        "bare LlamaIndex LLM + httpx": lambda: floor(
            _llama_subject("bare LlamaIndex LLM + httpx", "floor", _bare_llm, "llama_index.core")
        ),
        "Grok (llama_index_grok)": lambda: _llama_subject(
            "Grok (llama_index_grok)", "ours", _grok, "llama_index_grok", "from llama_index_grok import Grok"
        ),
        "OpenAILike": lambda: _llama_subject(
            "OpenAILike",
            "alternative",
            _openai_like,
            "llama_index.llms.openai_like",
            "from llama_index.llms.openai_like import OpenAILike",
        ),
    }


def by_name(name: str) -> Subject | None:
    """One subject, importing only its own packages (for memory measurements); None if absent."""
    if name == RAW.name:
        return RAW
    try:
        subject = _candidates()[name]()
        __import__(subject.module or "httpx")
    except ImportError:
        return None
    return subject


def available() -> list[Subject]:
    """Every subject whose packages import here, in table order."""
    found = (by_name(name) for name in _candidates())
    return [RAW, *(s for s in found if s is not None)]
