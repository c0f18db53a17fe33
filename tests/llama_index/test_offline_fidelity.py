"""Grok (LlamaIndex) against the local server behaves as against Grok where a user's test looks.

A query engine answers from its documents, a text-completion program gets JSON that fits the
schema its prompt carries, and the README's agent paints the lighthouse it is asked for.
"""

from __future__ import annotations

from llama_index.core import Document, SummaryIndex
from llama_index.core.agent.workflow import FunctionAgent
from llama_index.core.prompts import PromptTemplate
from llama_index.core.types import PydanticProgramMode
from pydantic import BaseModel

from grok_transport.testing import GrokTestServer
from llama_index_grok import GrokImageToolSpec


class City(BaseModel):
    """A city and a few facts about it."""

    name: str
    country: str
    population: int


def test_a_query_engine_answers_from_its_documents(llm, server: GrokTestServer) -> None:
    documents = [
        Document(text="The Eiffel Tower is 330 metres tall."),
        Document(text="The lighthouse at Cap Fréhel was built in 1950 and is 103 metres above the sea."),
        Document(text="Brittany's coast has more lighthouses than any other French region."),
    ]
    engine = SummaryIndex.from_documents(documents).as_query_engine(llm=llm)
    answer = str(engine.query("When was the Cap Fréhel lighthouse built?"))
    assert "built in 1950" in answer


def test_structured_predict_in_llm_mode_fits_the_schema_in_its_prompt(make_llm, server) -> None:
    llm = make_llm(pydantic_program_mode=PydanticProgramMode.LLM)
    city = llm.structured_predict(City, PromptTemplate("Describe the city of {city}."), city="Lisbon")
    assert isinstance(city, City) and city.name == "Lisbon"
    assert "response_format" not in server.requests[-1].json  # the schema travelled in the prompt


async def test_the_readme_agent_paints_the_lighthouse(llm, server: GrokTestServer) -> None:
    spec = GrokImageToolSpec(base_url=server.base_url, api_key=server.api_key)
    agent = FunctionAgent(tools=spec.to_tool_list(), llm=llm)
    answer = str(await agent.run("Paint a lighthouse at dusk."))
    painted = [r.json for r in server.requests if r.path == "/v1/images/generations"]
    assert [p["prompt"] for p in painted] == ["Paint a lighthouse at dusk"]
    assert not [r for r in server.requests if r.path in ("/v1/images/edits", "/v1/videos/generations")]
    assert "/files/img-1.jpeg" in answer
