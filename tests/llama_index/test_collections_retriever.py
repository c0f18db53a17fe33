"""GrokCollectionsRetriever: documents uploaded in the test are what a query engine answers from.

Everything goes over HTTP to the local server: the upload, the attach and indexing polls
(management key), the search (inference key) and Grok's chat turns. The assertions are on the
source nodes and on what the LLM was sent, which do not depend on the stand-in's wording.
"""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import pytest
from llama_index.core import Document
from llama_index.core.agent.workflow import FunctionAgent, ToolCallResult
from llama_index.core.query_engine import RetrieverQueryEngine, RouterQueryEngine
from llama_index.core.schema import NodeWithScore
from llama_index.core.selectors import LLMSingleSelector
from llama_index.core.tools import QueryEngineTool

from grok_transport import GrokClient, InvalidParameterError, MissingAPIKeyError
from grok_transport.testing import GrokTestServer, Reply
from llama_index_grok import GrokCollectionsRetriever, collections_search_tool

DOCS = [
    Document(
        text="The Cap Fréhel lighthouse was built in 1950. It stands 103 metres above the sea.",
        metadata={"file_name": "lighthouse.md", "team": "keepers"},
    ),
    Document(text="The cafeteria opens at nine and closes at three.", metadata={"file_name": "cafeteria.md"}),
]
QUESTION = "When was the lighthouse built?"
MANAGEMENT_SECRET = "xai-token-managementSECRET0123456789"


@pytest.fixture
def collection_id(server: GrokTestServer) -> str:
    server.collections.index_delay = 0.05
    with GrokClient(
        api_key=server.api_key,
        base_url=server.base_url,
        management_base_url=server.base_url,
        management_api_key=server.management_api_key,
    ) as client:
        return client.collections.create("handbook").id


def _retriever(server: GrokTestServer, collection_id: str, **kwargs: Any) -> GrokCollectionsRetriever:
    return GrokCollectionsRetriever(
        [collection_id],
        api_key=server.api_key,
        base_url=server.base_url,
        management_api_key=server.management_api_key,
        management_base_url=server.base_url,
        **kwargs,
    )


def _chats(server: GrokTestServer) -> list[str]:
    """Every chat request's messages, as one text each."""
    return [str(r.json["messages"]) for r in server.requests if r.path == "/v1/chat/completions"]


def _check_sources(nodes: list[NodeWithScore], file_ids: list[str], collection_id: str) -> None:
    best = nodes[0]
    assert "built in 1950" in best.node.get_content()
    assert best.node.metadata["file_id"] == file_ids[0]
    assert best.node.metadata["collection_id"] == collection_id
    assert best.node.metadata["team"] == "keepers"
    assert best.node.node_id == best.node.metadata["chunk_id"]
    assert best.score is not None and best.score > 0


def test_retrieve_returns_scored_nodes(server: GrokTestServer, collection_id: str) -> None:
    retriever = _retriever(server, collection_id, similarity_top_k=2)
    file_ids = retriever.add_documents(DOCS)
    nodes = retriever.retrieve(QUESTION)
    _check_sources(nodes, file_ids, collection_id)
    assert nodes[0].score > nodes[1].score  # type: ignore[operator]
    uploads = [r for r in server.requests if r.path == "/v1/files"]
    assert b'filename="lighthouse.md"' in uploads[0].body


