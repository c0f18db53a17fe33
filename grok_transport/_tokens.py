"""Token counting: the server's tokenizer when reachable, an honest estimate when not.

``POST /v1/tokenize-text`` (docs/wire.md, "Models") returns the model's real tokens. Frameworks also ask
for counts where no network call is wanted (prompt sizing, memory buffers); for those,
:func:`estimate_tokens` gives a deterministic estimate (about four characters per token, never
below the number of words), documented as an estimate rather than dressed up as a tokenizer. ``client.tokens``
(:class:`Tokens`, :class:`AsyncTokens`) asks the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncTokens", "Token", "Tokens", "estimate_tokens", "parse_tokens"]

_WORDS = re.compile(r"\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Token:
    """One token of the model's tokenizer."""

    token_id: int
    string_token: str
    token_bytes: tuple[int, ...] = ()


def parse_tokens(data: dict[str, Any]) -> list[Token]:
    """Read the answer of ``/v1/tokenize-text``."""
    return [
        Token(t.get("token_id", 0), t.get("string_token", ""), tuple(t.get("token_bytes") or ()))
        for t in data.get("token_ids") or ()
    ]


def estimate_tokens(text: str) -> int:
    """An offline estimate of the token count of ``text``."""
    if not text:
        return 0
    return max(len(_WORDS.findall(text)), (len(text) + 3) // 4)


class Tokens:
    """``client.tokens``: the model's own tokenizer, on the server (``POST /tokenize-text``)."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def tokenize(self, text: str, *, model: str) -> list[Token]:
        """The model's tokens for ``text``."""
        return parse_tokens(
            self._client.request_json("POST", "/tokenize-text", {"text": text, "model": model})
        )

    def count(self, text: str, *, model: str) -> int:
        """How many tokens ``text`` is for ``model``, asked of the server."""
        return len(self.tokenize(text, model=model))


class AsyncTokens:
    """``async_client.tokens``: the async twin of :class:`Tokens`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def tokenize(self, text: str, *, model: str) -> list[Token]:
        """Async twin of :meth:`Tokens.tokenize`."""
        body = {"text": text, "model": model}
        return parse_tokens(await self._client.request_json("POST", "/tokenize-text", body))

    async def count(self, text: str, *, model: str) -> int:
        """Async twin of :meth:`Tokens.count`."""
        return len(await self.tokenize(text, model=model))
