"""Batch items for LlamaIndex: chats and prompts in, ``ChatResponse`` / ``CompletionResponse`` out.

``Grok.batch_submit`` takes chats (lists of ``ChatMessage``) and prompt strings, as ``chat`` and
``complete`` do. ``grok_transport.GrokBatchJob`` collects the answers in input order and hands
each to the converter chosen here, which goes through the same ``answer_to_response`` as a live
call (and, for a prompt, the same chat-to-completion step as ``complete``). A job resumed by id
cannot know which items were prompts, so its caller says (``Grok.batch_job(id, completion=True)``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from llama_index.core.base.llms.generic_utils import chat_response_to_completion_response, prompt_to_messages
from llama_index.core.base.llms.types import ChatMessage, ChatResponse, CompletionResponse

from grok_transport import Answer, InvalidParameterError
from llama_index_grok._convert import answer_to_response

__all__ = ["BatchResponse", "as_chat", "as_completion", "converter", "input_messages"]

BatchResponse = ChatResponse | CompletionResponse


def input_messages(item: Any) -> Sequence[ChatMessage]:
    """The chat an input stands for: a prompt becomes one user message, as in ``complete``."""
    if isinstance(item, str):
        return prompt_to_messages(item)
    if isinstance(item, ChatMessage) or not isinstance(item, Sequence):
        raise InvalidParameterError(
            f"each batch input is a list of ChatMessage or a prompt string, not {type(item).__name__}"
        )
    return item


def as_chat(index: int, answer: Answer) -> ChatResponse:
    """A chat item, as ``Grok.chat`` returns it (a batch answer has no headers)."""
    return answer_to_response(answer)


def as_completion(index: int, answer: Answer) -> CompletionResponse:
    """A prompt item, as ``Grok.complete`` returns it."""
    return chat_response_to_completion_response(answer_to_response(answer))


def converter(prompts: Collection[int], count: int) -> Callable[[int, Answer], BatchResponse]:
    """The conversion for ``count`` items of which those at the positions ``prompts`` were prompts."""
    if not prompts:
        return as_chat
    if len(prompts) == count:
        return as_completion

    def convert(index: int, answer: Answer) -> BatchResponse:
        return as_completion(index, answer) if index in prompts else as_chat(index, answer)

    return convert
