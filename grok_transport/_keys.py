"""Grok Inc key management (docs/wire.md, "Grok Inc and grokapi.io"): generate, list and delete API keys.

Only ``POST /v1/keys/generate`` is public; listing and deleting need a key in ``X-API-Key``.
Grok Inc documents the requests, not the answers, so the parsers accept the plausible shapes
(``api_key`` or ``key``; a list under ``keys`` or a bare list) and keep the raw JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr

__all__ = ["GeneratedKey", "KeyInfo", "parse_generated_key", "parse_key_list"]


@dataclass(frozen=True)
class GeneratedKey:
    """A freshly generated key. The value is a ``SecretStr`` so it never prints by accident."""

    api_key: SecretStr
    user_identifier: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class KeyInfo:
    """One key as the service lists it (the service masks the value)."""

    key: str
    user_identifier: str | None = None
    created_at: Any = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


def parse_generated_key(data: dict[str, Any]) -> GeneratedKey:
    """Read the answer of ``/v1/keys/generate``."""
    value = data.get("api_key") or data.get("key") or ""
    return GeneratedKey(SecretStr(value), data.get("user_identifier"), data)


def parse_key_list(data: Any) -> list[KeyInfo]:
    """Read the answer of ``/v1/keys/list``."""
    items = data.get("keys", []) if isinstance(data, dict) else data
    out = []
    for item in items or ():
        if isinstance(item, str):
            out.append(KeyInfo(item))
        else:
            out.append(
                KeyInfo(
                    str(item.get("key") or item.get("api_key") or ""),
                    item.get("user_identifier"),
                    item.get("created_at"),
                    item,
                )
            )
    return out
