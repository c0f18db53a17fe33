"""The local server's stand-in answers: valid against the schemas users write, and plausible.

Tool arguments and structured output must validate (a framework rejects an invalid call before
the code under test runs), and should read like an answer to the question asked: the city the
user named, the quoted title, the numbers given, the tool's result stated in a sentence.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

import httpx
import jsonschema
import pytest
from pydantic import BaseModel, Field

from grok_transport.testing import GrokTestServer

FORMAT_CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:  # jsonschema only checks it with an optional extra
    return not isinstance(value, str) or bool(dt.datetime.fromisoformat(value.replace("Z", "+00:00")))


@FORMAT_CHECKER.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlparse(value).scheme and urlparse(value).netloc)


def validate(instance: Any, schema: dict) -> None:
    jsonschema.Draft202012Validator(schema, format_checker=FORMAT_CHECKER).validate(instance)


# pydantic models, as LangChain and LlamaIndex users define tools and outputs -------------------


class Unit(str, enum.Enum):
    CELSIUS = "celsius"
    FAHRENHEIT = "fahrenheit"


class Address(BaseModel):
    street: str
    city: str
    postcode: Annotated[str, Field(pattern=r"^\d{5}$")]


class Person(BaseModel):
    name: str
    age: Annotated[int, Field(ge=18, le=130)]
    height_m: Annotated[float, Field(gt=0.5, lt=2.5)]
    born: dt.date
    last_seen: dt.datetime
    unit: Unit = Unit.CELSIUS
    nickname: str | None = None
    home: Address
    previous: list[Address] = Field(default_factory=list, min_length=1)
    tags: Annotated[list[str], Field(min_length=2, max_length=4)]
    mood: Literal["happy", "sad"]


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int


class Dog(BaseModel):
    kind: Literal["dog"]
    good_boy: bool


class Pets(BaseModel):
    pets: list[Annotated[Cat | Dog, Field(discriminator="kind")]]


class Node(BaseModel):
    value: int
    children: list[Node] = []
    parent: Node | None = None


HAND_WRITTEN: list[tuple[str, dict]] = [
    ("empty object", {"type": "object", "properties": {}}),
    (
        "arrays",
        {
            "type": "object",
            "properties": {
                "ids": {"type": "array", "items": {"type": "integer"}, "minItems": 3, "uniqueItems": True},
                "colours": {
                    "type": "array",
                    "items": {"enum": ["red", "green", "blue"]},
                    "minItems": 2,
                    "uniqueItems": True,
                },
                "pair": {
                    "type": "array",
                    "prefixItems": [{"type": "string"}, {"type": "number"}],
                    "items": False,
                    "minItems": 2,
                },
            },
            "required": ["ids", "colours", "pair"],
        },
    ),
    (
        "unions",
        {
            "type": "object",
            "properties": {
                "id": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                "shape": {
                    "oneOf": [
                        {
                            "type": "object",
                            "properties": {"radius": {"type": "number", "minimum": 0}},
                            "required": ["radius"],
                            "additionalProperties": False,
                        },
                        {
                            "type": "object",
                            "properties": {"side": {"type": "number"}},
                            "required": ["side"],
                            "additionalProperties": False,
                        },
                    ]
                },
                "both": {
                    "allOf": [
                        {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                        {
                            "type": "object",
                            "properties": {"b": {"type": "integer", "minimum": 5}},
                            "required": ["b"],
                        },
                    ]
                },
            },
            "required": ["id", "shape", "both"],
        },
    ),
    (
        "formats",
        {
            "type": "object",
            "properties": {
                "day": {"type": "string", "format": "date"},
                "at": {"type": "string", "format": "date-time"},
                "mail": {"type": "string", "format": "email"},
                "link": {"type": "string", "format": "uri"},
                "uid": {"type": "string", "format": "uuid"},
                "ip": {"type": "string", "format": "ipv4"},
            },
            "required": ["day", "at", "mail", "link", "uid", "ip"],
        },
    ),
    (
        "numbers",
        {
            "type": "object",
            "properties": {
                "count": {"type": "integer", "minimum": 10, "maximum": 20},
                "open": {"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 2},
                "step": {"type": "integer", "multipleOf": 7, "minimum": 10},
                "ratio": {"type": "number", "minimum": 0, "maximum": 1},
                "price": {"type": "number", "multipleOf": 0.25, "minimum": 3},
                "negative": {"type": "number", "maximum": -5},
            },
            "required": ["count", "open", "step", "ratio", "price", "negative"],
        },
    ),
    (
        "nullable and optional",
        {
            "type": "object",
            "properties": {
                "note": {"type": ["string", "null"]},
                "maybe": {"anyOf": [{"type": "null"}, {"type": "integer"}]},
                "optional": {"type": "string", "minLength": 3, "maxLength": 5},
            },
            "required": ["note", "maybe"],
        },
    ),
    (
        "strings",
        {
            "type": "object",
            "properties": {
                "code": {"type": "string", "pattern": "^[A-Z]{3}-\\d{2,4}$"},
                "short": {"type": "string", "maxLength": 3},
                "long": {"type": "string", "minLength": 20},
                "free": {},
            },
            "required": ["code", "short", "long", "free"],
        },
    ),
    (
        "additional properties",
        {"type": "object", "minProperties": 2, "additionalProperties": {"type": "integer"}},
    ),
]
PYDANTIC: list[tuple[str, dict]] = [
    (model.__name__, model.model_json_schema()) for model in (Person, Pets, Node, Address)
]
ALL_SCHEMAS = HAND_WRITTEN + PYDANTIC


@pytest.mark.parametrize(("name", "schema"), ALL_SCHEMAS, ids=[n for n, _ in ALL_SCHEMAS])
def test_server_tool_call_and_structured_output_validate(name, schema, xai_client):
    validate(call_arguments(xai_client, "please do it", "do_it", schema), schema)
    validate(structured(xai_client, "fill it", schema), schema)


@pytest.fixture(scope="module")
def xai_client():
    with GrokTestServer("xai") as server:
        auth = {"Authorization": f"Bearer {server.api_key}"}
        with httpx.Client(base_url=server.base_url, headers=auth) as client:
            yield client


def call_arguments(client: httpx.Client, question: str, name: str, parameters: dict) -> dict[str, Any]:
    """The arguments of the stand-in's call to the one function offered."""
    tool = {
        "type": "function",
        "function": {"name": name, "description": "Does it", "parameters": parameters},
    }
    messages = [{"role": "user", "content": question}]
    body = {"model": "grok-4.3", "messages": messages, "tools": [tool], "tool_choice": "required"}
    (call,) = client.post("/chat/completions", json=body).json()["choices"][0]["message"]["tool_calls"]
    return json.loads(call["function"]["arguments"])


