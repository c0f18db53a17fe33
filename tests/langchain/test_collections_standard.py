"""langchain-tests' standard integration suite for ``GrokCollectionsRetriever``, on the local server.

The collection is made and filled once for the class over real HTTP (Files API, attach, indexing
polls); every standard test then searches it through the inference key.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from grok_transport import GrokClient
from grok_transport.testing import GrokTestServer
from langchain_grok import GrokCollectionsRetriever

FACTS = [
    "The lighthouse was built in 1950.",
    "The lighthouse stands 103 metres above the sea.",
    "The lighthouse keepers work in pairs.",
    "The lighthouse lamp turns twice a minute.",
]


class TestGrokCollectionsRetrieverStandard(RetrieversIntegrationTests):
    settings: ClassVar[dict[str, Any]] = {}

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _collection(cls) -> Iterator[None]:
        with GrokTestServer() as server:
            server.collections.index_delay = 0.05
            connection = {"api_key": server.api_key, "base_url": server.base_url}
            management = {
                "management_api_key": server.management_api_key,
                "management_base_url": server.base_url,
            }
            with GrokClient(**connection, **management) as client:  # type: ignore[arg-type]
                collection = client.collections.create("lighthouse").id
            GrokCollectionsRetriever(collection_ids=[collection], **connection, **management).add_documents(
                [Document(fact) for fact in FACTS]
            )
            cls.settings = {"collection_ids": [collection], **connection}
            yield

    @property
    def retriever_constructor(self) -> type[GrokCollectionsRetriever]:
        return GrokCollectionsRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return dict(self.settings)

    @property
    def retriever_query_example(self) -> str:
        return "lighthouse"
