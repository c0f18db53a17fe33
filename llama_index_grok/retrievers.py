"""xAI Collections as a LlamaIndex retriever: no embedding model and no vector store of your own.

``GrokCollectionsRetriever`` sends the query to ``POST /v1/documents/search`` (the inference
host and key, like ``Grok``) and returns a ``NodeWithScore`` per matching chunk, best first: a
``TextNode`` whose id is the chunk id and whose metadata holds the document's fields plus
``score``, ``file_id``, ``chunk_id``, ``collection_id``, ``collection_ids`` and ``page_number``.
It plugs into ``RetrieverQueryEngine`` (with ``Grok`` or any LLM), into a ``QueryEngineTool`` for
a ``FunctionAgent`` and into a ``RouterQueryEngine``.

Putting documents in is management (another host, another key: ``management_api_key``, by
default ``XAI_MANAGEMENT_API_KEY``): :meth:`GrokCollectionsRetriever.add_documents` uploads
LlamaIndex documents (text, metadata as fields), :meth:`~GrokCollectionsRetriever.add_files`
files; both return once the server has indexed them. Keys are kept as ``SecretStr`` and never
shown in ``repr``; a pickled retriever carries them the same way and rebuilds its clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from grok_transport import InvalidParameterError, RetrievalMode, SearchMatch, pick_collection
from llama_index_grok._connection import ConnectionOptions, GrokConnected

if TYPE_CHECKING:
    import os

    from llama_index.core.callbacks import CallbackManager
    from llama_index.core.schema import Document
    from pydantic import SecretStr
    from typing_extensions import Unpack


__all__ = ["GrokCollectionsRetriever"]


def _node(match: SearchMatch) -> NodeWithScore:
    node = TextNode(text=match.chunk_content, metadata=match.metadata())
    if match.chunk_id:
        node.id_ = match.chunk_id
    return NodeWithScore(node=node, score=match.score)


class GrokCollectionsRetriever(BaseRetriever, GrokConnected):
    """Retrieve chunks from xAI Collections (``POST /v1/documents/search``).

    Args:
        collection_ids: The collections to search (at least one).
        similarity_top_k: How many chunks to return (default 10).
        retrieval_mode: ``hybrid`` (default), ``semantic`` or ``keyword``.
        filter: An AIP-160 expression over the documents' fields (``team = "ops"``).
        instructions: What the server's reranker should favour.
        api_key / base_url / provider / timeout / max_retries / default_headers / rate limits: As
            for ``Grok``.
        management_api_key: For ``add_documents`` / ``add_files``; default ``XAI_MANAGEMENT_API_KEY``.
        management_base_url: Default ``https://management-api.x.ai/v1``.

    Examples:
        ```python
        from llama_index.core.query_engine import RetrieverQueryEngine
        from llama_index_grok import Grok, GrokCollectionsRetriever

        retriever = GrokCollectionsRetriever(collection_ids=["collection_…"], similarity_top_k=4)
        engine = RetrieverQueryEngine.from_args(retriever, llm=Grok())
        ```
    """

    def __init__(
        self,
        collection_ids: Sequence[str],
        similarity_top_k: int = 10,
        retrieval_mode: RetrievalMode = "hybrid",
        filter: str | None = None,
        instructions: str | None = None,
        *,
        api_key: str | SecretStr | None = None,
        callback_manager: CallbackManager | None = None,
        verbose: bool = False,
        **connection: Unpack[ConnectionOptions],
    ) -> None:
        if isinstance(collection_ids, str) or not collection_ids:
            raise InvalidParameterError("collection_ids takes a list of at least one collection id.")
        self.collection_ids = list(collection_ids)
        self.similarity_top_k = similarity_top_k
        self.retrieval_mode: RetrievalMode = retrieval_mode
        self.filter = filter
        self.instructions = instructions
        self._connect(api_key, connection)
        super().__init__(callback_manager=callback_manager, verbose=verbose)

    def __repr__(self) -> str:
        base_url = self._clients.settings.base_url
        return f"{type(self).__name__}(collection_ids={self.collection_ids!r}, base_url={base_url!r})"

    # retrieval ----------------------------------------------------------------------------------

    def _search_options(self) -> dict[str, Any]:
        return {
            "limit": self.similarity_top_k,
            "retrieval_mode": self.retrieval_mode,
            "filter": self.filter,
            "instructions": self.instructions,
        }

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        matches = self.client.documents.search(
            query_bundle.query_str, self.collection_ids, **self._search_options()
        )
        return [_node(match) for match in matches]

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        search = self.async_client.documents.search
        matches = await search(query_bundle.query_str, self.collection_ids, **self._search_options())
        return [_node(match) for match in matches]

    # ingestion ----------------------------------------------------------------------------------

    def add_documents(
        self, documents: Sequence[Document], *, collection_id: str | None = None, **kwargs: Any
    ) -> list[str]:
        """Upload ``documents`` into the collection and wait until they are indexed; their file ids.

        Each becomes a text file named after its ``file_name`` (else its text's hash), its scalar
        metadata becoming the document's fields. ``kwargs`` go to the transport (``timeout``).
        """
        texts, metadatas, names = _texts(documents)
        target = pick_collection(self.collection_ids, collection_id)
        added = self.client.collections.add_texts(target, texts, metadatas=metadatas, names=names, **kwargs)
        return [document.file_id for document in added]

    async def aadd_documents(
        self, documents: Sequence[Document], *, collection_id: str | None = None, **kwargs: Any
    ) -> list[str]:
        """Async twin of :meth:`add_documents`."""
        texts, metadatas, names = _texts(documents)
        target = pick_collection(self.collection_ids, collection_id)
        added = await self.async_client.collections.add_texts(
            target, texts, metadatas=metadatas, names=names, **kwargs
        )
        return [document.file_id for document in added]

    def add_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        collection_id: str | None = None,
        fields: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Upload files (PDF, text, …) into the collection and wait until they are indexed; their ids."""
        target = pick_collection(self.collection_ids, collection_id)
        added = self.client.collections.add_files(target, list(paths), fields=fields, **kwargs)
        return [document.file_id for document in added]

    async def aadd_files(
        self,
        paths: Sequence[str | os.PathLike[str]],
        *,
        collection_id: str | None = None,
        fields: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[str]:
        """Async twin of :meth:`add_files`."""
        target = pick_collection(self.collection_ids, collection_id)
        added = await self.async_client.collections.add_files(target, list(paths), fields=fields, **kwargs)
        return [document.file_id for document in added]


def _texts(documents: Sequence[Document]) -> tuple[list[str], list[dict[str, Any]], list[str]]:
    """Texts, metadata and names (``file_name`` metadata, as LlamaIndex readers set it; else "")."""
    names = [str(d.metadata.get("file_name") or "") for d in documents]
    return [d.get_content() for d in documents], [dict(d.metadata) for d in documents], names
