"""Structured output: json_schema where the model has it, function calling otherwise."""

from __future__ import annotations

from llama_index.core.base.llms.types import ChatMessage
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from grok_transport.testing import Reply

PROMPT = PromptTemplate("Describe the city of {city}.")


class City(BaseModel):
    """A city and a few facts about it."""

    name: str
    country: str
    population: int


def _structured_events(events) -> list[str]:
    return [n for n in events.names() if n.startswith("LLMStructuredPredict")]


def test_json_schema_path_sends_a_response_format_and_no_tools(llm, server, events) -> None:
    server.enqueue(Reply.json({"name": "Paris", "country": "France", "population": 2_100_000}))
    city = llm.structured_predict(City, PROMPT, city="Paris")
    assert city == City(name="Paris", country="France", population=2_100_000)
    body = server.requests[-1].json
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "City"
    assert body["response_format"]["json_schema"]["schema"]["required"] == ["name", "country", "population"]
    assert "tools" not in body and "tool_choice" not in body
    assert body["messages"] == [{"role": "user", "content": "Describe the city of Paris."}]
    assert _structured_events(events) == ["LLMStructuredPredictStartEvent", "LLMStructuredPredictEndEvent"]


def test_json_schema_path_drops_a_tool_choice_given_without_tools(llm, server) -> None:
    llm.structured_predict(City, PROMPT, llm_kwargs={"tool_choice": "required"}, city="Oslo")
    assert "tool_choice" not in server.requests[-1].json


def test_system_prompt_is_applied(make_llm, server) -> None:
    make_llm(system_prompt="Answer in JSON.").structured_predict(City, PROMPT, city="Rome")
    assert server.requests[-1].json["messages"][0] == {"role": "system", "content": "Answer in JSON."}


async def test_astructured_predict_with_the_servers_schema_valid_answer(llm, server) -> None:
    city = await llm.astructured_predict(City, PROMPT, city="Lima")
    assert isinstance(city, City)


def test_function_calling_path_when_the_program_mode_says_so(make_llm, server, events) -> None:
    llm = make_llm(pydantic_program_mode=PydanticProgramMode.FUNCTION)
    server.enqueue(
        Reply.tool_calls(
            [{"name": "City", "arguments": {"name": "Kyiv", "country": "Ukraine", "population": 3}}]
        )
    )
    city = llm.structured_predict(City, PROMPT, city="Kyiv")
    assert city == City(name="Kyiv", country="Ukraine", population=3)
    body = server.requests[-1].json
    assert "response_format" not in body
    assert body["tools"][0]["function"]["name"] == "City"
    assert body["tool_choice"] == "required"
    assert body["parallel_tool_calls"] is False
    assert _structured_events(events) == ["LLMStructuredPredictStartEvent", "LLMStructuredPredictEndEvent"]


def test_function_calling_path_for_a_model_without_structured_output(make_llm, server) -> None:
    # Image models have no json_schema output; an explicit override keeps tools on for the test.
    llm = make_llm(model="grok-imagine-image", is_function_calling_model=True)
    city = llm.structured_predict(City, PROMPT, city="Quito")
    assert isinstance(city, City)
    assert server.requests[-1].json["tool_choice"] == "required"


def test_stream_structured_predict_json_schema(llm, server, events) -> None:
    server.enqueue(Reply.text(['{"name": "Ba', 'ku", "country": "Azerbaijan",', ' "population": 2300000}']))
    partials = list(llm.stream_structured_predict(City, PROMPT, city="Baku"))
    assert partials[-1] == City(name="Baku", country="Azerbaijan", population=2_300_000)
    assert len(partials) >= 3
    names = _structured_events(events)
    assert names[0] == "LLMStructuredPredictStartEvent" and names[-1] == "LLMStructuredPredictEndEvent"
    assert "LLMStructuredPredictInProgressEvent" in names


def test_stream_structured_predict_function_calling(make_llm, server) -> None:
    llm = make_llm(pydantic_program_mode=PydanticProgramMode.FUNCTION)
    server.enqueue(
        Reply.tool_calls(
            [{"name": "City", "arguments": {"name": "Cairo", "country": "Egypt", "population": 10}}]
        )
    )
    partials = list(llm.stream_structured_predict(City, PROMPT, city="Cairo"))
    assert partials[-1] == City(name="Cairo", country="Egypt", population=10)


async def test_astream_structured_predict_both_paths(make_llm, server) -> None:
    server.enqueue(
        Reply.json({"name": "Lagos", "country": "Nigeria", "population": 15}),
        Reply.tool_calls(
            [{"name": "City", "arguments": {"name": "Accra", "country": "Ghana", "population": 2}}]
        ),
    )
    schema_llm = make_llm()
    partials = [p async for p in await schema_llm.astream_structured_predict(City, PROMPT, city="Lagos")]
    assert partials[-1] == City(name="Lagos", country="Nigeria", population=15)
    fc_llm = make_llm(pydantic_program_mode=PydanticProgramMode.FUNCTION)
    partials = [p async for p in await fc_llm.astream_structured_predict(City, PROMPT, city="Accra")]
    assert partials[-1] == City(name="Accra", country="Ghana", population=2)


async def test_as_structured_llm(llm, server) -> None:
    server.enqueue(
        Reply.json({"name": "Lima", "country": "Peru", "population": 9}),
        Reply.json({"name": "Cusco", "country": "Peru", "population": 1}),
    )
    structured = llm.as_structured_llm(City)
    response = structured.chat([ChatMessage(role="user", content="Tell me about Lima")])
    assert response.raw == City(name="Lima", country="Peru", population=9)
    assert City.model_validate_json(response.message.content).name == "Lima"
    response = await structured.achat([ChatMessage(role="user", content="Tell me about Cusco")])
    assert response.raw.name == "Cusco"