def structured(client: httpx.Client, question: str, schema: dict) -> Any:
    fmt = {"type": "json_schema", "json_schema": {"name": "out", "schema": schema, "strict": True}}
    body = {"model": "grok-4.3", "messages": [{"role": "user", "content": question}], "response_format": fmt}
    return json.loads(client.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"])


def test_tool_arguments_take_their_words_from_the_question(xai_client):
    def fields(**properties: dict) -> dict:
        return {"type": "object", "properties": properties, "required": list(properties)}

    text, city = {"type": "string"}, {"type": "string"}
    assert call_arguments(
        xai_client, "What's the weather like in Lisbon?", "get_weather", fields(city=city)
    ) == {"city": "Lisbon"}
    ticker = {"type": "string", "pattern": "^[A-Z]{1,5}$"}
    assert call_arguments(xai_client, "What is the share price of ACME?", "quote", fields(ticker=ticker)) == {
        "ticker": "ACME"
    }
    numbers = fields(a={"type": "integer"}, b={"type": "integer"})
    assert call_arguments(xai_client, "multiply 6 by 7", "multiply", numbers) == {"a": 6, "b": 7}
    query = call_arguments(xai_client, "best pizza in naples?", "search", fields(query=text))
    assert query == {"query": "best pizza in naples"}
    example = {"type": "string", "description": "Latitude (e.g., 52.5200)"}
    assert call_arguments(xai_client, "weather here?", "weather", fields(latitude=example)) == {
        "latitude": "52.5200"
    }


class Film(BaseModel):
    title: str = Field(description="The title in its original language.")
    year: int = Field(description="Year of release.")
    directors: list[str]


def test_structured_output_takes_quoted_titles_names_and_years_else_plain_placeholders(xai_client):
    schema = Film.model_json_schema()
    found = structured(xai_client, 'Tell me about the film "Dune" (2021) by Denis Villeneuve.', schema)
    assert found == {"title": "Dune", "year": 2021, "directors": ["Denis Villeneuve"]}
    stand_in = structured(xai_client, "Name one classic science-fiction film.", schema)
    assert stand_in == {"title": "Untitled", "year": 2024, "directors": ["Jane Doe"]}
    person = structured(xai_client, "Who is this?", Person.model_json_schema())
    assert "nickname" in person  # optional fields are filled at the top level of structured output
    Person.model_validate(person)


@pytest.mark.parametrize(
    ("name", "arguments", "output", "answer"),
    [
        ("get_weather", {"city": "Lisbon"}, "sunny, 22 °C", "The weather in Lisbon is sunny, 22 °C."),
        ("get_weather", {"city": "Lisbon"}, "It is 18°C in Lisbon.", "It is 18°C in Lisbon."),
        ("get_weather", {"city": "Lisbon"}, '{"temp_c": 22, "sky": "clear"}', "The weather in Lisbon is temp c 22, sky clear."),
        ("multiply", {"a": 6, "b": 7}, "42", "The result of multiply is 42."),
        ("draw", {}, "Drew 1 image.\nImage 1: https://img.example/1.png\n[1 image(s) returned; attached next]",
         "Drew 1 image. Image 1: https://img.example/1.png"),
    ],
)  # fmt: skip
def test_the_answer_after_a_tool_run_states_its_result(xai_client, name, arguments, output, answer):
    call = {"id": "c1", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
    messages = [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": output},
    ]
    body = {"model": "grok-4.3", "messages": messages}
    assert (
        xai_client.post("/chat/completions", json=body).json()["choices"][0]["message"]["content"] == answer
    )
