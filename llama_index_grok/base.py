"""``Grok``: a LlamaIndex ``FunctionCallingLLM`` over :mod:`grok_transport`.

The class is deliberately thin. Which endpoint serves a call (chat completions or the Responses
API), parameter hygiene, HTTP, retries, SSE and typed errors live in ``grok_transport``: every
call here is the same three steps, whatever the endpoint — convert the messages
(:mod:`llama_index_grok._convert`), ``client.plan(...)`` with this model's settings, then
``client.complete(call)`` or ``client.stream(call)`` — and the one ``Answer`` (or its
``Delta``s) is converted back.

What it does that the alternatives get wrong (see the project's LlamaIndex notes):

* every endpoint carries core's callback decorator, so instrumentation events and callbacks
  fire for all eight; ``astream_chat`` / ``astream_complete`` are coroutines that *return* async
  generators, as core's agents, chat engines and query engines ``await`` them;
* metadata comes from the model catalogue and never raises, whatever the model name;
* the key is resolved at construction (a missing or blank key fails there, naming the variables
  tried) but kept out of ``repr``, ``to_dict`` / ``to_json`` and ``to_payload`` (which feeds
  every event);
* no HTTP client exists until the first call, the async client keeps one pool per event loop
  (``asyncio.run`` twice, or a notebook, is safe), and a copy or an unpickled model drops the
  live clients and builds its own on its first call;
* ``_prepare_chat_with_tools`` honours ``tool_required`` and ``tool_choice``, never mutates the
  caller's history, and sends no ``tool_choice`` when there are no tools;
* structured output uses xAI's ``json_schema`` response format when the model supports it (and
  ``pydantic_program_mode`` is DEFAULT), function calling otherwise;
* server-side tools (web search, X search, code execution) and citations exist only on xAI's
  Responses API; the transport's plan sends a call there when they are bound (or
  ``previous_response_id`` is passed), and every endpoint, tool calling and the agents work the
  same either way.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal, overload

from llama_index.core.base.llms.generic_utils import (
    achat_to_completion_decorator,
    astream_chat_to_completion_decorator,
    chat_to_completion_decorator,
    stream_chat_to_completion_decorator,
)
from llama_index.core.base.llms.types import (
    ChatMessage,
    ChatResponse,
    ChatResponseAsyncGen,
    ChatResponseGen,
    CompletionResponse,
    CompletionResponseAsyncGen,
    CompletionResponseGen,
    LLMMetadata,
    MessageRole,
    ToolCallBlock,
)
from llama_index.core.bridge.pydantic import Field, PrivateAttr, SecretStr, field_serializer, field_validator
from llama_index.core.instrumentation import get_dispatcher  # type: ignore[attr-defined]  # re-exported
from llama_index.core.instrumentation.events.llm import (
    LLMStructuredPredictEndEvent,
    LLMStructuredPredictStartEvent,
)
from llama_index.core.llms.callbacks import llm_chat_callback, llm_completion_callback
from llama_index.core.llms.function_calling import FunctionCallingLLM
from llama_index.core.llms.llm import ToolSelection
from llama_index.core.llms.utils import parse_partial_json
from llama_index.core.types import Model, PydanticProgramMode
from pydantic import AliasChoices

from grok_transport import (
    CLIENT_SETTINGS,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MODELS,
    PARAMETERS,
    PLAN_SETTINGS,
    Answer,
    AsyncGrokClient,
    Call,
    ClientSettings,
    Endpoint,
    GrokBatchJob,
    GrokClient,
    GrokClients,
    GrokDeferredJob,
    McpTool,
    check_params,
    function_tool,
    json_schema_format,
    lookup,
    normalize_tool_choice,
    plan_arguments,
    resolve_connection,
    server_tool,
    shown_setting,
)
from llama_index_grok._batch import BatchResponse, as_chat, as_completion, converter, input_messages
from llama_index_grok._connection import GrokConnected
from llama_index_grok._convert import StreamState, answer_to_response, legacy_tool_call, to_wire_messages
from llama_index_grok._deferred import deferred_job

if TYPE_CHECKING:
    import httpx
    from llama_index.core.program.utils import FlexibleModel
    from llama_index.core.prompts import PromptTemplate
    from llama_index.core.tools.types import BaseTool

__all__ = ["Grok"]

dispatcher = get_dispatcher(__name__)

_SETTING_FIELDS = tuple(name for name in CLIENT_SETTINGS if not name.startswith("http_"))
"""The connection settings ``Grok`` holds as fields (the ``httpx`` clients are not fields)."""
_API_PARAMETER: dict[str, Any] = {"api_parameter": True}


_PARAMETER = {parameter.name: parameter for parameter in PARAMETERS}


def _api_parameter(name: str) -> Any:
    """The field of one registered API parameter, sent under its name when set (``None``: not set).

    Its description and the values it takes are the transport's (``grok_transport.PARAMETERS``),
    checked by ``check_params`` in ``__init__``, as ``ChatGrok`` checks them.
    """
    parameter = _PARAMETER[name]
    alias = AliasChoices(name, *parameter.aliases) if parameter.aliases else None
    return Field(
        default=None,
        description=parameter.description,
        validation_alias=alias,
        json_schema_extra=_API_PARAMETER,
    )


_SCHEMA_NAME = re.compile(r"[^a-zA-Z0-9_-]")


class Grok(FunctionCallingLLM, GrokConnected):
    """Grok (xAI, Grok Inc, grokapi.io or any OpenAI-compatible Grok proxy) for LlamaIndex.

    Args:
        model: Model name; defaults to the provider's default (``grok-4.3`` on xAI).
        api_key: API key; else ``XAI_API_KEY`` / ``GROKINC_API_KEY`` / ``GROKAPI_API_KEY`` (by
            provider), then ``GROK_API_KEY``. Kept secret: never in repr or serialized output.
        base_url: Base URL (``…/v1``); ``api_base`` is accepted too. Else ``GROK_BASE_URL``,
            else the provider's.
        provider: ``xai``, ``grokinc``, ``grokapi`` or ``custom``; inferred from the URL.
        auth_style: ``"bearer"`` or ``"x-api-key"``, for a custom proxy; else the provider's.
        temperature, max_tokens, top_p, frequency_penalty, presence_penalty, stop, seed,
            reasoning_effort, logprobs, top_logprobs, user: API parameters, sent only when set;
            those the model rejects are dropped with an ``UnsupportedParameterWarning``.
        additional_kwargs: Other API parameters, by their API names (checked like the above).
        extra_body: Merged into the JSON body last, unchecked: for what this class does not know.
        disabled_params: Parameter names never to send (values ignored), e.g.
            ``{"parallel_tool_calls": None}`` for a proxy that rejects them.
        conversation_id: Sent as ``x-grok-conv-id`` (and ``prompt_cache_key`` on the Responses
            API), which routes a conversation's requests to one prompt cache.
        stream_usage: Ask for usage on streams (``stream_options.include_usage``); ``None``
            (default) is the provider's default. Turn off for proxies that reject it.
        include_response_headers: Put the response headers (and the parsed ``X-Ratelimit-*``
            limits) in ``ChatResponse.additional_kwargs``.
        timeout: Seconds; default ten minutes to read (reasoning models think), 10 s to connect.
        max_retries: Retries of connection errors, 408/429/5xx (``Retry-After`` honoured).
        rate_limit_rpm: Requests per minute this client allows itself per key; ``None`` (default)
            is the provider's documented limit (5 on Grok Inc, none elsewhere), ``0`` none.
        rate_limit_tpm: Tokens per minute this client allows itself per key and model; ``None``
            (default): none.
        rate_limit_store: ``redis://…`` to share the budget with every process using that
            Redis; ``None``: ``GROK_RATE_LIMIT_STORE``, else this process only.
        default_headers: Extra headers on every request.
        context_window, is_function_calling_model: Override the catalogue (e.g. for a proxy
            alias, or one without tools).
        http_client, async_http_client: Your own ``httpx`` clients (proxies, mTLS). A copy of the
            model shares them; a model holding one cannot be pickled.
        use_responses_api: ``True`` sends every call to xAI's Responses API (``/v1/responses``),
            ``False`` to chat completions; ``None`` (default) chooses the Responses API when
            server-side tools are bound or a call passes ``previous_response_id``.
        server_tools: Tools xAI runs itself, sent on every call beside any function tools:
            ``["web_search"]``, ``[{"type": "x_search", "allowed_x_handles": ["xai"]}]``,
            ``"code_interpreter"``…; a string means ``{"type": name}``.
        store: Whether xAI keeps the response (for ``previous_response_id``); the server's
            default when unset. With ``store=False`` the reasoning comes back encrypted so the
            next turn can replay it.

    Any API parameter (and ``previous_response_id``, ``conversation_id``, ``extra_body``…) can
    also be passed per call: ``llm.chat(messages, seed=7)``.

    On the Responses API the answer's sources are in ``message.additional_kwargs["citations"]``
    (and as ``CitationBlock``s), the server-side tool runs in ``["server_tool_calls"]``, the
    response id in ``["response_id"]`` and the raw output items in ``["responses_output"]``;
    keep the message in the history and the next turn replays them. To continue from a stored
    response instead, pass ``previous_response_id=`` to the call with only the new messages.

    Token counts are in ``raw["usage"]`` exactly as the server sent them (``TokenCountingHandler``
    reads them there) and in ``additional_kwargs``; on xAI ``completion_tokens`` excludes
    reasoning, which is reported as ``reasoning_tokens`` and included in ``total_tokens``.

    Examples:
        ``pip install "grok-integrations[llama-index]"``

        ```python
        from llama_index.core.llms import ChatMessage
        from llama_index_grok import Grok

        llm = Grok(model="grok-4.3")  # reads XAI_API_KEY
        print(llm.complete("Say hi").text)

        searcher = Grok(server_tools=["web_search"])  # the Responses API, automatically
        answer = searcher.chat([ChatMessage(role="user", content="Latest Python release?")])
        print(answer.message.content, answer.message.additional_kwargs["citations"])
        ```
    """

    model: str = Field(default=DEFAULT_MODELS["xai"], description="The Grok model to use.")
    api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="The API key (resolved from the environment when not given; never serialized).",
    )
    base_url: str | None = Field(default=None, description="The API base URL, ending in /v1.")
    provider: str = Field(default="xai", description="xai, grokinc, grokapi or custom.")
    auth_style: str | None = Field(
        default=None, description="'bearer' or 'x-api-key'; defaults to the provider's."
    )

    # -- API parameters (None: not sent) --------------------------------------------------------
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
    additional_kwargs: dict[str, Any] = Field(
        default_factory=dict, description="Extra request parameters, by their API names."
    )
    extra_body: dict[str, Any] | None = Field(
        default=None, description="Merged into the JSON body last, unchecked."
    )
    disabled_params: dict[str, Any] | None = Field(
        default=None, description="Parameter names never to send (values are ignored)."
    )

    # -- how calls are made -----------------------------------------------------------------------
    conversation_id: str | None = Field(
        default=None, description="Sent as x-grok-conv-id: one prompt cache for the conversation."
    )
    stream_usage: bool | None = Field(
        default=None, description="Ask for usage on streams; None: the provider's default."
    )
    include_response_headers: bool = Field(
        default=False, description="Put response headers and rate limits in additional_kwargs."
    )
    timeout: float | None = Field(
        default=None, description="Request timeout in seconds (default: 600 s read, 10 s connect)."
    )
    max_retries: int = Field(default=DEFAULT_MAX_RETRIES, description="Retries for transient failures.")
    rate_limit_rpm: int | None = Field(
        default=None,
        description="Client-side requests per minute per key; None: the provider's limit, 0: none.",
    )
    rate_limit_tpm: int | None = Field(
        default=None, description="Client-side tokens per minute per key and model; None: none."
    )
    rate_limit_store: str | None = Field(
        default=None,
        description="redis:// URL sharing the budget across processes; "
        "None: GROK_RATE_LIMIT_STORE, else in-process.",
    )
    default_headers: dict[str, str] | None = Field(
        default=None, description="Extra HTTP headers sent with every request."
    )
    management_api_key: SecretStr | None = Field(
        default=None,
        exclude=True,
        repr=False,
        description="Management key for client.collections (else XAI_MANAGEMENT_API_KEY; never serialized).",
    )
    management_base_url: str | None = Field(
        default=None,
        description="The Collections management host; https://management-api.x.ai/v1 by default.",
    )
    context_window: int | None = Field(
        default=None, gt=0, description="Override the catalogue's context window (e.g. for a proxy)."
    )
    is_function_calling_model: bool | None = Field(
        default=None,
        description="Whether the model takes tools; None reads the model catalogue.",
    )
    use_responses_api: bool | None = Field(
        default=None,
        description="True: xAI's Responses API; False: chat completions; None: the Responses API "
        "when server-side tools are bound or previous_response_id is passed.",
    )
    server_tools: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Server-side tools sent on every call, e.g. ['web_search'] or "
        "[{'type': 'x_search', 'allowed_x_handles': [...]}]; a string means {'type': name}.",
    )
    store: bool | None = Field(
        default=None,
        description="Whether xAI stores the response (Responses API); the server's default when unset.",
    )

    _clients: GrokClients = PrivateAttr()
    _metadata: tuple[tuple[Any, ...], LLMMetadata] | None = PrivateAttr(default=None)

    def __init__(
        self,
        model: str | None = None,
        api_key: str | SecretStr | None = None,
        base_url: str | None = None,
        provider: str | None = None,
        *,
        api_base: str | None = None,
        auth_style: str | None = None,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        **kwargs: Any,
    ) -> None:
        """Resolve the connection (a missing key fails here) and validate; no I/O, no client."""
        connection = resolve_connection(
            provider=provider,
            base_url=base_url or api_base,
            api_key=api_key,
            auth_style=auth_style,  # type: ignore[arg-type]
        )
        name = connection.provider.name
        super().__init__(
            model=model or DEFAULT_MODELS.get(name, DEFAULT_MODELS["xai"]),
            api_key=connection.api_key,
            base_url=connection.base_url,
            provider=name,
            auth_style=auth_style,
            **kwargs,
        )
        fields = {name: getattr(self, name) for name in _SETTING_FIELDS}
        settings = ClientSettings(**fields, http_client=http_client, http_async_client=async_http_client)
        self._clients = GrokClients(settings)
        check_params({name: value for name in _PARAMETER if (value := getattr(self, name)) is not None})

    @field_validator("additional_kwargs", mode="before")
    @classmethod
    def _none_is_no_additional_kwargs(cls, value: Any) -> Any:
        """``additional_kwargs=None`` means none, as in core's other LLMs."""
        return {} if value is None else value

    @field_serializer("rate_limit_store")
    def _store_without_password(self, store: str | None) -> str | None:
        """A store URL with a password is not serialized (``to_dict``, ``to_json``), like ``api_key``.

        The process that loads the model reads ``GROK_RATE_LIMIT_STORE`` instead, as a loaded
        ``ChatGrok`` does.
        """
        return None if shown_setting("rate_limit_store", store) != store else store

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """The fields as ``repr`` and ``str`` show them: a password in ``rate_limit_store`` masked."""
        for name, value in super().__repr_args__():
            yield name, shown_setting(name, value)

    @field_serializer("server_tools")
    def _server_tools_without_secrets(self, tools: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """An MCP tool's credentials are never serialized (``to_dict``, ``to_json``), like ``api_key``."""
        return [McpTool.without_secrets(tool) for tool in tools]

    @field_validator("server_tools", mode="before")
    @classmethod
    def _expand_server_tools(cls, value: Any) -> Any:
        """``"web_search"`` → ``{"type": "web_search"}``; a function tool here is a mistake."""
        if value is None:
            return []
        if isinstance(value, (str, Mapping)):
            value = [value]
        try:
            return [server_tool(tool) for tool in value]
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"server_tools takes server-side tools such as 'web_search': {error} "
                "Pass function tools to chat_with_tools or an agent."
            ) from None

    @classmethod
    def class_name(cls) -> str:
        """The name used in serialization and event payloads."""
        return "Grok_LLM"

    @property
    def api_base(self) -> str | None:
        """Alias of ``base_url``, the name OpenAI-style LlamaIndex LLMs use."""
        return self.base_url

    # -- metadata ---------------------------------------------------------------------------------

    @property
    def metadata(self) -> LLMMetadata:
        """Sizes and capabilities from the catalogue; an unknown model gets safe defaults."""
        key = (
            self.model,
            self.provider,
            self.context_window,
            self.max_tokens,
            self.is_function_calling_model,
        )
        cached = self._metadata
        if cached is not None and cached[0] == key:
            return cached[1]
        info = lookup(self.model, self.provider)
        metadata = LLMMetadata(
            context_window=self.context_window or info.context_window,
            num_output=self.max_tokens or info.max_output_tokens,
            is_chat_model=True,
            is_function_calling_model=(
                info.tools if self.is_function_calling_model is None else self.is_function_calling_model
            ),
            model_name=self.model,
            system_role=MessageRole.SYSTEM,
        )
        self._metadata = (key, metadata)
        return metadata

    def to_payload(self) -> dict[str, Any]:
        """What every event and callback sees: metadata and the provider, never the key."""
        return {"class_name": self.class_name(), "provider": self.provider, **self.metadata.model_dump()}

    # -- clients ----------------------------------------------------------------------------------

    def _settings(self, previous: ClientSettings) -> ClientSettings:
        """The fields' settings, with the caller's ``httpx`` clients from ``previous``."""
        return replace(previous, **{name: getattr(self, name) for name in _SETTING_FIELDS})

    def close(self) -> None:
        """Close the synchronous client's connections (it reopens them if used again)."""
        client = self._clients.built()[0]
        if client is not None:
            client.close()

    async def aclose(self) -> None:
        """Close the asynchronous client's connections on the running loop."""
        client = self._clients.built()[1]
        if client is not None:
            await client.aclose()

    def __setattr__(self, name: str, value: Any) -> None:
        """Changing how to connect after construction takes effect on the next call.

        The clients are built once from these fields; without this, ``llm.max_retries = 5`` or a
        new ``base_url`` would be silently ignored by the already-built client.
        """
        super().__setattr__(name, value)
        if name in _SETTING_FIELDS and self.__pydantic_private__:
            settings = self._settings(self._clients.settings)
            settings.connection()  # a missing key or a bad URL fails here, as at construction
            self._clients = GrokClients(settings)

    # -- copies and pickles -----------------------------------------------------------------------

    def __copy__(self) -> Grok:
        """A shallow copy builds its own transport clients: the settings are its own from now on."""
        clone = super().__copy__()
        clone._clients = GrokClients(self._clients.settings)
        return clone

    def __getstate__(self) -> dict[Any, Any]:
        """Pickle the settings and the key (a worker must call the API), never a live client.

        Deep copies and unpickled models build their clients again on their first call (see
        ``grok_transport/_factory.py``); a model holding your own ``httpx`` client refuses.
        """
        self._clients.check_picklable(type(self).__name__)
        state: dict[Any, Any] = super().__getstate__()
        return state

    # -- the eight endpoints ----------------------------------------------------------------------

    @llm_chat_callback()
    def chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """One chat turn; ``kwargs`` are API parameters (and plan settings) for this call only."""
        return self._chat(messages, **kwargs)

    @llm_chat_callback()
    def stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        """A streamed chat turn: accumulated message in ``message``, the new text in ``delta``."""
        return self._stream_chat(messages, **kwargs)

    @llm_chat_callback()
    async def achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        """Async twin of :meth:`chat`."""
        return await self._achat(messages, **kwargs)

    @llm_chat_callback()
    async def astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        """Async twin of :meth:`stream_chat`: ``await`` it, then ``async for`` over the result."""
        return await self._astream_chat(messages, **kwargs)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """A completion, as a one-message chat."""
        return chat_to_completion_decorator(self._chat)(prompt, **kwargs)

    @llm_completion_callback()
    def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponseGen:
        """A streamed completion, as a one-message chat."""
        return stream_chat_to_completion_decorator(self._stream_chat)(prompt, **kwargs)

    @llm_completion_callback()
    async def acomplete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        """Async twin of :meth:`complete`."""
        return await achat_to_completion_decorator(self._achat)(prompt, **kwargs)

    @llm_completion_callback()
    async def astream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any
    ) -> CompletionResponseAsyncGen:
        """Async twin of :meth:`stream_complete`; a coroutine returning an async generator."""
        return await astream_chat_to_completion_decorator(self._astream_chat)(prompt, **kwargs)

    # -- the wire work: plan, send, convert -------------------------------------------------------

    def _plan(
        self,
        client: GrokClient | AsyncGrokClient,
        messages: Sequence[ChatMessage],
        kwargs: dict[str, Any],
        stream: bool,
    ) -> Call:
        """The call to send: fields, then ``additional_kwargs``, then the call's own kwargs.

        Everything else — the endpoint, dropping what the model rejects, the Responses-API
        renames, the conversation header — is the transport's plan, the same for LangChain.
        """
        defaults = {name: getattr(self, name) for name in _MODEL_SETTINGS}
        defaults.update(self.additional_kwargs)
        arguments = plan_arguments(defaults, kwargs, disabled=self.disabled_params or ())
        return client.plan(to_wire_messages(messages), stream=stream, **arguments)

    def _chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client = self.client
        answer = client.complete(self._plan(client, messages, kwargs, stream=False))
        return answer_to_response(answer, include_headers=self.include_response_headers)

    async def _achat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponse:
        client = self.async_client
        answer = await client.complete(self._plan(client, messages, kwargs, stream=False))
        return answer_to_response(answer, include_headers=self.include_response_headers)

    def _stream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseGen:
        client = self.client
        # Planned before the generator starts: bad input fails at the call, not mid-iteration.
        call = self._plan(client, messages, kwargs, stream=True)
        state = StreamState(include_headers=self.include_response_headers)

        def gen() -> ChatResponseGen:
            with client.stream(call) as stream:
                for delta in stream:
                    response = state.update(delta, stream)
                    if response is not None:
                        yield response

        return gen()

    async def _astream_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> ChatResponseAsyncGen:
        client = self.async_client
        call = self._plan(client, messages, kwargs, stream=True)
        state = StreamState(include_headers=self.include_response_headers)

        async def gen() -> ChatResponseAsyncGen:
            async with await client.stream(call) as stream:
                async for delta in stream:
                    response = state.update(delta, stream)
                    if response is not None:
                        yield response

        return gen()

    # -- xAI's Batch API --------------------------------------------------------------------------

    @overload
    def batch_submit(
        self, inputs: Sequence[str], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[CompletionResponse]: ...

    @overload
    def batch_submit(
        self, inputs: Sequence[Sequence[ChatMessage]], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[ChatResponse]: ...

    @overload
    def batch_submit(
        self, inputs: Sequence[str | Sequence[ChatMessage]], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[BatchResponse]: ...

    def batch_submit(
        self, inputs: Sequence[Any], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[Any]:
        """Send ``inputs`` to xAI's Batch API as one batch and return its job, without waiting.

        Each input is a chat (a list of ``ChatMessage``, answered as a ``ChatResponse``) or a
        prompt string (answered as a ``CompletionResponse``, as ``complete`` does); ``kwargs``
        are what ``chat`` takes, or LlamaIndex tools as ``chat_with_tools`` takes them
        (``tools=[FunctionTool…]``, ``tool_required``, ``tool_choice``), and each request is
        planned exactly as that call plans it. Every input is planned before the batch is
        created, so a bad one is refused before any request.

        A batch costs half price, does not count against rate limits and mostly finishes
        within a day. The job (``grok_transport.GrokBatchJob``) shows its progress in
        ``job.wait()`` and returns one response per input, in input order, from
        ``job.results()``; ``Grok.batch_job(job.id)`` collects it from another process. No
        callbacks or instrumentation events fire: nothing is called here. The
        ``conversation_id`` header cannot travel in a batch item (on the Responses API its
        ``prompt_cache_key`` does).
        """
        client = self.client
        bodies, endpoint, convert = self._batch_bodies(client, inputs, kwargs)
        job = client.batches.submit(bodies, endpoint=endpoint, name=batch_name)
        return self._batch_job(job.id, convert, job.total)

    @overload
    async def abatch_submit(
        self, inputs: Sequence[str], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[CompletionResponse]: ...

    @overload
    async def abatch_submit(
        self, inputs: Sequence[Sequence[ChatMessage]], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[ChatResponse]: ...

    @overload
    async def abatch_submit(
        self, inputs: Sequence[str | Sequence[ChatMessage]], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[BatchResponse]: ...

    async def abatch_submit(
        self, inputs: Sequence[Any], *, batch_name: str | None = None, **kwargs: Any
    ) -> GrokBatchJob[Any]:
        """Async twin of :meth:`batch_submit`."""
        client = self.async_client
        bodies, endpoint, convert = self._batch_bodies(client, inputs, kwargs)
        job = await client.batches.submit(bodies, endpoint=endpoint, name=batch_name)
        return self._batch_job(job.id, convert, job.total)

    @overload
    def batch_job(self, batch_id: str, *, completion: Literal[False] = ...) -> GrokBatchJob[ChatResponse]: ...

    @overload
    def batch_job(self, batch_id: str, *, completion: Literal[True]) -> GrokBatchJob[CompletionResponse]: ...

    def batch_job(self, batch_id: str, *, completion: bool = False) -> GrokBatchJob[Any]:
        """The job of a batch submitted earlier, from this process or any other, by its id.

        Its results are ``ChatResponse`` objects, or ``CompletionResponse`` objects with
        ``completion=True`` (for a batch of prompt strings): the id alone does not say which.
        """
        return self._batch_job(batch_id, as_completion if completion else as_chat)

    # -- deferred completions and stored responses ------------------------------------------------

    def defer_chat(self, messages: Sequence[ChatMessage], **kwargs: Any) -> GrokDeferredJob[ChatResponse]:
        """Start a chat as an xAI deferred completion; ``job.result()`` is the ``ChatResponse``.

        Planned as ``batch_submit`` plans an item (LlamaIndex tools included), which is how
        ``chat`` plans it. Deferred completions exist on chat completions only: server-side
        tools, files or ``previous_response_id`` are refused before any request. Keep
        ``job.id`` to collect the answer from another process with :meth:`deferred_job`
        within 24 hours; xAI serves it once and the job keeps it. No callbacks fire.
        """
        client = self.client
        return self.deferred_job(client.deferred.start(self._deferred_call(client, messages, kwargs)))

    def defer_complete(self, prompt: str, **kwargs: Any) -> GrokDeferredJob[CompletionResponse]:
        """:meth:`defer_chat` for a prompt; ``job.result()`` is the ``CompletionResponse``."""
        client = self.client
        call = self._deferred_call(client, prompt, kwargs)
        return self.deferred_job(client.deferred.start(call), completion=True)

    async def adefer_chat(
        self, messages: Sequence[ChatMessage], **kwargs: Any
    ) -> GrokDeferredJob[ChatResponse]:
        """Async twin of :meth:`defer_chat`."""
        client = self.async_client
        return self.deferred_job(await client.deferred.start(self._deferred_call(client, messages, kwargs)))

    async def adefer_complete(self, prompt: str, **kwargs: Any) -> GrokDeferredJob[CompletionResponse]:
        """Async twin of :meth:`defer_complete`."""
        client = self.async_client
        call = self._deferred_call(client, prompt, kwargs)
        return self.deferred_job(await client.deferred.start(call), completion=True)

    @overload
    def deferred_job(
        self, request_id: str, *, completion: Literal[False] = ...
    ) -> GrokDeferredJob[ChatResponse]: ...

    @overload
    def deferred_job(
        self, request_id: str, *, completion: Literal[True]
    ) -> GrokDeferredJob[CompletionResponse]: ...

    def deferred_job(self, request_id: str, *, completion: bool = False) -> GrokDeferredJob[Any]:
        """The job of a deferred call started earlier, from this process or any other, by its id.

        ``completion=True`` for one started by :meth:`defer_complete`: the id alone does not say.
        """
        return deferred_job(self.client, self.async_client, request_id, completion=completion)

    def _deferred_call(self, client: GrokClient | AsyncGrokClient, item: Any, kwargs: dict[str, Any]) -> Call:
        bodies, endpoint, _ = self._batch_bodies(client, [item], kwargs)
        return Call(endpoint, bodies[0])

    def get_response(self, response_id: str) -> ChatResponse:
        """A stored Responses-API answer, as ``chat`` returned it.

        Its id is the answer's ``message.additional_kwargs["response_id"]``. xAI keeps
        Responses-API answers for 30 days unless ``store=False``; with ``previous_response_id=``
        a later call continues that conversation. An unknown or
        deleted id raises ``NotFoundError``.
        """
        return answer_to_response(self.client.responses.get(response_id))

    async def aget_response(self, response_id: str) -> ChatResponse:
        """Async twin of :meth:`get_response`."""
        return answer_to_response(await self.async_client.responses.get(response_id))

    def delete_response(self, response_id: str) -> bool:
        """Delete a stored Responses-API answer at xAI; ``previous_response_id`` cannot name it again."""
        return self.client.responses.delete(response_id)

    async def adelete_response(self, response_id: str) -> bool:
        """Async twin of :meth:`delete_response`."""
        return await self.async_client.responses.delete(response_id)

    def _batch_job(
        self, batch_id: str, convert: Callable[[int, Answer], Any], total: int | None = None
    ) -> GrokBatchJob[Any]:
        return GrokBatchJob(
            self.client, batch_id, async_client=self.async_client, total=total, convert=convert
        )

    def _batch_bodies(
        self, client: GrokClient | AsyncGrokClient, inputs: Sequence[Any], kwargs: dict[str, Any]
    ) -> tuple[list[dict[str, Any]], Endpoint, Callable[[int, Answer], BatchResponse]]:
        """Each input's request body, planned as ``chat`` plans it; their one endpoint; the converter.

        LlamaIndex tools (``tools=[FunctionTool...]``, with ``tool_required``, ``tool_choice``,
        ``allow_parallel_tool_calls``) are sent as ``chat_with_tools`` sends them. The endpoint
        depends on the tools and parameters only, which every input shares.
        """
        if kwargs.get("tools") and not isinstance(kwargs["tools"][0], Mapping):
            kwargs = self._prepare_chat_with_tools(**kwargs)
            del kwargs["messages"]
        calls = [self._plan(client, input_messages(item), kwargs, stream=False) for item in inputs]
        prompts = frozenset(i for i, item in enumerate(inputs) if isinstance(item, str))
        # No input: the transport refuses the empty batch before any request.
        endpoint: Endpoint = calls[0].endpoint if calls else "/chat/completions"
        return [call.body for call in calls], endpoint, converter(prompts, len(calls))

    # -- tool calling -----------------------------------------------------------------------------

    def _prepare_chat_with_tools(
        self,
        tools: Sequence[BaseTool],
        user_msg: str | ChatMessage | None = None,
        chat_history: list[ChatMessage] | None = None,
        verbose: bool = False,
        allow_parallel_tool_calls: bool = False,
        tool_required: bool = False,
        tool_choice: str | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> dict[str, Any]:
        """The ``chat()`` kwargs for a call with tools; the caller's history is copied, not changed.

        ``tool_choice`` wins when given; otherwise ``tool_required`` sends ``"required"`` and
        nothing is sent (the server's ``auto``). Without tools neither ``tools`` nor
        ``tool_choice`` is sent. ``parallel_tool_calls=False`` is sent only when parallel calls
        are not allowed (the server's default is true).
        """
        messages = list(chat_history or ())
        if isinstance(user_msg, str):
            user_msg = ChatMessage(role=MessageRole.USER, content=user_msg)
        if user_msg is not None:
            messages.append(user_msg)
        prepared: dict[str, Any] = {"messages": messages, **kwargs}
        if not tools:
            return prepared
        specs = []
        for tool in tools:
            meta = tool.metadata
            specs.append(function_tool(meta.get_name(), meta.description, meta.get_parameters_dict()))
        prepared["tools"] = specs
        choice = tool_choice if tool_choice is not None else ("required" if tool_required else None)
        if choice is not None:
            prepared["tool_choice"] = normalize_tool_choice(choice, (s["function"]["name"] for s in specs))
        if not allow_parallel_tool_calls:
            prepared["parallel_tool_calls"] = False
        return prepared

    def _validate_chat_with_tools_response(
        self,
        response: ChatResponse,
        tools: Sequence[BaseTool],
        allow_parallel_tool_calls: bool = False,
        **kwargs: Any,
    ) -> ChatResponse:
        """Keep only the first tool call when parallel calls are off (``predict_and_call`` needs one)."""
        if not allow_parallel_tool_calls:
            message = response.message
            calls = [b for b in message.blocks if isinstance(b, ToolCallBlock)]
            if len(calls) > 1:
                message.blocks = [b for b in message.blocks if not isinstance(b, ToolCallBlock)] + calls[:1]
                legacy = message.additional_kwargs.get("tool_calls")
                if legacy:
                    message.additional_kwargs["tool_calls"] = legacy[:1]
                output = message.additional_kwargs.get("responses_output")
                if output:  # a replayed call without its result would be refused next turn
                    dropped = {b.tool_call_id for b in calls[1:]}
                    message.additional_kwargs["responses_output"] = [
                        item
                        for item in output
                        if not (item.get("type") == "function_call" and item.get("call_id") in dropped)
                    ]
        return response

    def get_tool_calls_from_response(
        self,
        response: ChatResponse,
        error_on_no_tool_call: bool = True,
        **kwargs: Any,
    ) -> list[ToolSelection]:
        """The tool calls in a response (whole or streamed so far); partial arguments read as ``{}``."""
        selections = [
            ToolSelection(
                tool_id=block.tool_call_id or "",
                tool_name=block.tool_name,
                tool_kwargs=_kwargs(block.tool_kwargs),
            )
            for block in response.message.blocks
            if isinstance(block, ToolCallBlock)
        ]
        if not selections:
            for legacy in response.message.additional_kwargs.get("tool_calls") or ():
                call = legacy_tool_call(legacy)
                selections.append(
                    ToolSelection(tool_id=call.id, tool_name=call.name, tool_kwargs=_kwargs(call.arguments))
                )
        if not selections and error_on_no_tool_call:
            raise ValueError(f"Expected at least one tool call, but got 0 tool calls from {self.model}.")
        return selections

    # -- structured output ------------------------------------------------------------------------

    def _uses_json_schema(self) -> bool:
        """Native ``response_format`` json_schema: DEFAULT program mode and a model that has it."""
        return (
            self.pydantic_program_mode == PydanticProgramMode.DEFAULT
            and lookup(self.model, self.provider).structured_output
        )

    def _schema_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None,
        prompt_args: Any,
    ) -> tuple[list[ChatMessage], dict[str, Any]]:
        messages = self._extend_messages(prompt.format_messages(llm=self, **prompt_args))
        kwargs = dict(llm_kwargs or {})
        for name in ("tool_choice", "tool_required", "allow_parallel_tool_calls"):
            kwargs.pop(name, None)  # a call without tools must not carry a tool_choice
        name = _SCHEMA_NAME.sub("_", output_cls.__name__)
        kwargs["response_format"] = json_schema_format(output_cls.model_json_schema(), name=name)
        return messages, kwargs

    @dispatcher.span
    def structured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """A ``output_cls`` instance, via json_schema output when available, else function calling."""
        if not self._uses_json_schema():
            # core's method is wrapped by an untyped decorator
            fallback: Model = super().structured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return fallback
        dispatcher.event(
            LLMStructuredPredictStartEvent(output_cls=output_cls, template=prompt, template_args=prompt_args)
        )
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        response = self.chat(messages, **kwargs)
        result: Model = output_cls.model_validate_json(response.message.content or "")
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    @dispatcher.span
    async def astructured_predict(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Model:
        """Async twin of :meth:`structured_predict`."""
        if not self._uses_json_schema():
            # core's method is wrapped by an untyped decorator
            fallback: Model = await super().astructured_predict(output_cls, prompt, llm_kwargs, **prompt_args)
            return fallback
        dispatcher.event(
            LLMStructuredPredictStartEvent(output_cls=output_cls, template=prompt, template_args=prompt_args)
        )
        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        response = await self.achat(messages, **kwargs)
        result: Model = output_cls.model_validate_json(response.message.content or "")
        dispatcher.event(LLMStructuredPredictEndEvent(output=result))
        return result

    def _structured_stream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> Generator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None, None]:
        """Partial objects as the JSON streams in (core's events are emitted by the caller)."""
        if not self._uses_json_schema():
            yield from super()._structured_stream_call(output_cls, prompt, llm_kwargs, **prompt_args)
            return
        from llama_index.core.program.streaming_utils import process_streaming_content_incremental

        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)
        current = None
        for response in self.stream_chat(messages, **kwargs):
            current = process_streaming_content_incremental(response, output_cls, current)
            yield current

    async def _structured_astream_call(
        self,
        output_cls: type[Model],
        prompt: PromptTemplate,
        llm_kwargs: dict[str, Any] | None = None,
        **prompt_args: Any,
    ) -> AsyncGenerator[Model | list[Model] | FlexibleModel | list[FlexibleModel], None]:
        """Async twin of :meth:`_structured_stream_call` (a coroutine returning a generator)."""
        if not self._uses_json_schema():
            return await super()._structured_astream_call(output_cls, prompt, llm_kwargs, **prompt_args)
        from llama_index.core.program.streaming_utils import process_streaming_content_incremental

        messages, kwargs = self._schema_call(output_cls, prompt, llm_kwargs, prompt_args)

        async def gen() -> AsyncGenerator[Model | FlexibleModel, None]:
            current = None
            async for response in await self.astream_chat(messages, **kwargs):
                current = process_streaming_content_incremental(response, output_cls, current)
                yield current

        return gen()


_MODEL_SETTINGS = (
    "model",
    *(name for name, info in Grok.model_fields.items() if info.json_schema_extra == _API_PARAMETER),
    *PLAN_SETTINGS,
    "extra_body",
)
"""What ``_plan`` reads from the model: the fields marked ``_API_PARAMETER`` and the plan's settings."""


def _kwargs(arguments: dict[str, Any] | str) -> dict[str, Any]:
    """Tool arguments as a dict; partial JSON (a fragmenting proxy, mid-stream) is read leniently."""
    if isinstance(arguments, dict):
        return arguments
    if not arguments.strip():
        return {}
    try:
        value = parse_partial_json(arguments)
    except (ValueError, TypeError):
        return {}
    return value if isinstance(value, dict) else {}
