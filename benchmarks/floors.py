"""The framework floors: the least a LangChain chat model and a LlamaIndex LLM can be.

Each posts with a shared ``httpx`` client and parses with ``json.loads``, nothing else, but goes
through its framework's full call path (callbacks, run managers, events). The gap between raw
httpx and these is the framework's own cost, which no integration can remove; the gap between
these and ours is what the integration adds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseGen,
    CompletionResponse,
    LLMMetadata,
)
from llama_index.core.llms import LLM
from llama_index.core.llms.callbacks import llm_chat_callback
from pydantic import PrivateAttr

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class BareChatModel(BaseChatModel):
    """A minimal BaseChatModel over raw httpx."""

    base_url: str
    api_key: str
    _client: httpx.Client = PrivateAttr(default_factory=httpx.Client)
    _aclient: httpx.AsyncClient | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "bare"

    def _body(self, messages: list[BaseMessage], **extra: Any) -> bytes:
        wire = [{"role": _ROLES.get(m.type, m.type), "content": m.content} for m in messages]
        return json.dumps({"model": "grok-4.3", "messages": wire, **extra}).encode()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        data = json.loads(
            self._client.post(
                f"{self.base_url}/chat/completions", content=self._body(messages), headers=self._headers()
            ).content
        )
        message = data["choices"][0]["message"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=message["content"] or ""))])

    async def _agenerate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient()
        response = await self._aclient.post(
            f"{self.base_url}/chat/completions", content=self._body(messages), headers=self._headers()
        )
        message = json.loads(response.content)["choices"][0]["message"]
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=message["content"] or ""))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> Iterator[ChatGenerationChunk]:
        body = self._body(messages, stream=True)
        with self._client.stream(
            "POST", f"{self.base_url}/chat/completions", content=body, headers=self._headers()
        ) as response:
            for line in response.iter_lines():
                if line.startswith("data: ") and line != "data: [DONE]":
                    choices = json.loads(line[6:])["choices"]
                    text = choices[0]["delta"].get("content") or "" if choices else ""
                    yield ChatGenerationChunk(message=AIMessageChunk(content=text))


class BareLLM(LLM):
    """A minimal LlamaIndex LLM over raw httpx (chat, stream_chat, achat; nothing else)."""

    base_url: str
    api_key: str
    _client: httpx.Client = PrivateAttr(default_factory=httpx.Client)
    _aclient: httpx.AsyncClient | None = PrivateAttr(default=None)

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(is_chat_model=True, model_name="grok-4.3")

    def _body(self, messages: Any, **extra: Any) -> bytes:
        wire = [{"role": m.role.value, "content": m.content} for m in messages]
        return json.dumps({"model": "grok-4.3", "messages": wire, **extra}).encode()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Content-Type": "application/json"}

    @llm_chat_callback()
    def chat(self, messages: Any, **kwargs: Any) -> ChatResponse:
        data = json.loads(
            self._client.post(
                f"{self.base_url}/chat/completions", content=self._body(messages), headers=self._headers()
            ).content
        )
        text = data["choices"][0]["message"]["content"] or ""
        return ChatResponse(message=ChatMessage(role="assistant", content=text), raw=data)

    @llm_chat_callback()
    async def achat(self, messages: Any, **kwargs: Any) -> ChatResponse:
        if self._aclient is None:
            self._aclient = httpx.AsyncClient()
        response = await self._aclient.post(
            f"{self.base_url}/chat/completions", content=self._body(messages), headers=self._headers()
        )
        data = json.loads(response.content)
        text = data["choices"][0]["message"]["content"] or ""
        return ChatResponse(message=ChatMessage(role="assistant", content=text), raw=data)

    @llm_chat_callback()
    def stream_chat(self, messages: Any, **kwargs: Any) -> ChatResponseGen:
        body = self._body(messages, stream=True)

        def gen() -> ChatResponseGen:
            text = ""
            with self._client.stream(
                "POST", f"{self.base_url}/chat/completions", content=body, headers=self._headers()
            ) as response:
                for line in response.iter_lines():
                    if line.startswith("data: ") and line != "data: [DONE]":
                        data = json.loads(line[6:])
                        delta = data["choices"][0]["delta"].get("content") or "" if data["choices"] else ""
                        text += delta
                        yield ChatResponse(
                            message=ChatMessage(role="assistant", content=text), delta=delta, raw=data
                        )

        return gen()

    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        raise NotImplementedError

    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def astream_chat(self, messages: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        raise NotImplementedError

    async def astream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> Any:
        raise NotImplementedError
