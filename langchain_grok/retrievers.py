"""xAI Collections as a LangChain retriever: xAI stores, chunks, embeds and ranks; you ask.

``GrokCollectionsRetriever`` sends the query to ``POST /v1/documents/search`` (the inference
host and key, like ``ChatGrok``) and returns one ``Document`` per matching chunk, best first,
whose metadata holds the document's fields plus ``score``, ``file_id``, ``chunk_id``,
``collection_id``, ``collection_ids`` and ``page_number``. It is an ordinary ``BaseRetriever``:
it goes in an LCEL chain, in ``create_retriever_tool`` for an agent, with ``ChatGrok`` or any
other chat model.

Putting documents in is management (another host, another key: ``management_api_key``, by
default ``XAI_MANAGEMENT_API_KEY``): :meth:`GrokCollectionsRetriever.add_documents` uploads
LangChain documents (text, metadata as fields) and :meth:`~GrokCollectionsRetriever.add_files`
files, and both return once the server has indexed them, so the next query finds them. The
management key is a ``SecretStr`` like the API key: never in ``repr``, ``str`` or errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import Field, model_validator

from grok_transport import InvalidParameterError, RetrievalMode, SearchMatch, pick_collection
from langchain_grok._connection import GrokConnectionMixin
from langchain_grok._errors import as_langchain_error, translated_errors

if TYPE_CHECKING:
    import os

    from langchain_core.callbacks import (
        AsyncCallbackManagerForRetrieverRun,
        CallbackManagerForRetrieverRun,
    )
    from typing_extensions import Self

__all__ = ["GrokCollectionsRetriever"]

_PER_CALL = frozenset({"k", "retrieval_mode", "filter", "instructions"})
"""Search settings a single call may override (``retriever.invoke(query, k=3)``)."""


def _document(match: SearchMatch) -> Document:
    return Document(page_content=match.chunk_content, metadata=match.metadata(), id=match.chunk_id or None)


class GrokCollectionsRetriever(BaseRetriever, GrokConnectionMixin):
    """Retrieve chunks from xAI Collections (``POST /v1/documents/search``).

    .. code-block:: python

        retriever = GrokCollectionsRetriever(collection_ids=["collection_…"], k=4)
        retriever.add_files(["handbook.pdf"])  # management key: XAI_MANAGEMENT_API_KEY
        docs = retriever.invoke("How many vacation days do I get?")
    """

    collection_ids: list[str] = Field(min_length=1)
    """The collections to search (at least one)."""
    k: int = Field(default=10, ge=1)
    """How many chunks to return."""
    retrieval_mode: RetrievalMode = "hybrid"
    """``hybrid`` (embeddings and keywords), ``semantic`` or ``keyword``."""
    filter: str | None = None
    """An AIP-160 expression over the documents' fields, e.g. ``year > 2020 AND team = "ops"``."""
    instructions: str | None = None
    """What the server's reranker should favour."""

    @model_validator(mode="after")
    def _resolve_retriever_connection(self) -> Self:
        self._resolve_connection_fields()
        return self

    @classmethod
    def from_model(cls, model: GrokConnectionMixin, **kwargs: Any) -> Self:
        """The retriever on ``model``'s connection (a ``ChatGrok`` or a tool); ``kwargs`` set the rest."""
        return cls(**{**model._connection_settings(), **kwargs})

    # retrieval ----------------------------------------------------------------------------------

    def _search_options(self, overrides: dict[str, Any]) -> dict[str, Any]:
        """The search's settings: the retriever's, with a call's ``k``, ``retrieval_mode``, … winning."""
        unknown = sorted(set(overrides) - _PER_CALL)
        if unknown:
            message = f"invoke() takes {', '.join(sorted(_PER_CALL))} as search settings, not {unknown}."
            raise as_langchain_error(InvalidParameterError(message))
        settings = {
            "k": self.k,
            "retrieval_mode": self.retrieval_mode,
            "filter": self.filter,
            "instructions": self.instructions,
            **overrides,
        }
        settings["limit"] = settings.pop("k")
        return settings

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        """The best chunks; a call may set ``k``, ``retrieval_mode``, ``filter`` or ``instructions``."""
        options = self._search_options(kwargs)
        with translated_errors():
            matches = self.client.documents.search(query, self.collection_ids, **options)
        return [_document(match) for match in matches]

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[Document]:
        options = self._search_options(kwargs)
        with translated_errors():
            search = self.async_client.documents.search
            matches = await search(query, self.collection_ids, **options)
        return [_document(match) for match in matches]

    # ingestion ----------------------------------------------------------------------------------

    def add_documents(
        self, documents: Sequence[Document], *, collection_id: str | None = None, **kwargs: Any
    ) -> list[str]:
        """Upload ``documents`` into the collection and wait until they are indexed; their file ids.

        Each becomes a text file named after its ``source`` metadata (else its text's hash), its
        scalar metadata becoming the document's fields. ``collection_id`` is needed only when the
        retriever searches several collections. ``kwargs`` go to the transport (``timeout``).
        """
        texts, metadatas = [d.page_content for d in documents], [d.metadata for d in documents]
        with translated_errors():
            target = pick_collection(self.collection_ids, collection_id)
            added = self.client.collections.add_texts(target, texts, metadatas=metadatas, **kwargs)
        return [document.file_id for document in added]

    async def aadd_documents(
        self, documents: Sequence[Document], *, collection_id: str | None = None, **kwargs: Any
    ) -> list[str]:
        """Async twin of :meth:`add_documents`."""
        texts, metadatas = [d.page_content for d in documents], [d.metadata for d in documents]
        with translated_errors():
            target = pick_collection(self.collection_ids, collection_id)
            added = await self.async_client.collections.add_texts(
                target, texts, metadatas=metadatas, **kwargs
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
        with translated_errors():
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
        with translated_errors():
            target = pick_collection(self.collection_ids, collection_id)
            added = await self.async_client.collections.add_files(
                target, list(paths), fields=fields, **kwargs
            )
        return [document.file_id for document in added]
