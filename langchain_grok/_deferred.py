"""``ChatGrok`` on deferred completions: start a call now, collect its ``AIMessage`` later.

xAI runs a deferred chat completion on its side and serves the answer **once**, for 24 hours
(docs/wire.md, "Deferred completions"). ``grok_transport.GrokDeferredJob`` owns the mechanics
(polling, keeping the answer it fetched, telling a lost delivery from an unknown id); this module
adds what is LangChain's: the answer goes through the same ``answer_to_message`` as ``invoke``'s,
and errors, like every error ``ChatGrok`` raises, are also ``langchain_core.exceptions`` model
errors.

``ChatGrok.defer`` plans the request the way ``batch_submit`` does (so ``llm.bind_tools([...])``
and ``llm.bind(response_format=...)`` send what they bind, through ``ChatGrokBinding``), which
is the way ``invoke`` plans it.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage

from grok_transport import GrokDeferredJob
from langchain_grok._errors import translated_errors

__all__ = ["ChatGrokDeferredJob"]


class ChatGrokDeferredJob(GrokDeferredJob[AIMessage]):
    """A deferred ``ChatGrok`` call on xAI's side; its result is an ``AIMessage``.

    Made by ``ChatGrok.defer`` / ``adefer``, or ``ChatGrok.deferred_job(request_id)`` in another
    process; its answer becomes a message through ``answer_to_message``, as ``invoke``'s does.
    ``result(timeout=…)`` / ``await aresult()`` wait for it (polling every second, then less
    often, as xAI's SDK does) and return the same message every time: xAI serves a result once,
    and the job keeps it. ``fetch()`` looks once and returns ``None`` while it is pending.
    """

    def fetch(self) -> AIMessage | None:
        with translated_errors():
            return super().fetch()

    async def afetch(self) -> AIMessage | None:
        with translated_errors():
            return await super().afetch()

    def result(self, **options: Any) -> AIMessage:
        """``GrokDeferredJob.result`` (``timeout``, default 600 s; ``poll_interval``, default 1 s)."""
        with translated_errors():
            return super().result(**options)

    async def aresult(self, **options: Any) -> AIMessage:
        """Async twin of :meth:`result`."""
        with translated_errors():
            return await super().aresult(**options)
