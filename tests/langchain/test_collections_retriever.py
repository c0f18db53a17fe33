"""GrokCollectionsRetriever: documents uploaded in the test come back as the context of a RAG chain.

Everything goes over HTTP to the local server: the upload (Files API), the attach and the
indexing polls (management key), the search (inference key) and the chat turn. The assertions
are on what the retriever returned and on what the chat model was sent.
"""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.documents import Document
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_core.tools import create_retriever_tool

from grok_transport import GrokClient, InvalidParameterError, MissingAPIKeyError
from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok, GrokCollectionsRetriever, collections_search_tool

DOCS = [
    Document(
        "The Cap Fréhel lighthouse was built in 1950. It stands 103 metres above the sea.",
        metadata={"source": "/handbook/lighthouse.md", "team": "keepers", "year": 1950},
    ),
    Document("The cafeteria opens at nine and closes at three.", metadata={"source": "cafeteria.md"}),
]
QUESTION = "When was the lighthouse built?"
MANAGEMENT_SECRET = "xai-token-managementSECRET0123456789"


@pytest.fixture
def collection_id(grok_server: GrokTestServer) -> Iterator[str]:
    grok_server.collections.index_delay = 0.05
    with GrokClient(
        api_key=grok_server.api_key,
        base_url=grok_server.base_url,
        management_base_url=grok_server.base_url,
        management_api_key=grok_server.management_api_key,
    ) as client:
        yield client.collections.create("handbook").id


def _retriever(server: GrokTestServer, collection_id: str, **kwargs: Any) -> GrokCollectionsRetriever:
    return GrokCollectionsRetriever(
        collection_ids=[collection_id],
        api_key=server.api_key,
        base_url=server.base_url,
        management_api_key=server.management_api_key,
        management_base_url=server.base_url,
        **kwargs,
    )


def _format(docs: list[Document]) -> str:
    return "\n\n".join(doc.page_content for doc in docs)


def _chain(server: GrokTestServer, retriever: GrokCollectionsRetriever) -> Any:
    prompt = ChatPromptTemplate.from_messages(
        [("system", "Answer from this context only:\n{context}"), ("human", "{question}")]
    )
    llm = ChatGrok(model="grok-4.3", api_key=server.api_key, base_url=server.base_url)
    return (
        {"context": retriever | _format, "question": RunnablePassthrough()} | prompt | llm | StrOutputParser()
    )


def _system_prompt_sent(server: GrokTestServer) -> str:
    (chat,) = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    return str(chat["messages"][0]["content"])


def test_add_documents_then_retrieve_with_metadata(grok_server: GrokTestServer, collection_id: str) -> None:
    retriever = _retriever(grok_server, collection_id, k=2)
    file_ids = retriever.add_documents(DOCS)
    assert len(file_ids) == 2
    docs = retriever.invoke(QUESTION)
    best = docs[0]
    assert "built in 1950" in best.page_content
    assert best.metadata["file_id"] == file_ids[0]
    assert best.metadata["collection_id"] == collection_id
    assert best.metadata["chunk_id"] == best.id
    assert best.metadata["score"] > docs[1].metadata["score"]
    assert (best.metadata["team"], best.metadata["year"]) == ("keepers", "1950")  # fields are strings
    uploads = [r for r in grok_server.requests if r.path == "/v1/files"]
    assert b'filename="lighthouse.md"' in uploads[0].body  # named after its source


