"""Token counting: the server's tokenizer when reachable, an honest estimate when not.

``POST /v1/tokenize-text`` (docs/wire.md, "Models") returns the model's real tokens. Frameworks also ask
for counts where no network call is wanted (prompt sizing, memory buffers); for those,
:func:`estimate_tokens` gives a deterministic estimate (about four characters per token, never
below the number of words), documented as an estimate rather than dressed up as a tokenizer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Token", "parse_tokens", "estimate_tokens"]

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
