"""ChatGrok against the local server behaves as against Grok where a user's offline test looks.

json_mode sends no schema, so the answer must fit the one the prompt describes; a bound tool is
called when the question needs it, with arguments from the question, and not otherwise.
"""

from __future__ import annotations

from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.tools import tool
from pydantic import BaseModel, Field

from grok_transport.testing import GrokTestServer
from langchain_grok import ChatGrok


class Joke(BaseModel):
    setup: str = Field(description="The question that sets the joke up.")
    punchline: str = Field(description="The answer that makes it funny.")
    rating: int = Field(description="How funny, 1 to 10.")


def model(server: GrokTestServer) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, max_retries=0)


def test_json_mode_fits_the_schema_in_langchains_format_instructions(grok_server: GrokTestServer) -> None:
    parser = PydanticOutputParser(pydantic_object=Joke)
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer the user query.\n{format_instructions}"), ("human", "Tell me a joke about cats.")]
    ).partial(format_instructions=parser.get_format_instructions())
    chain = prompt | model(grok_server).with_structured_output(Joke, method="json_mode")
    joke = chain.invoke({})
    assert isinstance(joke, Joke) and joke.setup and joke.punchline
    assert grok_server.requests[-1].json["response_format"] == {"type": "json_object"}


def test_json_mode_fits_keys_the_prompt_lists(grok_server: GrokTestServer) -> None:
    structured = model(grok_server).with_structured_output(None, method="json_mode")
    answer = structured.invoke(
        "Tell me a joke about cats. Reply in JSON with the keys 'setup' and 'punchline'."
    )
    assert set(answer) == {"setup", "punchline"}


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


@tool
def get_weather(city: str) -> str:
    """Get the current weather for a city."""
    return f"It is 18°C and sunny in {city}."


def test_bound_tools_are_called_when_the_question_needs_them(grok_server: GrokTestServer) -> None:
    llm = model(grok_server).bind_tools([multiply, get_weather])
    assert [(c["name"], c["args"]) for c in llm.invoke("What is 6 times 7?").tool_calls] == [
        ("multiply", {"a": 6, "b": 7})
    ]
    weather = llm.invoke("What's the weather in Lisbon?").tool_calls
    assert [(c["name"], c["args"]) for c in weather] == [("get_weather", {"city": "Lisbon"})]
    assert llm.invoke("Hello! How are you?").tool_calls == []
