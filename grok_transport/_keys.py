"""Grok Inc key management (docs/wire.md, "Grok Inc and grokapi.io"): generate, list and delete API keys.

Only ``POST /v1/keys/generate`` is public; listing and deleting need a key in ``X-API-Key``.
Grok Inc documents the requests, not the answers, so the parsers accept the plausible shapes
(``api_key`` or ``key``; a list under ``keys`` or a bare list) and keep the raw JSON.
``client.keys`` (:class:`Keys`, :class:`AsyncKeys`) holds the three calls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

if TYPE_CHECKING:
    from grok_transport._client import AsyncGrokClient, GrokClient

__all__ = ["AsyncKeys", "GeneratedKey", "KeyInfo", "Keys", "parse_generated_key", "parse_key_list"]


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


def _delete_body(key_to_delete: str | SecretStr) -> dict[str, str]:
    if isinstance(key_to_delete, SecretStr):
        key_to_delete = key_to_delete.get_secret_value()
    return {"key_to_delete": key_to_delete}


class Keys:
    """``client.keys``: Grok Inc's key management."""

    def __init__(self, client: GrokClient) -> None:
        self._client = client

    def generate(self, user_identifier: str) -> GeneratedKey:
        """The public ``POST /keys/generate`` (works on a client created without a key)."""
        body = {"user_identifier": user_identifier}
        return parse_generated_key(self._client.request_json("POST", "/keys/generate", body, auth=False))

    def list(self) -> list[KeyInfo]:
        """``GET /keys/list``."""
        return parse_key_list(self._client.request_json("GET", "/keys/list"))

    def delete(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """``POST /keys/delete``."""
        result: dict[str, Any] = self._client.request_json(
            "POST", "/keys/delete", _delete_body(key_to_delete)
        )
        return result


class AsyncKeys:
    """``async_client.keys``: the async twin of :class:`Keys`."""

    def __init__(self, client: AsyncGrokClient) -> None:
        self._client = client

    async def generate(self, user_identifier: str) -> GeneratedKey:
        """Async twin of :meth:`Keys.generate`."""
        body = {"user_identifier": user_identifier}
        return parse_generated_key(
            await self._client.request_json("POST", "/keys/generate", body, auth=False)
        )

    async def list(self) -> list[KeyInfo]:
        """Async twin of :meth:`Keys.list`."""
        return parse_key_list(await self._client.request_json("GET", "/keys/list"))

    async def delete(self, key_to_delete: str | SecretStr) -> dict[str, Any]:
        """Async twin of :meth:`Keys.delete`."""
        body = _delete_body(key_to_delete)
        result: dict[str, Any] = await self._client.request_json("POST", "/keys/delete", body)
        return result
