"""langchain-tests' standard integration suite for ``ChatGrok``, replayed from cassettes.

These are the tests that would talk to the real API. By default they replay
``cassettes/<origin>/langchain/<Test>.<test>.yaml`` in playback-only mode (see tests/conftest.py):
a missing or mismatched cassette fails, nothing reaches the network. ``scripts/record-cassettes``
re-records them, against the real API when ``XAI_API_KEY`` is set, else against
``GrokTestServer``.

Capability flags are set to what ``ChatGrok`` does against xAI: tool calling and
``tool_choice``, structured output (``json_schema`` by default, from the profile), JSON mode,
image inputs (base64 and URL), PDF inputs (from the profile: uploaded through the Files API and
attached on the Responses API), and usage details for reasoning and cached prompt tokens. Audio,
image- and PDF-in-tool-message and Anthropic-format inputs are left off: xAI does not take them.

When recording against the local server, the standard tests that assert on the *model's* words
(``magic_function(3)`` must be called with ``input=3``) get scripted replies, as a real model
would answer; the client's requests and parsing are what is tested.
"""

from __future__ import annotations

import struct
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk
from langchain_tests.integration_tests import ChatModelIntegrationTests

from grok_transport import UnsupportedParameterWarning, _factory
from grok_transport.testing import Reply
from langchain_grok import ChatGrok
from tests.conftest import GrokTarget
from tests.transport.test_media import pdf

MODEL = "grok-4.3"
pytestmark = pytest.mark.vcr

_TARGET: GrokTarget | None = None


@pytest.fixture(autouse=True)
def _target(grok_target: GrokTarget) -> None:
    """Expose the session's target to the suite's properties (which cannot take fixtures)."""
    global _TARGET
    _TARGET = grok_target


def _params() -> dict[str, Any]:
    assert _TARGET is not None
    return {"model": MODEL, "base_url": _TARGET.base_url, "api_key": _TARGET.api_key}


