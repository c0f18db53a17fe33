"""Collections management and document search through the transport, against the local server.

The management routes answer only to the management key and the search only to the inference
key, so a call that succeeds proves which key it carried.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from grok_transport import (
    AsyncGrokClient,
    AuthenticationError,
    Collection,
    CollectionDocument,
    DocumentIndexingError,
    GrokClient,
    GrokError,
    InvalidAPIKeyError,
    InvalidParameterError,
    JobTimeoutError,
    MissingAPIKeyError,
    NotFoundError,
    SearchMatch,
    collections_search_tool,
)
from grok_transport.testing import GrokTestServer, sample_pdf

HANDBOOK = (
    "Welcome to the Cap Fréhel lighthouse keepers' handbook. Keepers work in pairs.\n\n"
    "The lighthouse was built in 1950 after the old tower was destroyed. It stands 103 metres "
    "above the sea.\n\n"
    "The cafeteria opens at nine and closes at three. Coffee is free for keepers."
)


def _client(server: GrokTestServer, **kwargs: object) -> GrokClient:
    return GrokClient(
        api_key=server.api_key,
        base_url=server.base_url,
        management_base_url=server.base_url,
        management_api_key=server.management_api_key,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(grok_server: GrokTestServer) -> Iterator[GrokClient]:
    grok_server.collections.index_delay = 0.05
    with _client(grok_server) as made:
        yield made


def test_collection_lifecycle(client: GrokClient) -> None:
    made = client.collections.create("handbook", description="for keepers")
    assert isinstance(made, Collection) and made.id.startswith("collection_")
    assert made.created_at is not None  # an RFC 3339 string on the wire
    client.collections.create("archive")
    assert [c.name for c in client.collections.list()] == ["archive", "handbook"]
    renamed = client.collections.update(made.id, name="keepers' handbook")
    assert (renamed.name, client.collections.get(made.id).description) == ("keepers' handbook", "for keepers")
    client.collections.delete(made.id)
    with pytest.raises(NotFoundError):
        client.collections.get(made.id)
    with pytest.raises(InvalidParameterError):
        client.collections.update(made.id)  # nothing to change: refused before sending


def test_add_file_waits_until_the_document_is_searchable(
    grok_server: GrokTestServer, client: GrokClient
) -> None:
    grok_server.collections.index_delay = 0.3
    collection = client.collections.create("handbook")
    document = client.collections.add_file(
        collection.id, HANDBOOK.encode(), filename="handbook.txt", fields={"team": "ops"}
    )
    assert isinstance(document, CollectionDocument)
    assert (document.status, document.name, document.fields) == (
        "DOCUMENT_STATUS_PROCESSED",
        "handbook.txt",
        {"team": "ops"},
    )
    assert document.size_bytes == len(HANDBOOK.encode())  # sent as a string, read as a number
    polls = [r for r in grok_server.requests if r.method == "GET" and "/documents/" in r.path]
    assert len(polls) >= 2  # it really waited through PROCESSING
    uploads = [r for r in grok_server.requests if r.path == "/v1/files"]
    assert len(uploads) == 1  # the bytes went up through the Files API, on the inference key
    assert [d.file_id for d in client.collections.documents(collection.id)] == [document.file_id]


def test_search_finds_the_chunk_that_holds_the_answer(client: GrokClient) -> None:
    collection = client.collections.create("handbook")
    client.collections.add_file(collection.id, HANDBOOK.encode(), filename="handbook.txt")
    matches = client.documents.search("When was the lighthouse built?", [collection.id], limit=2)
    assert all(isinstance(m, SearchMatch) for m in matches) and len(matches) == 2
    best = matches[0]
    assert "built in 1950" in best.chunk_content
    assert best.score > matches[1].score
    assert best.collection_ids == (collection.id,) and best.file_id.startswith("file_")
    assert best.metadata()["collection_id"] == collection.id
    keyword = client.documents.search("cafeteria coffee", collection.id, retrieval_mode="keyword")
    assert [m.chunk_content for m in keyword] == [
        "The cafeteria opens at nine and closes at three. Coffee is free for keepers."
    ]


def test_search_filters_on_the_documents_fields(client: GrokClient) -> None:
    collection = client.collections.create("notes")
    client.collections.add_file(
        collection.id, b"Ops keep the light on.", filename="ops.txt", fields={"team": "ops"}
    )
    client.collections.add_file(
        collection.id, b"Finance keeps the light budget.", filename="fin.txt", fields={"team": "fin"}
    )
    found = client.documents.search("light", [collection.id], filter='team = "fin"')
    assert [(m.chunk_content, m.fields) for m in found] == [
        ("Finance keeps the light budget.", {"team": "fin"})
    ]


def test_a_pdf_is_indexed_from_its_text(client: GrokClient, tmp_path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(sample_pdf("Quarterly revenue rose to 4.2 million euros."))
    collection = client.collections.create("reports")
    (document,) = client.collections.add_files(collection.id, [path])
    assert document.name == "report.pdf" and document.content_type == "application/pdf"
    (match,) = client.documents.search("quarterly revenue", [collection.id], limit=1)
    assert "4.2 million euros" in match.chunk_content


def test_a_failed_indexing_raises_with_the_servers_message(
    grok_server: GrokTestServer, client: GrokClient
) -> None:
    grok_server.collections.fail_with = "unsupported file encoding"
    collection = client.collections.create("broken")
    with pytest.raises(DocumentIndexingError, match="unsupported file encoding") as info:
        client.collections.add_file(collection.id, b"\x00\x01 binary", filename="blob.bin")
    assert info.value.collection_id == collection.id and info.value.file_id.startswith("file_")


def test_waiting_gives_up_at_the_timeout_and_can_resume(
    grok_server: GrokTestServer, client: GrokClient
) -> None:
    grok_server.collections.index_delay = 2.0
    collection = client.collections.create("slow")
    with pytest.raises(JobTimeoutError) as info:
        client.collections.add_file(collection.id, b"slow text", filename="slow.txt", timeout=0.5)
    last = info.value.last_status
    # An intermediate status the REST reference does not list means "still working", not an error.
    assert last.status in ("DOCUMENT_STATUS_PROCESSING", "DOCUMENT_STATUS_EMBEDDING")
    assert not (last.processed or last.failed)
    document = client.collections.wait_for_document(collection.id, info.value.job_id, timeout=30)
    assert document.processed


def test_remove_a_document(client: GrokClient) -> None:
    collection = client.collections.create("handbook")
    document = client.collections.add_file(collection.id, b"Temporary note.", filename="note.txt")
    client.collections.remove_document(collection.id, document.file_id)
    assert list(client.collections.documents(collection.id)) == []
    with pytest.raises(NotFoundError):
        client.collections.get_document(collection.id, document.file_id)


def test_bad_arguments_are_refused_before_any_request(
    grok_server: GrokTestServer, client: GrokClient
) -> None:
    for call in (
        lambda: client.documents.search("", ["collection_1"]),
        lambda: client.documents.search("q", []),
        lambda: client.documents.search("q", ["c"], limit=0),
        lambda: client.documents.search("q", ["c"], retrieval_mode="fuzzy"),  # type: ignore[arg-type]
        lambda: client.collections.create(""),
        lambda: client.collections.get(".."),
        lambda: client.collections.add_texts("c", "one string, not a list"),
        lambda: collections_search_tool([]),
        lambda: collections_search_tool([f"c{i}" for i in range(11)]),
    ):
        with pytest.raises(InvalidParameterError):
            call()
    assert grok_server.requests == []


def test_no_management_key_is_a_typed_error_before_any_request(
    grok_server: GrokTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XAI_MANAGEMENT_API_KEY", raising=False)
    client = GrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url)
    with client, pytest.raises(MissingAPIKeyError, match="XAI_MANAGEMENT_API_KEY"):
        client.collections.create("handbook")
    assert grok_server.requests == []


def test_the_management_key_comes_from_the_environment(
    grok_server: GrokTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MANAGEMENT_API_KEY", grok_server.management_api_key)
    with GrokClient(
        api_key=grok_server.api_key, base_url=grok_server.base_url, management_base_url=grok_server.base_url
    ) as client:
        assert client.collections.create("from env").name == "from env"


def test_each_host_refuses_the_other_key(grok_server: GrokTestServer) -> None:
    swapped = GrokClient(
        api_key=grok_server.management_api_key,
        base_url=grok_server.base_url,
        management_base_url=grok_server.base_url,
        management_api_key=grok_server.api_key,
    )
    with swapped, pytest.raises(AuthenticationError):
        swapped.collections.create("handbook")
    with _client(grok_server) as right:
        collection = right.collections.create("handbook")
    with swapped, pytest.raises(AuthenticationError):
        swapped.documents.search("anything", [collection.id])


def test_the_file_search_tool_reports_its_run_and_cites_the_file(client: GrokClient) -> None:
    collection = client.collections.create("handbook")
    document = client.collections.add_file(collection.id, HANDBOOK.encode(), filename="handbook.txt")
    tool = collections_search_tool([collection.id], limit=3)
    assert tool == {"type": "file_search", "vector_store_ids": [collection.id], "max_num_results": 3}
    messages = [{"role": "user", "content": "When was the lighthouse built?"}]
    whole = client.chat(messages, model="grok-4.3", tools=[tool])
    with client.stream_chat(messages, model="grok-4.3", tools=[tool]) as stream:
        streamed = [delta for delta in stream if delta.kind == "server_tool"]
        answer = stream.answer
    for got in (whole, answer):
        (run,) = got.server_tool_runs
        assert (run.type, run.name) == ("file_search_call", "file_search")
        shown = run.as_dict()
        assert shown["results"][0]["file_id"] == document.file_id
        assert "built in 1950" in shown["results"][0]["text"]
        (citation,) = [c for c in got.citations if c.url.startswith("collections://")]
        assert citation.url == f"collections://{collection.id}/files/{document.file_id}"
        assert citation.title == "handbook.txt"
    assert len(streamed) == 1


def test_async_twins(grok_server: GrokTestServer) -> None:
    grok_server.collections.index_delay = 0.05

    async def main() -> tuple[list[str], list[SearchMatch], list[str]]:
        async with AsyncGrokClient(
            api_key=grok_server.api_key,
            base_url=grok_server.base_url,
            management_base_url=grok_server.base_url,
            management_api_key=grok_server.management_api_key,
        ) as client:
            collection = await client.collections.create("handbook")
            await client.collections.add_texts(collection.id, [HANDBOOK], names=["handbook"])
            names = [d.name async for d in client.collections.documents(collection.id)]
            matches = await client.documents.search("lighthouse built", [collection.id], limit=1)
            listed = [c.name async for c in client.collections.list()]
            await client.collections.delete(collection.id)
            return names, matches, listed

    names, matches, listed = asyncio.run(main())
    assert names == ["handbook.txt"] and listed == ["handbook"]
    assert "built in 1950" in matches[0].chunk_content


@pytest.mark.parametrize(
    ("created_at", "expected"),
    [
        ("2025-09-16T18:36:09.790629Z", 1758047769.790629),
        ("2025-09-16T18:36:09.790629123Z", 1758047769.790629),  # nanoseconds, read on 3.10 too
        (1758047769, 1758047769.0),
        ("1758047769", 1758047769.0),
    ],
)
def test_created_at_is_read_as_unix_time_or_rfc_3339(created_at: object, expected: float) -> None:
    parsed = Collection.from_dict({"collection_id": "collection_1", "created_at": created_at})
    assert parsed.created_at == pytest.approx(expected)


# -- the management key gets the inference key's protections ------------------------------------------


MANAGEMENT_SECRET = "xai-token-managementSECRET0123456789"


class _Echo(BaseHTTPRequestHandler):
    """A management host that quotes the key back in its error (as a careless proxy might)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length") or 0))
        body = json.dumps(
            {"code": "unavailable", "error": f"upstream rejected {self.headers['authorization']}"}
        )
        self.send_response(503)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_the_management_key_never_shows(
    grok_server: GrokTestServer, echo_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = GrokClient(
        api_key=grok_server.api_key,
        base_url=grok_server.base_url,
        management_base_url=echo_url,
        management_api_key=MANAGEMENT_SECRET,
        max_retries=1,
    )
    assert MANAGEMENT_SECRET not in repr(client) + str(client)
    with caplog.at_level(logging.DEBUG, logger="grok_transport"), pytest.raises(GrokError) as info:
        client.collections.create("handbook")
    error = info.value
    assert error.status_code == 503 and "upstream rejected Bearer ***" in error.message
    carried = json.dumps([str(error), repr(error), error.args, error.__dict__], default=repr)
    assert MANAGEMENT_SECRET not in carried
    assert MANAGEMENT_SECRET.encode() not in pickle.dumps(error)
    assert "retrying" in caplog.text and MANAGEMENT_SECRET not in caplog.text
    client.close()


def test_a_malformed_management_key_troubles_only_collections(
    grok_server: GrokTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XAI_MANAGEMENT_API_KEY", "mgmt1234abcd\nrest5678")
    with GrokClient(api_key=grok_server.api_key, base_url=grok_server.base_url) as client:
        assert client.chat([{"role": "user", "content": "hi"}], model="grok-4.3").text  # chat is unaffected
        sent = len(grok_server.requests)
        with pytest.raises(InvalidAPIKeyError, match="XAI_MANAGEMENT_API_KEY") as info:
            client.collections.create("handbook")
    assert "mgmt1234abcd" not in str(info.value)  # says what is wrong, never the key
    assert len(grok_server.requests) == sent


def test_a_list_longer_than_a_page_is_read_page_by_page(
    grok_server: GrokTestServer, client: GrokClient
) -> None:
    names = [f"c{n:03}" for n in range(101)]  # a page holds 100
    for name in names:
        client.collections.create(name)
    assert [c.name for c in client.collections.list()] == names
    pages = [r for r in grok_server.requests if r.method == "GET" and r.path == "/v1/collections"]
    assert len(pages) == 2 and "pagination_token=" in pages[1].query
