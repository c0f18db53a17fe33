"""Deferred completions for LlamaIndex: a chat or a prompt now, its response later, once.

xAI runs a deferred chat completion on its side and serves the answer **once**, for 24 hours
(docs/wire.md, "Deferred completions"). ``grok_transport.GrokDeferredJob`` owns the mechanics
(polling, keeping the answer it fetched, telling a lost delivery from an unknown id); the answer
goes through the same conversion as a live call's, chosen here: ``answer_to_response`` for a
chat, and the chat-to-completion step of ``complete`` for a prompt. A job re-attached by id
cannot know which it was, so its caller says (``Grok.deferred_job(id, completion=True)``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llama_index.core.base.llms.types import ChatResponse, CompletionResponse

from grok_transport import Answer, AsyncGrokClient, GrokClient, GrokDeferredJob
from llama_index_grok._batch import as_chat, as_completion

__all__ = ["deferred_job"]


def _chat(answer: Answer) -> ChatResponse:
    return as_chat(0, answer)


def _completion(answer: Answer) -> CompletionResponse:
    return as_completion(0, answer)


def deferred_job(
    client: GrokClient, async_client: AsyncGrokClient, request_id: str, *, completion: bool
) -> GrokDeferredJob[Any]:
    """The job of deferred request ``request_id``, whose result is what ``chat`` (or ``complete``) returns."""
    convert: Callable[[Answer], Any] = _completion if completion else _chat
    return GrokDeferredJob(client, request_id, async_client=async_client, convert=convert)