def test_lcel_rag_chain_answers_from_the_uploaded_documents(
    grok_server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(grok_server, collection_id, k=1)
    retriever.add_documents(DOCS)
    answer = _chain(grok_server, retriever).invoke(QUESTION)
    assert "built in 1950" in answer  # the answer comes from the uploaded document
    sent = _system_prompt_sent(grok_server)
    assert "built in 1950" in sent and "cafeteria" not in sent  # k=1: only the best chunk


async def test_lcel_rag_chain_async(grok_server: GrokTestServer, collection_id: str) -> None:
    retriever = _retriever(grok_server, collection_id, k=1)
    await retriever.aadd_documents(DOCS)
    docs = await retriever.ainvoke(QUESTION)
    assert "built in 1950" in docs[0].page_content
    answer = await _chain(grok_server, retriever).ainvoke(QUESTION)
    assert "built in 1950" in answer
    assert "built in 1950" in _system_prompt_sent(grok_server)


def test_add_files_and_filter(grok_server: GrokTestServer, collection_id: str, tmp_path: Any) -> None:
    (tmp_path / "ops.txt").write_text("Ops keep the light burning all night.")
    (tmp_path / "fin.txt").write_text("Finance pays for the light bulbs.")
    retriever = _retriever(grok_server, collection_id)
    retriever.add_files([tmp_path / "ops.txt"], fields={"team": "ops"})
    asyncio.run(retriever.aadd_files([tmp_path / "fin.txt"], fields={"team": "fin"}))  # the async twin
    assert [d.page_content for d in retriever.invoke("finance bulbs")][:1] == [
        "Finance pays for the light bulbs."
    ]
    filtered = retriever.model_copy(update={"filter": 'team = "ops"'})
    assert [d.page_content for d in filtered.invoke("light")] == ["Ops keep the light burning all night."]


def _agent_script(server: GrokTestServer) -> None:
    call = {"name": "search_handbook", "arguments": {"query": "lighthouse built"}, "id": "call_search"}
    server.enqueue(Reply.tool_calls([call]))  # then the server's default answer quotes the result


def _check_agent(server: GrokTestServer, messages: list[Any]) -> None:
    (tool_message,) = [m for m in messages if isinstance(m, ToolMessage)]
    assert "built in 1950" in str(tool_message.content)
    assert isinstance(messages[-1], AIMessage) and not messages[-1].tool_calls
    assert "1950" in str(messages[-1].content)  # the answer uses what the tool retrieved
    chats = [r.json for r in server.requests if r.path == "/v1/chat/completions"]
    assert chats[0]["tools"][0]["function"]["name"] == "search_handbook"
    results = [m["content"] for m in chats[-1]["messages"] if m["role"] == "tool"]
    assert "built in 1950" in results[0]  # the model was given the retrieved chunk


def _agent(server: GrokTestServer, retriever: GrokCollectionsRetriever) -> Any:
    tool = create_retriever_tool(retriever, "search_handbook", "Search the keepers' handbook.")
    llm = ChatGrok(model="grok-4.3", api_key=server.api_key, base_url=server.base_url)
    return create_agent(model=llm, tools=[tool])


def test_create_retriever_tool_in_an_agent(grok_server: GrokTestServer, collection_id: str) -> None:
    retriever = _retriever(grok_server, collection_id, k=1)
    retriever.add_documents(DOCS)
    _agent_script(grok_server)
    state = _agent(grok_server, retriever).invoke({"messages": [HumanMessage(QUESTION)]})
    _check_agent(grok_server, state["messages"])


async def test_create_retriever_tool_in_an_agent_async(
    grok_server: GrokTestServer, collection_id: str
) -> None:
    retriever = _retriever(grok_server, collection_id, k=1)
    await retriever.aadd_documents(DOCS)
    _agent_script(grok_server)
    state = await _agent(grok_server, retriever).ainvoke({"messages": [HumanMessage(QUESTION)]})
    _check_agent(grok_server, state["messages"])


def test_the_model_can_search_collections_itself(grok_server: GrokTestServer, collection_id: str) -> None:
    retriever = _retriever(grok_server, collection_id)
    (file_id,) = retriever.add_documents(DOCS[:1])
    llm = ChatGrok(model="grok-4.3", api_key=grok_server.api_key, base_url=grok_server.base_url)
    answer = llm.bind_tools([collections_search_tool([collection_id], limit=2)]).invoke(QUESTION)
    (run,) = answer.additional_kwargs["server_tool_calls"]
    assert run["name"] == "file_search" and run["results"][0]["file_id"] == file_id
    urls = [c["url"] for c in answer.additional_kwargs["citations"]]
    assert f"collections://{collection_id}/files/{file_id}" in urls
    (result,) = [b for b in answer.content_blocks if b["type"] == "server_tool_result"]
    assert "built in 1950" in result["output"][0]["text"]  # the chunks the search read
    (request,) = [r.json for r in grok_server.requests if r.path == "/v1/responses"]
    assert request["tools"] == [
        {"type": "file_search", "vector_store_ids": [collection_id], "max_num_results": 2}
    ]


def test_the_management_key_never_shows(grok_server: GrokTestServer, collection_id: str) -> None:
    retriever = GrokCollectionsRetriever(
        collection_ids=[collection_id],
        api_key=grok_server.api_key,
        base_url=grok_server.base_url,
        management_api_key=MANAGEMENT_SECRET,
        management_base_url=grok_server.base_url,
        max_retries=0,
    )
    for text in (repr(retriever), str(retriever), dumps(retriever), json.dumps(dumpd(retriever))):
        assert MANAGEMENT_SECRET not in text
    copied = pickle.loads(pickle.dumps(retriever))
    assert copied.management_api_key.get_secret_value() == MANAGEMENT_SECRET  # a worker can ingest
    assert MANAGEMENT_SECRET not in repr(copied)
    with pytest.raises(Exception) as caught:  # the server does not know this management key
        retriever.add_documents(DOCS[:1])
    error = caught.value
    assert getattr(error, "status_code", None) == 400
    assert MANAGEMENT_SECRET not in str(error) + repr(error) + json.dumps(getattr(error, "body", None))


def test_ingesting_without_a_management_key_says_which(
    grok_server: GrokTestServer, collection_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XAI_MANAGEMENT_API_KEY", raising=False)
    retriever = GrokCollectionsRetriever(
        collection_ids=[collection_id], api_key=grok_server.api_key, base_url=grok_server.base_url
    )
    before = len(grok_server.requests)
    with pytest.raises(MissingAPIKeyError, match="XAI_MANAGEMENT_API_KEY"):
        retriever.add_documents(DOCS)
    assert len(grok_server.requests) == before


def test_from_model_shares_the_chat_models_connection(
    grok_server: GrokTestServer, collection_id: str
) -> None:
    llm = ChatGrok(model="grok-4.3", api_key=grok_server.api_key, base_url=grok_server.base_url)
    retriever = GrokCollectionsRetriever.from_model(
        llm, collection_ids=[collection_id, "collection_other"], k=3
    )
    assert (retriever.base_url, retriever.k) == (grok_server.base_url, 3)
    assert retriever.client is llm.client  # one pool for the chain's model and its retriever
    with pytest.raises(InvalidParameterError, match="collection_id="):
        retriever.add_documents(DOCS)  # two collections: which one to fill?