def _png(width: int = 8, height: int = 8) -> bytes:
    """A small valid PNG, made here so the image test needs no download."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\xc0\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


_STANDARD_IMAGE_HOST = "raw.githubusercontent.com"
_STANDARD_PDF_HOST = "www.w3.org"

# Replies a real model would give where the standard test checks the model's words.
_MAGIC_CALL = {"name": "magic_function", "arguments": {"input": 3}}
_JOKE = {"setup": "why do cats sit on keyboards?", "punchline": "to keep an eye on the mouse."}
_SCRIPTS: dict[str, list[Reply]] = {
    # JSON mode only promises JSON; the keys come from the prompt, which a real model follows.
    "test_json_mode": [Reply.json(_JOKE) for _ in range(4)],
    # Reasoning streamed before the call: under output_version="v1" the call must stay its own
    # block (the ChatXAI defect this suite is meant to catch).
    "test_tool_calling": [
        Reply.tool_calls([_MAGIC_CALL], reasoning="the user wants magic_function applied to 3."),
        Reply.tool_calls([_MAGIC_CALL], reasoning="the user wants magic_function applied to 3."),
    ],
    "test_tool_calling_async": [Reply.tool_calls([_MAGIC_CALL]), Reply.tool_calls([_MAGIC_CALL])],
    "test_unicode_tool_call_integration": [
        Reply.tool_calls(
            [
                {
                    "name": "unicode_customer",
                    "arguments": {
                        "customer_name": "你好啊集团",
                        "description": "a Chinese technology company",
                    },
                }
            ]
        ),
        Reply.tool_calls(
            [
                {
                    "name": "unicode_customer",
                    "arguments": {"customer_name": "こんにちは株式会社", "description": "a Japanese company"},
                }
            ]
        ),
    ],
}


class TestChatGrokIntegration(ChatModelIntegrationTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatGrok

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return _params()

    @property
    def supports_json_mode(self) -> bool:
        return True

    @property
    def supports_image_inputs(self) -> bool:
        return True

    @property
    def supports_image_urls(self) -> bool:
        return True

    @property
    def supports_pdf_inputs(self) -> bool:
        return bool(ChatGrok(model=MODEL, api_key="profile-only").profile["pdf_inputs"])

    @property
    def supported_usage_metadata_details(self) -> dict[str, list[str]]:
        details = ["reasoning_output", "cache_read_input"]
        return {"invoke": details, "stream": details}

    @property
    def model_override_value(self) -> str:
        return "grok-3-mini"

    @property
    def enable_vcr_tests(self) -> bool:
        return True

    @pytest.fixture(autouse=True)
    def _script(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        """A clean server per test, the scripted replies it needs, and no internet downloads.

        Clients start fresh too, as in a new process: a client remembers the documents it
        uploaded, and a cassette must not depend on which tests ran before it.
        """
        name = request.node.originalname
        if _TARGET is not None and _TARGET.scripted:
            _TARGET.server.clear()
            _TARGET.server.enqueue(*_SCRIPTS.get(name, ()))
        monkeypatch.setattr(_factory, "_shared", OrderedDict())
        # The standard image and PDF tests download their inputs (a PNG from GitHub, a PDF from
        # the W3C); serve local ones instead. They still reach the server as base64, as a URL,
        # or uploaded, which is what is tested.
        downloads = {_STANDARD_IMAGE_HOST: _png(), _STANDARD_PDF_HOST: pdf("Dummy PDF file")}
        real_get = httpx.get

        def get(url: str, *args: Any, **kwargs: Any) -> httpx.Response:
            content = downloads.get(httpx.URL(str(url)).host)
            if content is not None:
                return httpx.Response(200, content=content, request=httpx.Request("GET", url))
            return real_get(url, *args, **kwargs)

        monkeypatch.setattr(httpx, "get", get)
        if name == "test_stop_sequence":
            # grok-4.3 rejects `stop`: ChatGrok drops it with a warning (asserted here, since
            # langchain-tests forbids overriding its tests) and the call succeeds.
            with pytest.warns(UnsupportedParameterWarning, match="does not accept 'stop'"):
                yield
            return
        yield

    def _model(self) -> ChatGrok:
        return ChatGrok(**self.chat_model_params)

    def _ask(self, model: ChatGrok, *, stream: bool) -> AIMessage:
        if not stream:
            return model.invoke("Think it over: why is the sky blue?")
        full: AIMessageChunk | None = None
        for chunk in model.stream("Think it over: why is the sky blue?"):
            full = chunk if full is None else full + chunk
        assert full is not None
        return full

    def invoke_with_reasoning_output(self, *, stream: bool = False) -> AIMessage:
        message = self._ask(self._model(), stream=stream)
        assert message.usage_metadata["output_token_details"]["reasoning"] > 0
        return message

    def invoke_with_cache_read_input(self, *, stream: bool = False) -> AIMessage:
        # A cache hit is the server's doing: x-grok-conv-id pins the conversation to one cache, and
        # the second of two identical long prompts reports prompt_tokens_details.cached_tokens.
        # The local server is scripted to answer the second call as xAI does.
        prompt = "Think it over: why is the sky blue? " + "Rayleigh scattering, in detail. " * 300
        model = ChatGrok(**self.chat_model_params, conversation_id="conv-standard-tests")
        model.invoke(prompt)
        if _TARGET is not None and _TARGET.scripted:
            _TARGET.server.enqueue(
                Reply.text(
                    "the sky scatters blue light most.",
                    usage={
                        "prompt_tokens": 1200,
                        "prompt_tokens_details": {"text_tokens": 1200, "cached_tokens": 1024},
                    },
                )
            )
        if stream:
            message: AIMessage | None = None
            for chunk in model.stream(prompt):
                message = chunk if message is None else message + chunk
            assert message is not None
        else:
            message = model.invoke(prompt)
        assert message.usage_metadata["input_token_details"]["cache_read"] > 0
        if _TARGET is not None and _TARGET.scripted:
            assert _TARGET.server.requests[-1].headers["x-grok-conv-id"] == "conv-standard-tests"
        return message


class TestChatGrokFunctionCallingIntegration(TestChatGrokIntegration):
    """The same suite with structured output through a forced tool call instead of json_schema."""

    @property
    def structured_output_kwargs(self) -> dict[str, Any]:
        return {"method": "function_calling", "strict": True}

    @property
    def enable_vcr_tests(self) -> bool:
        return False  # test_stream_time's cassette belongs to the class above
