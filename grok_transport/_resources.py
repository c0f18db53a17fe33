"""What every endpoint family shares: safe path ids, and JSON bodies read as they came.

Job endpoints report a failed job *inside* a 200 answer (``{"status": "failed", "error":
{…}}``, docs/wire.md, "Video"), so their bodies are decoded here without the client's rule that
an ``error`` key in a 200 is a server fault to retry: here it is the job's outcome. The client
decodes its own 2xx bodies with :func:`read_json` too, so a body that is not JSON is one error,
worded once.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from grok_transport._errors import InvalidParameterError, ServerError

__all__ = ["path_id", "read_json"]


def path_id(value: str, what: str) -> str:
    """``value`` made safe as one URL path segment; a blank or dot id is refused before sending.

    Quoting keeps an id such as ``../models`` from retargeting the request at another endpoint.
    """
    if not isinstance(value, str) or not value.strip() or value in (".", ".."):
        raise InvalidParameterError(f"{what} must be a non-empty id, not {value!r}.")
    return quote(value, safe="")


def read_json(status: int, content: bytes, request_id: str | None = None) -> Any:
    """The JSON body of a successful answer; a body that is not JSON is a :class:`ServerError`."""
    try:
        return json.loads(content)
    except ValueError:  # UnicodeDecodeError included: a body cut inside a character
        preview = content[:200].decode("utf-8", "replace")
        raise ServerError(
            f"malformed JSON in a {status} answer: {preview!r}", status_code=status, request_id=request_id
        ) from None
