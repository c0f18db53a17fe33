"""langchain-tests' standard unit suite for ``ChatGrok`` (no network, no server)."""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_tests.unit_tests import ChatModelUnitTests

from langchain_grok import ChatGrok

MODEL = "grok-4.3"

# -- unit suite ------------------------------------------------------------------------------


class TestChatGrokUnit(ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ChatGrok

    @property
    def chat_model_params(self) -> dict[str, Any]:
        # A key is needed: a missing one raises MissingAPIKeyError at construction, and
        # test_standard_params builds a second model from these parameters alone.
        return {"model": MODEL, "api_key": "xai-unit-tests"}

    @property
    def init_from_env_params(self) -> tuple[dict, dict, dict]:
        return ({"XAI_API_KEY": "xai-from-the-environment"}, {}, {"api_key": "xai-from-the-environment"})

    @pytest.mark.xfail(
        reason=(
            "langchain-core's load() only instantiates classes on its own allowlist "
            "(langchain_core.load.mapping), even with allowed_objects='all'; a third-party "
            "ChatGrok is not on it. dumpd() works (snapshot checked first), and "
            "load(..., allowed_objects=[ChatGrok]) round-trips: see "
            "test_chat_models.py::test_serialization_round_trip."
        ),
        raises=ValueError,
        strict=True,
    )
    def test_serdes(self, model: BaseChatModel, snapshot: Any) -> None:
        super().test_serdes(model, snapshot)
