"""ChatGrok inside LangChain's own machinery: chains, message history, caches, rate limiters."""

from __future__ import annotations

import time

import pytest
from langchain_core.caches import InMemoryCache
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.chat_history import InMemoryChatMessageHistory
from langchain_core.globals import set_llm_cache
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate, MessagesPlaceholder
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.runnables.history import RunnableWithMessageHistory

from grok_transport.testing import GrokTestServer, Reply
from langchain_grok import ChatGrok


def chat(server: GrokTestServer, **kwargs: object) -> ChatGrok:
    return ChatGrok(base_url=server.base_url, api_key=server.api_key, **kwargs)


def test_prompt_model_parser_chain(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text("bonjour"), Reply.text(["bon", "jour"]))
    prompt = ChatPromptTemplate.from_messages([("system", "translate to {lang}"), ("human", "{text}")])
    chain = prompt | chat(grok_server) | StrOutputParser()
    assert chain.invoke({"lang": "French", "text": "hello"}) == "bonjour"
    pieces = list(chain.stream({"lang": "French", "text": "hello"}))
    assert [p for p in pieces if p] == ["bon", "jour"]  # piece by piece, as the server sent them
    assert grok_server.requests[0].json["messages"] == [
        {"role": "system", "content": "translate to French"},
        {"role": "user", "content": "hello"},
    ]


def test_streaming_callbacks_see_each_token_once(grok_server: GrokTestServer) -> None:
    class Tokens(BaseCallbackHandler):
        def __init__(self) -> None:
            self.tokens: list[str] = []

        def on_llm_new_token(self, token: str, **kwargs: object) -> None:
            self.tokens.append(token)

    grok_server.enqueue(Reply.text(["a", "b", "c"]), Reply.text(["d", "e"]))
    handler = Tokens()
    chunks = [c.content for c in chat(grok_server).stream("hi", config={"callbacks": [handler]})]
    assert handler.tokens == chunks and "".join(chunks) == "abc"
    # invoke() with streaming=True streams under the hood; the handler sees the same tokens.
    handler.tokens.clear()
    assert chat(grok_server, streaming=True).invoke("hi", config={"callbacks": [handler]}).content == "de"
    assert [t for t in handler.tokens if t] == ["d", "e"]
    assert grok_server.requests[-1].json["stream"] is True


@pytest.mark.filterwarnings("ignore::langchain_core._api.LangChainDeprecationWarning")
def test_message_history_is_replayed_to_the_model(grok_server: GrokTestServer) -> None:
    grok_server.enqueue(Reply.text("nice to meet you, ada."), Reply.text("your name is ada."))
    histories: dict[str, InMemoryChatMessageHistory] = {}
    prompt = ChatPromptTemplate.from_messages([MessagesPlaceholder("history"), ("human", "{input}")])
    conversation = RunnableWithMessageHistory(
        prompt | chat(grok_server),
        lambda session: histories.setdefault(session, InMemoryChatMessageHistory()),
        input_messages_key="input",
        history_messages_key="history",
    )
    config = {"configurable": {"session_id": "s1"}}
    conversation.invoke({"input": "i am ada"}, config=config)
    answer = conversation.invoke({"input": "what is my name?"}, config=config)
    assert answer.content == "your name is ada."
    assert grok_server.requests[-1].json["messages"] == [
        {"role": "user", "content": "i am ada"},
        {"role": "assistant", "content": "nice to meet you, ada."},
        {"role": "user", "content": "what is my name?"},
    ]
    assert len(histories["s1"].messages) == 4


def test_in_memory_cache_answers_the_second_call(grok_server: GrokTestServer) -> None:
    set_llm_cache(InMemoryCache())
    try:
        model = chat(grok_server, temperature=0)
        first = model.invoke("cache me")
        second = model.invoke("cache me")
        other = chat(grok_server, temperature=1).invoke("cache me")  # different settings: a miss
    finally:
        set_llm_cache(None)
    assert second.content == first.content and other.content
    assert len(grok_server.requests) == 2


def test_rate_limiter_spaces_the_requests(grok_server: GrokTestServer) -> None:
    limiter = InMemoryRateLimiter(requests_per_second=20, check_every_n_seconds=0.005, max_bucket_size=1)
    model = chat(grok_server, rate_limiter=limiter)
    started = time.monotonic()
    for _ in range(4):
        model.invoke("hi")
    assert time.monotonic() - started >= 3 / 20 * 0.9  # four requests, three waits of 1/20 s
    assert len(grok_server.requests) == 4