def test_retriever_query_engine_answers_from_the_uploaded_documents(
    make_llm: Any, server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(server, collection_id, similarity_top_k=1)
    file_ids = retriever.add_documents(DOCS)
    engine = RetrieverQueryEngine.from_args(retriever, llm=make_llm())
    response = engine.query(QUESTION)
    assert "built in 1950" in str(response)  # the answer comes from the uploaded document
    _check_sources(response.source_nodes, file_ids, collection_id)
    (sent,) = _chats(server)
    assert "built in 1950" in sent and "cafeteria" not in sent


async def test_retriever_query_engine_async(
    make_llm: Any, server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(server, collection_id, similarity_top_k=1)
    file_ids = await retriever.aadd_documents(DOCS)
    engine = RetrieverQueryEngine.from_args(retriever, llm=make_llm())
    response = await engine.aquery(QUESTION)
    assert "built in 1950" in str(response)
    _check_sources(response.source_nodes, file_ids, collection_id)
    assert "built in 1950" in _chats(server)[-1]


async def test_a_function_agent_uses_it_through_a_query_engine_tool(
    make_llm: Any, server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(server, collection_id, similarity_top_k=1)
    retriever.add_documents(DOCS)
    llm = make_llm()
    tool = QueryEngineTool.from_defaults(
        RetrieverQueryEngine.from_args(retriever, llm=llm),
        name="handbook",
        description="Answers questions about the lighthouse keepers' handbook.",
    )
    server.enqueue(Reply.tool_calls([{"name": "handbook", "arguments": {"input": QUESTION}}]))
    handler = FunctionAgent(tools=[tool], llm=llm, streaming=False).run(user_msg=QUESTION)
    results = [e async for e in handler.stream_events() if isinstance(e, ToolCallResult)]
    output = await handler
    assert "1950" in str(output.response.content)  # the agent's answer uses the tool's result
    (result,) = results
    assert "built in 1950" in str(result.tool_output.raw_output.source_nodes[0].node.get_content())
    chats = _chats(server)
    assert len(chats) == 3  # the agent's call, the engine's synthesis, the agent's answer
    assert "built in 1950" in chats[1]  # the synthesis was given the retrieved chunk


def test_a_router_query_engine_routes_to_it(
    make_llm: Any, server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(server, collection_id, similarity_top_k=1)
    file_ids = retriever.add_documents(DOCS)
    llm = make_llm()
    handbook = QueryEngineTool.from_defaults(
        RetrieverQueryEngine.from_args(retriever, llm=llm), description="The lighthouse keepers' handbook."
    )
    recipes = _retriever(server, collection_id, filter='team = "cooks"')
    other = QueryEngineTool.from_defaults(
        RetrieverQueryEngine.from_args(recipes, llm=llm), description="Recipes."
    )
    # The selector asks the model which engine to use; the answer is scripted, the rest is not.
    server.enqueue(Reply.text('[{"choice": 1, "reason": "the question is about the lighthouse"}]'))
    router = RouterQueryEngine(
        selector=LLMSingleSelector.from_defaults(llm=llm), query_engine_tools=[handbook, other], llm=llm
    )
    response = router.query(QUESTION)
    _check_sources(response.source_nodes, file_ids, collection_id)
    assert "built in 1950" in _chats(server)[-1]


def test_add_files_with_fields(server: GrokTestServer, collection_id: str, tmp_path: Any) -> None:
    (tmp_path / "ops.txt").write_text("Ops keep the light burning all night.")
    retriever = _retriever(server, collection_id, filter='team = "ops"')
    (file_id,) = retriever.add_files([tmp_path / "ops.txt"], fields={"team": "ops"})
    (node,) = retriever.retrieve("light")
    assert (node.node.metadata["file_id"], node.node.metadata["team"]) == (file_id, "ops")
    (tmp_path / "fin.txt").write_text("Finance pays for the light bulbs.")
    (other_id,) = asyncio.run(retriever.aadd_files([tmp_path / "fin.txt"], fields={"team": "ops"}))
    found = {n.node.metadata["file_id"]: n.node.get_content() for n in retriever.retrieve("light")}
    assert found[other_id] == "Finance pays for the light bulbs."  # the async twin indexed it too


def test_grok_can_search_collections_itself(
    make_llm: Any, server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(server, collection_id)
    (file_id,) = retriever.add_documents(DOCS[:1])
    llm = make_llm(model="grok-4.3", server_tools=[collections_search_tool([collection_id])])
    response = llm.complete(QUESTION)
    (run,) = response.additional_kwargs["server_tool_calls"]
    assert run["name"] == "file_search" and run["results"][0]["file_id"] == file_id
    urls = [c["url"] for c in response.additional_kwargs["citations"]]
    assert f"collections://{collection_id}/files/{file_id}" in urls


def test_the_management_key_never_shows(server: GrokTestServer, collection_id: str) -> None:
    retriever = GrokCollectionsRetriever(
        [collection_id],
        api_key=server.api_key,
        base_url=server.base_url,
        management_api_key=MANAGEMENT_SECRET,
        management_base_url=server.base_url,
        max_retries=0,
    )
    assert MANAGEMENT_SECRET not in repr(retriever) + str(retriever)
    copied = pickle.loads(pickle.dumps(retriever))
    assert copied.retrieve(QUESTION) == []  # a pickled retriever works (nothing indexed yet)
    with pytest.raises(Exception) as caught:  # the server does not know this management key
        retriever.add_documents(DOCS[:1])
    error = caught.value
    assert getattr(error, "status_code", None) == 400
    assert MANAGEMENT_SECRET not in str(error) + repr(error) + str(getattr(error, "body", ""))


def test_ingesting_without_a_management_key_says_which(
    server: GrokTestServer, collection_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XAI_MANAGEMENT_API_KEY", raising=False)
    retriever = GrokCollectionsRetriever([collection_id], api_key=server.api_key, base_url=server.base_url)
    before = len(server.requests)
    with pytest.raises(MissingAPIKeyError, match="XAI_MANAGEMENT_API_KEY"):
        retriever.add_documents(DOCS)
    assert len(server.requests) == before


def test_a_retriever_over_two_collections_adds_only_where_told(
    server: GrokTestServer, collection_id: str
) -> None:
    with GrokClient(
        api_key=server.api_key,
        base_url=server.base_url,
        management_base_url=server.base_url,
        management_api_key=server.management_api_key,
    ) as client:
        other = client.collections.create("archive").id
    retriever = GrokCollectionsRetriever(
        [collection_id, other],
        api_key=server.api_key,
        base_url=server.base_url,
        management_api_key=server.management_api_key,
        management_base_url=server.base_url,
    )
    before = len(server.requests)
    with pytest.raises(InvalidParameterError, match="collection_id="):
        retriever.add_documents(DOCS)  # which one to fill? refused before any upload
    assert len(server.requests) == before
    (file_id,) = retriever.add_documents(DOCS[:1], collection_id=other)
    (node,) = retriever.retrieve(QUESTION)[:1]
    assert (node.node.metadata["file_id"], node.node.metadata["collection_id"]) == (file_id, other)
