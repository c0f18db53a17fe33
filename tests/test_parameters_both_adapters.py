"""One parameter registry: both chat models take the same parameters and refuse the same values alike.

``grok_transport.PARAMETERS`` declares each sampling and reasoning parameter once; ``ChatGrok``'s and
``Grok``'s fields, descriptions and validation come from it. A value no model accepts is the same
``InvalidParameterError`` from both, at construction and per call, before any request.
"""

from __future__ import annotations

from typing import Any

import pytest

from grok_transport import CLIENT_SETTINGS, PARAMETERS, InvalidParameterError
from grok_transport._catalogue import lookup
from langchain_grok import ChatGrok, GrokImageGenerationTool, GrokVideoGenerationTool
from llama_index_grok import Grok
from llama_index_grok.tools import ConnectionOptions

NAMES = [p.name for p in PARAMETERS]
OUT_OF_RANGE: dict[str, Any] = {
    "temperature": 2.5,
    "top_p": -0.1,
    "frequency_penalty": 3.0,
    "presence_penalty": -2.5,
    "top_logprobs": 9,
    "max_tokens": 0,
    "stop": ["a", "b", "c", "d", "e"],
    "reasoning_effort": "maximal",
}
KEY = {"api_key": "xai-test", "base_url": "http://127.0.0.1:9/v1"}  # nothing listens: no request may go


def test_every_registered_parameter_has_a_bad_value_here_or_takes_any() -> None:
    unbounded = {p.name for p in PARAMETERS if p.low is None and not p.choices and p.max_items is None}
    assert set(OUT_OF_RANGE) | unbounded == set(NAMES)


def test_both_chat_models_take_exactly_the_registered_parameters() -> None:
    for model in (ChatGrok, Grok):
        fields = model.model_fields
        assert [n for n in fields if n in NAMES] == NAMES, model.__name__
        for parameter in PARAMETERS:
            assert fields[parameter.name].description == parameter.description
            assert fields[parameter.name].default is None


@pytest.mark.parametrize("name", sorted(OUT_OF_RANGE))
@pytest.mark.parametrize(
    "make",
    [lambda **kw: ChatGrok(**KEY, **kw), lambda **kw: Grok(**KEY, **kw)],
    ids=["langchain", "llama_index"],
)
def test_an_out_of_range_value_is_the_same_typed_error_from_both(make: Any, name: str) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        make(**{name: OUT_OF_RANGE[name]})


def test_an_out_of_range_call_parameter_is_the_same_typed_error_from_both() -> None:
    with pytest.raises(InvalidParameterError, match="temperature"):
        ChatGrok(**KEY).invoke("hi", temperature=7)
    with pytest.raises(InvalidParameterError, match="temperature"):
        Grok(**KEY).complete("hi", temperature=7)


def test_the_catalogue_rejections_come_from_the_registry() -> None:
    assert lookup("grok-3-mini").rejected_params == {
        p.name for p in PARAMETERS if "reasoning" in p.rejected_by
    }
    assert lookup("grok-3").rejected_params == {"presence_penalty", "reasoning_effort"}


def test_every_framework_object_takes_every_client_setting() -> None:
    """Adding a setting to grok_transport.ClientSettings fails here until every adapter takes it."""
    for holder in (ChatGrok, GrokImageGenerationTool, GrokVideoGenerationTool):
        assert set(CLIENT_SETTINGS) <= set(holder.model_fields), holder.__name__
    assert set(ConnectionOptions.__annotations__) | {"api_key"} == set(CLIENT_SETTINGS)
    # Grok takes the two httpx clients as __init__ arguments (http_client, async_http_client)
    grok_fields = set(Grok.model_fields) | {"http_client", "http_async_client"}
    assert set(CLIENT_SETTINGS) <= grok_fields


@pytest.mark.parametrize("bad", [{"timeout": 0}, {"max_retries": -1}, {"rate_limit_rpm": -1}])
@pytest.mark.parametrize("model", [ChatGrok, Grok])
def test_a_bad_client_setting_is_the_same_typed_error_from_both(model: Any, bad: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameterError, match=next(iter(bad))):
        model(**KEY, **bad)
