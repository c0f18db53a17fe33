"""``ChatGrok`` on xAI's Batch API: a job whose results are ``AIMessage`` objects, and bound models.

A batch runs on xAI's side (half price, outside the rate limits, mostly done within a day) and
is collected by id from any process (docs/wire.md, "Batch API"). ``grok_transport`` owns the
mechanics (submitting in bounded add calls, polling, paging results back into input order);
this module adds what is LangChain's:

* :class:`ChatGrokBatchJob`: a ``GrokBatchJob`` whose results go through the same
  ``answer_to_message`` as ``invoke``'s, and whose errors, like every error ``ChatGrok``
  raises, are also ``langchain_core.exceptions`` model errors;
* :class:`ChatGrokBinding`: what ``ChatGrok.bind`` / ``bind_tools`` / ``with_config`` return.
  LangChain's ``RunnableBinding`` forwards an attribute it lacks to the model but passes only
  its ``config`` along, not its bound keyword arguments, so
  ``llm.bind_tools([...]).batch_submit(...)`` would submit every request without the tools.
  This binding sends them, as ``invoke`` on the same binding would; so does its ``defer``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, TypeVar, cast

from langchain_core.language_models import LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_core.runnables import Runnable, RunnableBinding

from grok_transport import Answer, GrokBatchJob, GrokError
from langchain_grok._convert import answer_to_message
from langchain_grok._deferred import ChatGrokDeferredJob
from langchain_grok._errors import as_langchain_error, translated_errors

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import _ChatModelBinding as _CoreBinding

    from langchain_grok.chat_models import ChatGrok
else:
    # langchain-core 1.8 types ``BaseChatModel.bind`` as this private subclass (chat-typed
    # ``stream_events``); earlier versions bind a plain ``RunnableBinding``.
    _CoreBinding = getattr(
        import_module("langchain_core.language_models.chat_models"), "_ChatModelBinding", RunnableBinding
    )

__all__ = ["ChatGrokBatchJob", "ChatGrokBinding", "batch_message"]


def batch_message(index: int, answer: Answer) -> AIMessage:
    """One finished item as ``invoke`` would have returned it (a batch answer has no headers)."""
    return answer_to_message(answer)


_F = TypeVar("_F", bound=Callable[..., Any])


def _duals(result: Any) -> Any:
    """Failed items of a result list as the LangChain duals of their errors."""
    if isinstance(result, list):
        return [as_langchain_error(item) if isinstance(item, GrokError) else item for item in result]
    return result


def _translated(method: _F) -> _F:
    """``method`` raising, and returning failed items as, LangChain's duals of transport errors."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def run_async(*args: Any, **kwargs: Any) -> Any:
            with translated_errors():
                return _duals(await method(*args, **kwargs))

        return cast("_F", run_async)

    @functools.wraps(method)
    def run(*args: Any, **kwargs: Any) -> Any:
        with translated_errors():
            return _duals(method(*args, **kwargs))

    return cast("_F", run)


class ChatGrokBatchJob(GrokBatchJob[AIMessage]):
    """A batch of ``ChatGrok`` calls on xAI's side; results are ``AIMessage`` objects in input order.

    Made by ``ChatGrok.batch_submit`` / ``abatch_submit``, or ``ChatGrok.batch_job(batch_id)``
    in another process. ``wait()`` / ``await await_completion()`` poll with backoff and show a
    progress bar (tqdm, when installed); ``results()`` / ``await aresults()`` return one message
    per input, with ``usage_metadata`` and the item's cost in
    ``response_metadata["cost_in_usd_ticks"]``. A failed item is a ``BatchItemError`` (also a
    LangChain ``ModelError``): raised, or in its slot with ``return_exceptions=True``. Every
    method is ``GrokBatchJob``'s, with its errors as ``ChatGrok`` raises them.
    """

    def __repr__(self) -> str:
        return f"ChatGrokBatchJob(id={self.id!r})"

    status = _translated(GrokBatchJob.status)
    astatus = _translated(GrokBatchJob.astatus)
    wait = _translated(GrokBatchJob.wait)
    await_completion = _translated(GrokBatchJob.await_completion)
    results = _translated(GrokBatchJob.results)
    aresults = _translated(GrokBatchJob.aresults)
    cancel = _translated(GrokBatchJob.cancel)
    acancel = _translated(GrokBatchJob.acancel)


class ChatGrokBinding(_CoreBinding):
    """A bound ``ChatGrok`` whose batch submissions carry the bound arguments (see the module).

    Everything else is LangChain's ``RunnableBinding``, whose ``bind`` and ``with_*`` methods
    keep this class. It serializes as a plain ``RunnableBinding``, which is what ``load`` rebuilds.
    """

    @classmethod
    def lc_id(cls) -> list[str]:
        return RunnableBinding.lc_id()

    @classmethod
    def of(cls, binding: Runnable[Any, Any]) -> ChatGrokBinding:
        """The same binding (model, arguments, config, listeners, types) as this class.

        ``binding`` is what ``Runnable.with_config`` and the other ``with_*`` methods return.
        """
        assert isinstance(binding, RunnableBinding)
        return cls(
            bound=binding.bound,
            kwargs=binding.kwargs,
            config=binding.config,
            config_factories=binding.config_factories,
            custom_input_type=binding.custom_input_type,
            custom_output_type=binding.custom_output_type,
        )

    @property
    def _model(self) -> ChatGrok:
        return cast("ChatGrok", self.bound)

    def batch_submit(self, inputs: Sequence[LanguageModelInput], **kwargs: Any) -> ChatGrokBatchJob:
        """``ChatGrok.batch_submit`` with the bound arguments (a call's own win)."""
        return self._model.batch_submit(inputs, **{**self.kwargs, **kwargs})

    async def abatch_submit(self, inputs: Sequence[LanguageModelInput], **kwargs: Any) -> ChatGrokBatchJob:
        """Async twin of :meth:`batch_submit`."""
        return await self._model.abatch_submit(inputs, **{**self.kwargs, **kwargs})

    def batch_job(self, batch_id: str) -> ChatGrokBatchJob:
        """``ChatGrok.batch_job``: results do not depend on what was bound."""
        return self._model.batch_job(batch_id)

    def defer(self, input: LanguageModelInput, **kwargs: Any) -> ChatGrokDeferredJob:
        """``ChatGrok.defer`` with the bound arguments (a call's own win)."""
        return self._model.defer(input, **{**self.kwargs, **kwargs})

    async def adefer(self, input: LanguageModelInput, **kwargs: Any) -> ChatGrokDeferredJob:
        """Async twin of :meth:`defer`."""
        return await self._model.adefer(input, **{**self.kwargs, **kwargs})

    def deferred_job(self, request_id: str) -> ChatGrokDeferredJob:
        """``ChatGrok.deferred_job``: the answer does not depend on what was bound."""
        return self._model.deferred_job(request_id)
