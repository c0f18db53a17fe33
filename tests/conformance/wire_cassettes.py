"""The real xAI recordings (``$GROK_SHARED_WIRE``, by default ``shared/wire`` beside the checkout), and what a correct client must make of them.

Conformance tests of every layer (the transport, ChatGrok, Grok) replay the same recordings and
compare against the same expectations, computed here by a deliberately naive, independent reading
of the recorded bytes (no project code): concatenate the streamed deltas, take the last usage,
read the error body. If the project's parser and this reading disagree, one of them is wrong.

The recordings are not copied into the repository (they are other projects' traffic): they are
read from a ``shared/wire`` folder beside the checkout, or from ``$GROK_SHARED_WIRE``. A user's
clone has none, so these tests skip there; under CI (``CI=true``) a missing folder fails.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_WIRE = Path(os.environ.get("GROK_SHARED_WIRE", REPO_ROOT.parent / "shared" / "wire"))
CASSETTE_DIR = SHARED_WIRE / "cassettes"
RETRYABLE = {408, 429, 500, 502, 503, 504}


def require_shared_wire() -> Path:
    """The cassette folder, or skip (fail under CI) when it is not beside the checkout."""
    if not CASSETTE_DIR.is_dir():
        message = f"real xAI recordings not found at {CASSETTE_DIR}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI must run them)")
        pytest.skip(message)
    return CASSETTE_DIR


@dataclass
class Expected:
    """What one logical call (retries folded in) must produce."""

    streamed: bool
    status: int
    attempts: int = 1
    content: str | None = None
    reasoning: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    finish_reason: str | None = None
    model: str | None = None
    response_id: str | None = None
    usage: dict[str, Any] | None = None
    error_message: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status >= 400

    @property
    def prompt_tokens(self) -> int:
        return (self.usage or {}).get("prompt_tokens", 0)

    @property
    def reasoning_tokens(self) -> int:
        return ((self.usage or {}).get("completion_tokens_details") or {}).get("reasoning_tokens", 0)

    @property
    def output_tokens(self) -> int:
        return (self.usage or {}).get("completion_tokens", 0) + self.reasoning_tokens

    @property
    def cached_tokens(self) -> int:
        return ((self.usage or {}).get("prompt_tokens_details") or {}).get("cached_tokens", 0)


@dataclass
class Cassette:
    """One recorded file and the logical calls it holds, in order."""

    path: Path
    calls: list[Expected]

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.stem}"


def _read_sse(text: str) -> dict[str, Any]:
    content, reasoning, calls = [], [], {}
    out: dict[str, Any] = {"usage": None, "finish_reason": None, "model": None, "id": None}
    for block in text.split("\n\n"):
        line = block.strip()
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data == "[DONE]":
            break
        chunk = json.loads(data)
        out["model"] = out["model"] or chunk.get("model")
        out["id"] = out["id"] or chunk.get("id")
        if chunk.get("usage"):
            out["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            delta = choice.get("delta") or {}
            content.append(delta.get("content") or "")
            reasoning.append(delta.get("reasoning_content") or "")
            for call in delta.get("tool_calls") or []:
                slot = calls.setdefault(call.get("index", len(calls)), {"name": "", "arguments": ""})
                slot["name"] = slot["name"] or call["function"].get("name", "")
                slot["arguments"] += call["function"].get("arguments") or ""
            if choice.get("finish_reason"):
                out["finish_reason"] = choice["finish_reason"]
    out["content"] = "".join(content)
    out["reasoning"] = "".join(reasoning) or None
    out["tool_calls"] = [(c["name"], json.loads(c["arguments"] or "{}")) for _, c in sorted(calls.items())]
    return out


def _read_json(text: str) -> dict[str, Any]:
    data = json.loads(text)
    choice = (data.get("choices") or [{}])[0]
    message = choice.get("message") or {}
    return {
        "content": message.get("content"),
        "reasoning": message.get("reasoning_content"),
        "tool_calls": [
            (tc["function"]["name"], json.loads(tc["function"].get("arguments") or "{}"))
            for tc in message.get("tool_calls") or []
        ],
        "finish_reason": choice.get("finish_reason"),
        "model": data.get("model"),
        "id": data.get("id"),
        "usage": data.get("usage"),
    }


def _expected(interaction: dict[str, Any]) -> Expected:
    request, response = interaction["request"], interaction["response"]
    status = response["status"]["code"]
    text = response["body"]["string"]
    if isinstance(text, bytes):
        text = text.decode()
    body = request.get("body")
    streamed = bool(body) and json.loads(body).get("stream") is True
    if status >= 400:
        payload = json.loads(text)
        return Expected(streamed, status, error_message=payload.get("error"))
    read = _read_sse(text) if streamed else _read_json(text)
    return Expected(
        streamed,
        status,
        content=read["content"],
        reasoning=read["reasoning"],
        tool_calls=read["tool_calls"],
        finish_reason=read["finish_reason"],
        model=read["model"],
        response_id=read["id"],
        usage=read["usage"],
    )


def load(path: Path) -> Cassette:
    """Read a cassette; a retryable failure followed by another answer is one call, retried."""
    interactions = yaml.safe_load(path.read_text())["interactions"]
    calls: list[Expected] = []
    pending = 0
    for interaction in interactions:
        if not interaction["request"]["uri"].endswith("/v1/chat/completions"):
            continue  # downloads the recording test made from other hosts
        expected = _expected(interaction)
        if expected.status in RETRYABLE and interaction is not interactions[-1]:
            pending += 1
            continue
        expected.attempts += pending
        pending = 0
        calls.append(expected)
    return Cassette(path, calls)


def chat_completion_cassettes() -> list[Path]:
    """Every recording whose only endpoint is ``POST /v1/chat/completions``."""
    manifest = CASSETTE_DIR / "MANIFEST.json"
    if not manifest.is_file():
        return []
    entries = json.loads(manifest.read_text())["cassettes"]
    return sorted(
        CASSETTE_DIR / e["file"] for e in entries if e["endpoints"] == ["POST /v1/chat/completions"]
    )


def cassette_params() -> list[Any]:
    """``pytest.param``s for every chat-completions recording (an empty list skips cleanly)."""
    return [
        pytest.param(path, id=f"{path.parent.name}/{path.stem[:90]}") for path in chat_completion_cassettes()
    ]


def replay(path: Path) -> Any:
    """A vcrpy context that serves ``path`` in order, matching method and path only."""
    import vcr

    return vcr.VCR(record_mode="none", match_on=["method", "path"]).use_cassette(str(path))


@dataclass
class ExpectedResponse:
    """What one recorded ``/v1/responses`` exchange must produce."""

    streamed: bool
    status: int
    text: str = ""
    function_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)
    server_tools: list[str] = field(default_factory=list)
    reasoning: str | None = None
    response_id: str | None = None
    model: str | None = None
    usage: dict[str, Any] | None = None
    error_message: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status >= 400


def _read_response_object(data: dict[str, Any], streamed: bool, status: int) -> ExpectedResponse:
    texts, calls, cites, tools, reasoning = [], [], [], [], []
    for item in data.get("output") or []:
        if item["type"] == "message":
            for part in item.get("content") or []:
                texts.append(part.get("text", ""))
                cites += [a["url"] for a in part.get("annotations") or [] if a.get("type") == "url_citation"]
        elif item["type"] == "function_call":
            calls.append((item["name"], json.loads(item.get("arguments") or "{}")))
        elif item["type"] == "reasoning":
            reasoning += [s.get("text", "") for s in item.get("summary") or []]
        elif item["type"].endswith("_call"):
            tools.append(item["type"])
    return ExpectedResponse(
        streamed,
        status,
        "".join(texts),
        calls,
        cites,
        tools,
        "".join(reasoning) or None,
        data.get("id"),
        data.get("model"),
        data.get("usage"),
    )


def load_responses(path: Path) -> list[ExpectedResponse]:
    """The ``/v1/responses`` exchanges of a recording, read naively from the bytes."""
    out = []
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        if not interaction["request"]["uri"].endswith("/v1/responses"):
            continue
        status = interaction["response"]["status"]["code"]
        text = interaction["response"]["body"]["string"]
        streamed = json.loads(interaction["request"]["body"] or "{}").get("stream") is True
        if status >= 400:
            out.append(ExpectedResponse(streamed, status, error_message=json.loads(text).get("error")))
            continue
        if streamed:
            final = None
            for block in text.split("\n\n"):
                for line in block.splitlines():
                    if line.startswith("data:"):
                        event = json.loads(line[5:])
                        if event.get("type") == "response.completed":
                            final = event["response"]
            out.append(_read_response_object(final, True, status))
        else:
            out.append(_read_response_object(json.loads(text), False, status))
    return out


def responses_cassette_params() -> list[Any]:
    """``pytest.param``s for every recording of ``POST /v1/responses``."""
    manifest = CASSETTE_DIR / "MANIFEST.json"
    if not manifest.is_file():
        return []
    entries = json.loads(manifest.read_text())["cassettes"]
    paths = sorted(CASSETTE_DIR / e["file"] for e in entries if e["endpoints"] == ["POST /v1/responses"])
    return [pytest.param(p, id=f"{p.parent.name}/{p.stem[:90]}") for p in paths]
