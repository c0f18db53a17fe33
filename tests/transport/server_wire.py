"""What the local server's wire-fidelity tests share: the real recordings and how to compare shapes.

The recordings are ruby_llm's real xAI traffic (see tests/conformance/wire_cassettes.py for where
they live and why they are not in the repository). A test replays a recorded request body
unchanged against the local server and compares the answer's structure with the recorded one.
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

import httpx
import yaml

from tests.conformance.wire_cassettes import require_shared_wire


def ruby_llm() -> Any:
    """``load(name)``: the interactions of ``ruby_llm/<name>.yaml`` (skips without the recordings)."""
    folder = require_shared_wire() / "ruby_llm"

    def interactions(name: str) -> list[dict[str, Any]]:
        with (folder / f"{name}.yaml").open(encoding="utf-8") as handle:
            return yaml.safe_load(handle)["interactions"]

    return interactions


def replay(client: httpx.Client, interaction: dict[str, Any]) -> httpx.Response:
    """Send a recorded request, byte for byte, to the local server."""
    request = interaction["request"]
    path = httpx.URL(request["uri"]).path
    headers = {"Content-Type": "application/json"}
    return client.request(request["method"], path, content=request["body"].encode(), headers=headers)


def recorded(interaction: dict[str, Any]) -> str:
    return interaction["response"]["body"]["string"]


def shape(value: Any) -> Any:
    """Structure with key order, list shapes and value types, but not values."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


def chat_events(text: str) -> list[Any]:
    """A chat-completions stream: data-only framing, ending in ``[DONE]``."""
    assert re.fullmatch(r"(data: [^\n]+\n\n)+", text), "framing is not data-only SSE"
    events = [block[len("data: ") :] for block in text.split("\n\n") if block]
    assert events[-1] == "[DONE]"
    return [json.loads(e) for e in events[:-1]] + ["[DONE]"]


def responses_events(text: str) -> list[dict[str, Any]]:
    """A Responses stream: ``event:`` + ``data:``, numbered from 0, no ``[DONE]``."""
    assert re.fullmatch(r"(event: [a-z_.]+\ndata: \{[^\n]+\}\n\n)+", text), "framing"
    events = []
    for block in text.split("\n\n")[:-1]:
        name, data = block.split("\n")
        event = json.loads(data[len("data: ") :])
        assert event["type"] == name[len("event: ") :]
        events.append(event)
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    return events


def runs(names: list[str]) -> list[str]:
    """Consecutive duplicates collapsed: the sequence of event or chunk kinds."""
    return [name for name, _ in itertools.groupby(names)]
