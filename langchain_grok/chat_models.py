"""``ChatGrok``: a LangChain chat model for Grok over ``grok_transport``."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from functools import lru_cache
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Literal, cast

from langchain_core.exceptions import OutputParserException
from langchain_core.language_models import BaseChatModel, LanguageModelInput, ModelProfile
from langchain_core.messages import AIMessage, BaseMessage, get_buffer_string
from langchain_core.output_parsers import JsonOutputParser, PydanticOutputParser
from langchain_core.output_parsers.openai_tools import JsonOutputKeyToolsParser, PydanticToolsParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult, Generation
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_core.utils.function_calling import convert_to_json_schema, convert_to_openai_tool
from langchain_core.utils.pydantic import is_basemodel_subclass
from langchain_core.utils.utils import _build_model_kwargs
from pydantic import AliasChoices, ConfigDict, Field, PrivateAttr, field_validator, model_validator

import grok_transport
from grok_transport import (
    DEFAULT_MODELS,
    JSON_OBJECT_FORMAT,
    PARAMETERS,
    PLAN_SETTINGS,
    PROVIDERS,
    SERVER_TOOL_TYPES,
    Answer,
    AsyncGrokClient,
    Call,
    Endpoint,
    GrokClient,
    check_params,
    estimate_tokens,
    json_schema_format,
    lookup,
    normalize_tool_choice,
    plan_arguments,
    provider_named,
    server_tool,
)
from langchain_grok._batch import ChatGrokBatchJob, ChatGrokBinding, batch_message
from langchain_grok._blocks import PROVIDER
from langchain_grok._connection import GrokConnectionMixin
from langchain_grok._convert import StreamChunks, answer_to_message, messages_to_wire
from langchain_grok._deferred import ChatGrokDeferredJob
from langchain_grok._errors import translated_errors

if TYPE_CHECKING:
    from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
    from langchain_core.language_models.base import LangSmithParams
    from langchain_core.runnables import RunnableConfig
    from langchain_core.tools import BaseTool
    from typing_extensions import Self

__all__ = ["ChatGrok"]

log = logging.getLogger("langchain_grok")

StructuredOutputMethod = Literal["function_calling", "json_schema", "json_mode"]

_PARAMETER = {parameter.name: parameter for parameter in PARAMETERS}
# Model fields that are API parameters (the transport's registry), sent under their name when set.
_API_PARAMS = tuple(_PARAMETER)


def _api_parameter(name: str) -> Any:
    """The field of one registered API parameter: ``None`` (not sent) by default, its aliases."""
    parameter = _PARAMETER[name]
    alias = AliasChoices(name, *parameter.aliases) if parameter.aliases else None
    return Field(default=None, description=parameter.description, validation_alias=alias)


# Keyword arguments LangChain's structured output binds for tracing; never sent.
_TRACING_ONLY = frozenset({"ls_structured_output_format", "structured_output_format"})
# What ``_plan`` reads from the instance, by ``grok_transport.plan_arguments``'s names.
_MODEL_SETTINGS = (*_API_PARAMS, *PLAN_SETTINGS, "extra_body")


class ChatGrok(BaseChatModel, GrokConnectionMixin):
    """Grok chat models (xAI, Grok Inc, grokapi.io, any Grok proxy) for LangChain.

    A drop-in replacement for ``langchain_xai.ChatXAI`` over a plain httpx transport: the same
    constructor names (``model``, ``api_key``/``xai_api_key``, ``base_url``/``xai_api_base``,
    sampling parameters, ``reasoning_effort``…), the same ``response_metadata`` keys, and none of
    its known defects (empty assistant content sent as ``null``, merged v1 stream blocks,
    ``total_tokens != input + output``, parameters sent to models that reject them).

    ```python
    from langchain_grok import ChatGrok

    llm = ChatGrok(model="grok-4.3")  # key from XAI_API_KEY (or GROK_API_KEY)
    llm.invoke("Why is the sky blue?")

    inc = ChatGrok(provider="grokinc")  # X-API-Key auth, system prompts folded into the user turn
    ```

    Construction does no I/O and builds no HTTP client; clients are built on the first call and
    shared by every instance with the same provider, URL, key, timeout, retries, headers and
    rate limit. Copies (``model_copy``, ``deepcopy``) and pickles (multiprocessing, joblib, Ray)
    carry the settings and the key, never the clients: a copy gets them again on first use.
    Only the parameters you set are sent. Parameters the model is known to reject (``stop`` and
    penalties on reasoning models, ``reasoning_effort`` where unsupported) are dropped with a
    ``grok_transport.UnsupportedParameterWarning``.

    Server-side tools (``ChatGrok(server_tools=["web_search"])``, or bound:
    ``llm.bind_tools([{"type": "web_search"}])``) and ``previous_response_id=`` move the call to
    xAI's Responses API, which runs the tools and cites its sources (see ``use_responses_api``).
    Which endpoint serves a call is ``grok_transport.plan``'s decision; the answer has the same
    shape either way. A remote MCP server is one more server-side tool
    (``grok_transport.mcp_tool(url, server_label=…, authorization=…)``, its credentials kept secret);
    stored answers are read back and deleted with ``get_response`` / ``delete_response``, and
    ``defer`` starts a call whose ``AIMessage`` is collected later, from any process.

    Documents: a ``file`` content block (PDF or text, as ``base64``, a ``url`` or a ``file_id``)
    moves the call to the Responses API too, where xAI searches the document for the answer.
    Inline data is uploaded through the Files API first (up to 48 MB; once per document, however
    many turns resend it). ``profile["pdf_inputs"]`` says whether the model takes documents.

    Errors are ``grok_transport`` errors that are also ``langchain_core.exceptions`` model errors
    (``except ModelRateLimitError`` and ``except grok_transport.RateLimitError`` both work).

    ``response_metadata["model_provider"]`` and ``ls_provider`` are ``"grok"`` for every provider:
    ``"xai"`` is langchain-xai's name, and the v1 block translator is registered under ``"grok"``.

    !!! note
        ``init_chat_model`` cannot build ``ChatGrok``: its provider table is closed to third
        parties and infers ``grok*`` model names as ``langchain_xai``. Instantiate it directly.
    """

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    # -- connection (api_key, base_url, provider, auth_style, timeout, max_retries,
    #    default_headers, http_client, http_async_client: see GrokConnectionMixin) -------------

    model_name: str | None = Field(default=None, alias="model")
    """Model to call. Defaults to the provider's default (xAI: ``grok-4.3``)."""

    # -- request parameters -----------------------------------------------------------------

    # Each described once, in grok_transport's PARAMETERS (a test holds this list equal to it).
    temperature: float | None = _api_parameter("temperature")
    max_tokens: int | None = _api_parameter("max_tokens")
    top_p: float | None = _api_parameter("top_p")
    frequency_penalty: float | None = _api_parameter("frequency_penalty")
    presence_penalty: float | None = _api_parameter("presence_penalty")
    stop: list[str] | None = _api_parameter("stop")
    seed: int | None = _api_parameter("seed")
    reasoning_effort: str | None = _api_parameter("reasoning_effort")
    logprobs: bool | None = _api_parameter("logprobs")
    top_logprobs: int | None = _api_parameter("top_logprobs")
    user: str | None = _api_parameter("user")
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Other API parameters, sent as given (unknown constructor arguments land here, with a warning)."""
    extra_body: dict[str, Any] | None = None
    """Merged into the JSON body last, unchecked: for what this class does not know."""
    disabled_params: dict[str, Any] | None = None
    """Parameter names never to send (values are ignored), e.g. ``{"parallel_tool_calls": None}``
    for a proxy that rejects them. The escape hatch for a model the catalogue does not know."""

    # -- behaviour (the call plan's settings; each can also be given per call) ------------------

    streaming: bool = False
    """Stream by default in ``invoke`` (tokens reach streaming callbacks)."""
    stream_usage: bool | None = None
    """Ask for usage on streams (``stream_options.include_usage``); turn off for proxies that
    reject ``stream_options``. Unset: the provider's default (on). The usage arrives on the
    last chunk."""
    include_response_headers: bool = False
    """Put the response headers (and parsed ``X-Ratelimit-*`` limits) in ``response_metadata``."""
    use_responses_api: bool | None = None
    """Talk to ``/v1/responses`` instead of ``/v1/chat/completions``. ``None`` (default): only
    when a server-side tool (``web_search``, ``x_search``, code execution…) is bound or a
    Responses-only parameter (``previous_response_id``…) is given, as ChatXAI does; those exist
    only there. ``False`` refuses them before any request. Answers keep the same shape."""
    server_tools: list[dict[str, Any]] = Field(default_factory=list)
    """Tools xAI runs itself, sent on every call beside any bound tools: names
    (``["web_search", "x_search"]``) or dicts with options (``{"type": "web_search", …}``)."""
    store: bool | None = None
    """Whether xAI keeps the response (Responses API, for ``previous_response_id``); the server's
    default when unset. With ``False`` the reasoning comes back encrypted in the answer's
    ``responses_output``, which the next turn replays, so a conversation still continues."""
    conversation_id: str | None = None
    """Sent as ``x-grok-conv-id`` (and ``prompt_cache_key`` on the Responses API): pins requests
    to one prompt-cache server, for cache hits. ``prompt_cache_key`` itself can be given per
    call or in ``model_kwargs``."""
    token_counting: Literal["auto", "api", "estimate"] = "auto"
    """How ``get_num_tokens`` counts. ``api``: the server's tokenizer (``/v1/tokenize-text``),
    errors raised. ``estimate``: ``grok_transport.estimate_tokens``, no network.
    ``auto`` (default): the tokenizer for xAI and custom servers, and the estimate for
    providers without one (Grok Inc, grokapi.io) or once the tokenizer proved unreachable
    (connection error or 404; remembered per instance, so offline code pays the retries once)."""

    _tokenizer_unreachable: bool = PrivateAttr(default=False)

    # -- construction -----------------------------------------------------------------------

    def __init__(self, **kwargs: Any) -> None:
        """Validate, resolve the connection, and check there is a key (no I/O, no client).

        Parameter values no model accepts raise ``InvalidParameterError`` here, as for ``Grok``
        (the transport's ``check_params``): not a pydantic error, which would wrap it.
        """
        super().__init__(**kwargs)
        with translated_errors():
            check_params(self._default_params)
        self._require_api_key()

    @model_validator(mode="before")
    @classmethod
    def _collect_model_kwargs(cls, values: Any) -> Any:
        """Unknown constructor arguments go to ``model_kwargs`` (with a warning), as in ChatOpenAI."""
        if not isinstance(values, dict):
            return values
        values = {**values, "model_kwargs": dict(values.get("model_kwargs") or {})}
        return _build_model_kwargs(values, set(_field_names(cls)))

    @field_validator("server_tools", mode="before")
    @classmethod
    def _expand_server_tools(cls, value: Any) -> Any:
        """Names become ``{"type": name}``; anything that is not a server-side tool is refused."""
        return [server_tool(tool) for tool in value or ()]

    @model_validator(mode="after")
    def _resolve_grok_connection(self) -> Self:
        """Fill provider, base URL, key and model from arguments, environment and defaults."""
        self._resolve_connection_fields()
        if self.model_name is None:
            self.model_name = DEFAULT_MODELS.get(self.provider or "xai", DEFAULT_MODELS["xai"])
        if self.profile is None:  # core resolved it before the model name was known
            self.profile = self._resolve_model_profile()
        return self

    @model_validator(mode="after")
    def _set_grok_version(self) -> Self:
        self._add_version("grok-integrations", grok_transport.__version__)
        return self

    # -- LangChain hooks ----------------------------------------------------------------------

    @property
    def _llm_type(self) -> str:
        return "grok-chat"

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The key (and a store URL's password) serialized as references to environment variables."""
        spec = PROVIDERS.get(self.provider or "xai")
        return {"api_key": spec.key_env[0] if spec else "GROK_API_KEY", **self._store_secrets()}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Serializable with ``dumpd`` (key as a secret reference).

        ``langchain_core.load.load`` accepts only classes on core's allowlist unless you pass
        ``allowed_objects=[ChatGrok]`` (and ``valid_namespaces=["langchain_grok"]``).
        """
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        """``["langchain_grok", "chat_models"]``."""
        return ["langchain_grok", "chat_models"]

    @property
    def _default_params(self) -> dict[str, Any]:
        """The API parameters set on the instance (``None`` = not set, never sent)."""
        params = {name: getattr(self, name) for name in _API_PARAMS}
        return {name: value for name, value in params.items() if value is not None}

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {
            "model_name": self.model_name,
            "provider": self.provider,
            "base_url": self.base_url,
            **self._default_params,
            **self.model_kwargs,
        }

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        ls_params: LangSmithParams = {
            "ls_provider": PROVIDER,
            "ls_model_name": kwargs.get("model") or self.model_name or "",
            "ls_model_type": "chat",
        }
        if (temperature := kwargs.get("temperature", self.temperature)) is not None:
            ls_params["ls_temperature"] = temperature
        if (max_tokens := kwargs.get("max_tokens", self.max_tokens)) is not None:
            ls_params["ls_max_tokens"] = max_tokens
        if stop := (stop or kwargs.get("stop") or self.stop):
            ls_params["ls_stop"] = stop
        return ls_params

    def _resolve_model_profile(self) -> ModelProfile | None:
        if not self.model_name:
            return None
        return cast("ModelProfile", _profile(self.model_name, self.provider or "xai"))

    def _combine_llm_outputs(self, llm_outputs: list[dict[str, Any] | None]) -> dict[str, Any]:
        usage: dict[str, Any] = {}
        combined: dict[str, Any] = {}
        for output in llm_outputs:
            if not output:
                continue
            for key, value in (output.get("token_usage") or {}).items():
                if isinstance(value, int) and not isinstance(value, bool):
                    usage[key] = usage.get(key, 0) + value
            for key in ("model_name", "system_fingerprint"):
                if output.get(key):
                    combined.setdefault(key, output[key])
        return {"token_usage": usage, **combined}

    # -- calls: plan, send, convert ---------------------------------------------------------------

    def _plan(
        self,
        client: GrokClient | AsyncGrokClient,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> Call:
        """What one call sends: instance settings and parameters, then the per-call ones."""
        defaults = {name: getattr(self, name) for name in _MODEL_SETTINGS}
        defaults["model"] = self.model_name
        defaults.update(self.model_kwargs)
        if stop is not None:
            kwargs = {**kwargs, "stop": stop}
        arguments = plan_arguments(defaults, kwargs, disabled=self.disabled_params or ())
        with translated_errors():
            return client.plan(messages_to_wire(messages), stream=stream, **arguments)

    def _result(self, answer: Answer) -> ChatResult:
        """The answer the way ``generate`` reports it (``llm_output`` is what batches combine)."""
        message = answer_to_message(answer, include_headers=self.include_response_headers)
        info: dict[str, Any] = {"finish_reason": answer.finish_reason}
        if answer.logprobs is not None:
            info["logprobs"] = answer.logprobs
        llm_output: dict[str, Any] = {"model_name": answer.model}
        if answer.usage is not None:
            llm_output["token_usage"] = answer.usage.raw
        if answer.system_fingerprint:
            llm_output["system_fingerprint"] = answer.system_fingerprint
        return ChatResult(
            generations=[ChatGeneration(message=message, generation_info=info)], llm_output=llm_output
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        client = self.client
        call = self._plan(client, messages, stop, kwargs, stream=False)
        with translated_errors():
            answer = client.complete(call)
        return self._result(answer)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        client = self.async_client
        call = self._plan(client, messages, stop, kwargs, stream=False)
        with translated_errors():
            answer = await client.complete(call)
        return self._result(answer)

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        client = self.client
        call = self._plan(client, messages, stop, kwargs, stream=True)
        chunks = StreamChunks(include_headers=self.include_response_headers)
        with translated_errors(), client.stream(call) as stream:
            for delta in stream:
                if (chunk := chunks.chunk(delta)) is not None:
                    yield ChatGenerationChunk(message=chunk)

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        client = self.async_client
        call = self._plan(client, messages, stop, kwargs, stream=True)
        chunks = StreamChunks(include_headers=self.include_response_headers)
        with translated_errors():
            async with await client.stream(call) as stream:
                async for delta in stream:
                    if (chunk := chunks.chunk(delta)) is not None:
                        yield ChatGenerationChunk(message=chunk)

    # -- tools and structured output ------------------------------------------------------------

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: dict[str, Any] | str | bool | None = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> ChatGrokBinding:
        """Bind tools (``BaseTool``, functions, pydantic classes, JSON-schema or OpenAI dicts).

        Server-side tools (``{"type": "web_search"}``, ``{"type": "x_search"}``,
        ``{"type": "code_interpreter"}``…) can be mixed in; the model then talks to the
        Responses API, which runs them and returns citations.

        ``tool_choice``: ``"auto"``, ``"none"``, ``"any"``/``"required"``/``True`` (some tool must
        be called), a tool's name (that tool must be called), or an OpenAI-style dict.
        ``strict`` is sent on each function only when set (xAI treats it as compatibility only).
        ``parallel_tool_calls=False`` asks for at most one call per turn.
        """
        formatted = [
            dict(tool)  # a server-side tool: sent as given, on the Responses API
            if isinstance(tool, dict) and tool.get("type") in SERVER_TOOL_TYPES
            else convert_to_openai_tool(tool, strict=strict)
            for tool in tools
        ]
        names = [t["function"]["name"] for t in formatted if "function" in t]
        with translated_errors():
            choice = normalize_tool_choice(tool_choice, names)
        if choice is not None:
            kwargs["tool_choice"] = choice
        if parallel_tool_calls is not None:
            kwargs["parallel_tool_calls"] = parallel_tool_calls
        return self.bind(tools=formatted, **kwargs)

    def with_structured_output(
        self,
        schema: dict[str, Any] | type | None = None,
        *,
        method: StructuredOutputMethod | None = None,
        include_raw: bool = False,
        strict: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """A runnable that answers with ``schema`` (pydantic class, TypedDict or JSON schema).

        ``method``:

        * ``"json_schema"``: ``response_format`` with the schema (the default for models whose
          profile has structured output; xAI enforces it server-side);
        * ``"function_calling"``: a forced call of a tool shaped like the schema (the default for
          models with tools but no structured output);
        * ``"json_mode"``: ``{"type": "json_object"}``; describe the schema in the prompt.

        ``strict`` is sent exactly as given (``None`` sends nothing): forcing it, as langchain-xai
        does for ``json_schema``, turns schemas xAI would accept into 400s.
        ``include_raw=True`` returns ``{"raw", "parsed", "parsing_error"}``.
        """
        if kwargs:
            raise ValueError(f"Unexpected keyword arguments: {sorted(kwargs)}")
        method = method or self._default_structured_method()
        is_pydantic = isinstance(schema, type) and is_basemodel_subclass(schema)
        trace = {"kwargs": {"method": method, "strict": strict}, "schema": schema}
        parser: Runnable[Any, Any]
        if method == "function_calling":
            if schema is None:
                raise ValueError("method='function_calling' needs a schema.")
            tool_name = convert_to_openai_tool(schema)["function"]["name"]
            llm = self.bind_tools(
                [schema], tool_choice=tool_name, strict=strict, ls_structured_output_format=trace
            )
            parser = (
                _PydanticToolParser(tools=[schema], first_tool_only=True)  # type: ignore[list-item]
                if is_pydantic
                else _JsonToolParser(key_name=tool_name, first_tool_only=True)
            )
        elif method == "json_schema":
            if schema is None:
                raise ValueError("method='json_schema' needs a schema.")
            response_format = json_schema_format(convert_to_json_schema(schema), strict=strict)
            llm = self.bind(response_format=response_format, ls_structured_output_format=trace)
            parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()  # type: ignore[arg-type]
        elif method == "json_mode":
            llm = self.bind(response_format=JSON_OBJECT_FORMAT, ls_structured_output_format=trace)
            parser = PydanticOutputParser(pydantic_object=schema) if is_pydantic else JsonOutputParser()  # type: ignore[arg-type]
        else:
            raise ValueError(f"method must be function_calling, json_schema or json_mode, not {method!r}.")
        if not include_raw:
            return llm | parser
        parsed = RunnablePassthrough.assign(parsed=itemgetter("raw") | parser, parsing_error=lambda _: None)
        unparsed = RunnablePassthrough.assign(parsed=lambda _: None)
        return RunnableMap(raw=llm) | parsed.with_fallbacks([unparsed], exception_key="parsing_error")

    def _default_structured_method(self) -> StructuredOutputMethod:
        info = lookup(self.model_name or "", self.provider)
        if info.structured_output:
            return "json_schema"
        return "function_calling" if info.tools else "json_mode"

    # -- xAI's Batch API ------------------------------------------------------------------------

    def batch_submit(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        stop: list[str] | None = None,
        batch_name: str | None = None,
        **kwargs: Any,
    ) -> ChatGrokBatchJob:
        """Send ``inputs`` to xAI's Batch API as one batch and return its job, without waiting.

        ``inputs`` are what ``batch`` takes (strings, message lists, prompt values) and
        ``kwargs`` what ``invoke`` takes; each request is planned exactly as ``invoke`` plans
        it (tools, parameters, the endpoint), and a bound model (``llm.bind_tools([...])``,
        ``llm.bind(temperature=0)``) sends what it binds. Every input is planned before the
        batch is created, so a bad one is refused before any request.

        A batch costs half price, does not count against rate limits and mostly finishes
        within a day; ``job.wait()`` shows its progress, ``job.results()`` returns one
        ``AIMessage`` per input in input order, and ``ChatGrok.batch_job(job.id)`` collects it
        from another process. No callbacks run: nothing is invoked here. The
        ``conversation_id`` header cannot travel in a batch item (on the Responses API its
        ``prompt_cache_key`` does).
        """
        client = self.client
        bodies, endpoint = self._batch_bodies(client, inputs, stop, kwargs)
        with translated_errors():
            job = client.batches.submit(bodies, endpoint=endpoint, name=batch_name)
        return self._batch_job(job.id, job.total)

    async def abatch_submit(
        self,
        inputs: Sequence[LanguageModelInput],
        *,
        stop: list[str] | None = None,
        batch_name: str | None = None,
        **kwargs: Any,
    ) -> ChatGrokBatchJob:
        """Async twin of :meth:`batch_submit`."""
        client = self.async_client
        bodies, endpoint = self._batch_bodies(client, inputs, stop, kwargs)
        with translated_errors():
            job = await client.batches.submit(bodies, endpoint=endpoint, name=batch_name)
        return self._batch_job(job.id, job.total)

    def batch_job(self, batch_id: str) -> ChatGrokBatchJob:
        """The job of a batch submitted earlier, from this process or any other, by its id."""
        return self._batch_job(batch_id)

    def _batch_job(self, batch_id: str, total: int | None = None) -> ChatGrokBatchJob:
        with translated_errors():
            return ChatGrokBatchJob(
                self.client, batch_id, async_client=self.async_client, total=total, convert=batch_message
            )

    def _batch_bodies(
        self,
        client: GrokClient | AsyncGrokClient,
        inputs: Sequence[LanguageModelInput],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> tuple[list[dict[str, Any]], Endpoint]:
        """Each input's request body, planned as ``invoke`` plans it, and their one endpoint.

        The endpoint depends on the tools and parameters only, which every input shares.
        """
        kwargs = {k: v for k, v in kwargs.items() if k not in _TRACING_ONLY}
        calls = [
            self._plan(client, self._convert_input(item).to_messages(), stop, kwargs, stream=False)
            for item in inputs
        ]
        # No input: the transport refuses the empty batch before any request.
        return [call.body for call in calls], calls[0].endpoint if calls else "/chat/completions"

    # -- deferred completions and stored responses ------------------------------------------------

    def defer(
        self, input: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> ChatGrokDeferredJob:
        """Start ``input`` as an xAI deferred completion and return its job, without waiting.

        Planned exactly as ``batch_submit`` plans an item (bound tools and structured-output
        settings included), so ``job.result()`` is the ``AIMessage`` ``invoke`` would return.
        Deferred completions exist on chat completions only: server-side tools, files or
        ``previous_response_id`` are refused before any request. Keep ``job.id`` to collect
        the answer from another process with :meth:`deferred_job` within 24 hours; xAI serves
        it once. No callbacks run.
        """
        client = self.client
        call = self._deferred_call(client, input, stop, kwargs)
        with translated_errors():
            return self.deferred_job(client.deferred.start(call))

    async def adefer(
        self, input: LanguageModelInput, *, stop: list[str] | None = None, **kwargs: Any
    ) -> ChatGrokDeferredJob:
        """Async twin of :meth:`defer`."""
        client = self.async_client
        call = self._deferred_call(client, input, stop, kwargs)
        with translated_errors():
            return self.deferred_job(await client.deferred.start(call))

    def deferred_job(self, request_id: str) -> ChatGrokDeferredJob:
        """The job of a deferred call started earlier, from this process or any other, by its id."""
        with translated_errors():
            return ChatGrokDeferredJob(
                self.client, request_id, async_client=self.async_client, convert=answer_to_message
            )

    def _deferred_call(
        self,
        client: GrokClient | AsyncGrokClient,
        input: LanguageModelInput,
        stop: list[str] | None,
        kwargs: Any,
    ) -> Call:
        bodies, endpoint = self._batch_bodies(client, [input], stop, kwargs)
        return Call(endpoint, bodies[0])

    def get_response(self, response_id: str) -> AIMessage:
        """A stored Responses-API answer (``response_metadata["id"]``) as ``invoke`` returned it.

        xAI keeps Responses-API answers for 30 days unless ``store=False``; with
        ``previous_response_id=`` a later call continues that conversation. A LangChain user
        holds messages, not response objects, so this returns the message (its
        ``response_metadata`` and ``usage_metadata`` included). An unknown or deleted id raises
        ``NotFoundError``.
        """
        with translated_errors():
            return answer_to_message(self.client.responses.get(response_id))

    async def aget_response(self, response_id: str) -> AIMessage:
        """Async twin of :meth:`get_response`."""
        with translated_errors():
            return answer_to_message(await self.async_client.responses.get(response_id))

    def delete_response(self, response_id: str) -> bool:
        """Delete a stored Responses-API answer at xAI; ``previous_response_id`` cannot name it again."""
        with translated_errors():
            return self.client.responses.delete(response_id)

    async def adelete_response(self, response_id: str) -> bool:
        """Async twin of :meth:`delete_response`."""
        with translated_errors():
            return await self.async_client.responses.delete(response_id)

    # -- bindings: what they bind reaches batch_submit too -----------------------------------------

    def bind(self, **kwargs: Any) -> ChatGrokBinding:
        """``Runnable.bind``; ``batch_submit`` on the result sends the bound arguments too."""
        return ChatGrokBinding(bound=self, kwargs=kwargs, config={})

    def with_config(self, config: RunnableConfig | None = None, **kwargs: Any) -> ChatGrokBinding:
        """``Runnable.with_config``, as a binding a later ``bind`` keeps batch-aware."""
        return ChatGrokBinding.of(super().with_config(config, **kwargs))

    def with_listeners(self, **listeners: Any) -> ChatGrokBinding:
        """``Runnable.with_listeners``, as a binding a later ``bind`` keeps batch-aware."""
        return ChatGrokBinding.of(super().with_listeners(**listeners))

    def with_alisteners(self, **listeners: Any) -> ChatGrokBinding:
        """``Runnable.with_alisteners``, as a binding a later ``bind`` keeps batch-aware."""
        return ChatGrokBinding.of(super().with_alisteners(**listeners))

    def with_types(self, **types: Any) -> ChatGrokBinding:
        """``Runnable.with_types``, as a binding a later ``bind`` keeps batch-aware."""
        return ChatGrokBinding.of(super().with_types(**types))

    # -- token counting -------------------------------------------------------------------------

    def _tokenizer_first(self) -> bool:
        if self.token_counting == "estimate":
            return False
        if self.token_counting == "api":
            return True
        return provider_named(self.provider).tokenizer and not self._tokenizer_unreachable

    def get_token_ids(self, text: str) -> list[int]:
        """The model's token ids for ``text``, from the server's tokenizer (no offline fallback)."""
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        with translated_errors():
            return [
                token.token_id for token in self.client.tokens.tokenize(text, model=self.model_name or "")
            ]

    def get_num_tokens(self, text: str) -> int:
        """Tokens in ``text``: the server's tokenizer, or an estimate (see ``token_counting``)."""
        if self.custom_get_token_ids is not None:
            return len(self.custom_get_token_ids(text))
        if self._tokenizer_first():
            try:
                with translated_errors():
                    return self.client.tokens.count(text, model=self.model_name or "")
            except (grok_transport.APIConnectionError, grok_transport.NotFoundError) as error:
                if self.token_counting == "api":
                    raise
                self._tokenizer_unreachable = True
                log.info("tokenizer unreachable (%r); estimating token counts from now on", error)
        return estimate_tokens(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Tokens in a conversation (and tool schemas), counted in one tokenizer call."""
        text = get_buffer_string(messages)
        if tools:
            text += "\n" + json.dumps([convert_to_openai_tool(t) for t in tools], ensure_ascii=False)
        return self.get_num_tokens(text)


def _refuse_broken_calls(result: list[Generation]) -> None:
    """Raise when the model called a tool with arguments that are not a JSON object.

    LangChain's tool parsers read only ``tool_calls``; such a call sits in
    ``invalid_tool_calls``, so without this a broken answer would parse as no answer at all.
    """
    message = getattr(result[0], "message", None) if result else None
    if isinstance(message, AIMessage) and message.invalid_tool_calls and not message.tool_calls:
        call = message.invalid_tool_calls[0]
        raise OutputParserException(
            f"the model called {call.get('name')!r} with arguments that are not a JSON object: "
            f"{call.get('error')}",
            llm_output=call.get("args") or "",
        )


class _PydanticToolParser(PydanticToolsParser):
    """``PydanticToolsParser`` that reports a call with broken arguments (see ``_refuse_broken_calls``)."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        if not partial:
            _refuse_broken_calls(result)
        return super().parse_result(result, partial=partial)


class _JsonToolParser(JsonOutputKeyToolsParser):
    """``JsonOutputKeyToolsParser`` that reports a call with broken arguments."""

    def parse_result(self, result: list[Generation], *, partial: bool = False) -> Any:
        if not partial:
            _refuse_broken_calls(result)
        return super().parse_result(result, partial=partial)


@lru_cache(maxsize=256)
def _profile_items(model: str, provider: str) -> tuple[tuple[str, Any], ...]:
    info = lookup(model, provider)
    profile: dict[str, Any] = {
        "max_input_tokens": info.context_window,
        "max_output_tokens": info.max_output_tokens,
        "text_inputs": True,
        "image_inputs": info.vision,
        "image_url_inputs": info.vision,
        "pdf_inputs": info.documents,
        "audio_inputs": False,
        "video_inputs": False,
        "text_outputs": not info.image_generation,
        "image_outputs": info.image_generation,
        "tool_calling": info.tools,
        "tool_choice": info.tools,
        "tool_call_streaming": info.tools,
        "structured_output": info.structured_output,
        "reasoning_output": info.reasoning_content,
    }
    if info.known:
        profile["name"] = info.name
    if info.reasoning_effort_levels:
        profile["reasoning_effort_levels"] = list(info.reasoning_effort_levels)
    if info.retired:
        profile["status"] = "deprecated"
    return tuple(profile.items())


def _profile(model: str, provider: str) -> dict[str, Any]:
    """The LangChain profile of a catalogued model (a fresh dict: callers may edit theirs)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in _profile_items(model, provider)}


@lru_cache(maxsize=8)
def _field_names(cls: type[ChatGrok]) -> frozenset[str]:
    """Every name a field can be given by: its name, alias and validation aliases."""
    names: set[str] = set()
    for name, field in cls.model_fields.items():
        names.add(name)
        if field.alias:
            names.add(field.alias)
        choices = getattr(field.validation_alias, "choices", ())
        names.update(c for c in choices if isinstance(c, str))
    return frozenset(names)
