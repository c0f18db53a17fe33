"""No API key in anything the repository carries: cassettes, notebooks, or any tracked file.

Recording filters ``Authorization`` and ``X-API-Key`` (tests/conftest.py); this test is the
second line of defence, and it also catches a key printed into a committed notebook output.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

KEY_PATTERNS = re.compile(
    r"xai-[A-Za-z0-9]{20,}"  # xAI console keys
    r"|sk-grok-[A-Za-z0-9]{8,}"  # grokapi.io keys
    r"|(?:xai|sk-grok|grokinc)-test-[A-Za-z0-9_-]{6,}"  # keys GrokTestServer hands out
)
# In recorded traffic and notebook outputs any bearer token that is not a placeholder is a leak.
RECORDED_PATTERNS = re.compile(KEY_PATTERNS.pattern + r"|Bearer\s+(?!\*\*\*|REDACTED|<)[A-Za-z0-9._-]{12,}")
SECRET_HEADERS = {"authorization", "x-api-key", "api-key"}
PLACEHOLDERS = {"REDACTED", "***"}
KEY_QUERY = re.compile(r"[?&](?:api[_-]?key|key|token|access_token)=(?!REDACTED)[^&\s]+", re.I)


def _tracked() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return [ROOT / line for line in out.stdout.splitlines() if line and (ROOT / line).is_file()]


def _cassettes() -> list[Path]:
    return sorted((ROOT / "cassettes").rglob("*.yaml")) + sorted(
        (ROOT / "tests").rglob("cassettes/**/*.yaml")
    )


def _texts() -> list[tuple[Path, str]]:
    """Every tracked text file and its content."""
    texts = []
    for path in _tracked():
        if path.suffix in {".png", ".jpg", ".jpeg", ".gz", ".ico"}:
            continue
        try:
            texts.append((path, path.read_text(encoding="utf-8")))
        except (UnicodeDecodeError, OSError):
            continue
    return texts


def test_no_key_in_any_tracked_file() -> None:
    hits = []
    for path, text in _texts():
        hits += [f"{path.relative_to(ROOT)}: {m.group(0)[:24]}…" for m in KEY_PATTERNS.finditer(text)]
    assert not hits, "possible API keys:\n" + "\n".join(hits)


@pytest.mark.parametrize(
    "variable",
    ["XAI_API_KEY", "XAI_MANAGEMENT_API_KEY", "GROKINC_API_KEY", "GROKAPI_API_KEY", "GROK_API_KEY"],
)
def test_no_tracked_file_holds_the_key_this_shell_has(variable: str) -> None:
    """Keys whose format no pattern knows (a management key): after a live recording or notebook
    build, the key it used must be nowhere in what would be committed."""
    from grok_transport.testing import DEFAULT_API_KEY, DEFAULT_MANAGEMENT_API_KEY

    value = os.environ.get(variable, "").strip()
    if len(value) < 8 or value in (DEFAULT_API_KEY, DEFAULT_MANAGEMENT_API_KEY):
        pytest.skip(f"{variable} is not set to a real key")  # the local server's keys are public
    hits = [str(path.relative_to(ROOT)) for path, text in _texts() if value in text]
    assert not hits, f"the value of {variable} is in: {', '.join(hits)}"


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_headers_and_urls_carry_no_secret(path: Path) -> None:
    text = path.read_text()
    assert not RECORDED_PATTERNS.search(text), f"key-like text in {path.name}"
    for interaction in yaml.safe_load(text)["interactions"]:
        request = interaction["request"]
        for name, values in (request.get("headers") or {}).items():
            if name.lower() in SECRET_HEADERS:
                assert set(values) <= PLACEHOLDERS, f"{name} recorded in {path.name}"
        assert not KEY_QUERY.search(request["uri"]), f"key-like query parameter in {path.name}"


def test_notebooks_carry_no_secret_in_sources_or_outputs() -> None:
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        text = json.dumps(json.loads(path.read_text()))
        found = RECORDED_PATTERNS.findall(text)
        assert not found, f"{path.name}: {found[:2]}"


# -- remote MCP credentials travel in request bodies, where header filters do not reach ------------

MCP_TOKEN = "Bearer mcp-secret-5e6f7a8b9c"


def _mcp_body() -> bytes:
    from grok_transport import GrokClient, mcp_tool

    tool = mcp_tool(
        "https://mcp.example.com/mcp",
        server_label="docs",
        authorization=MCP_TOKEN,
        headers={"X-Key": "hdr-9f8e7d6c"},
    )
    client = GrokClient(api_key="replay-key", base_url="http://127.0.0.1:9/v1")
    call = client.plan([{"role": "user", "content": "hi"}], model="grok-4.3", server_tools=[tool])
    return client._request("POST", call.endpoint, call.body, True).content


def test_recording_scrubs_mcp_credentials_and_replay_still_matches() -> None:
    from vcr.request import Request

    from tests.conftest import _scrub_request, grok_json_body

    body = _mcp_body()
    assert MCP_TOKEN.encode() in body  # the wire has it, for xAI to use
    live = Request("POST", "http://127.0.0.1:9/v1/responses", body, {})
    recorded = _scrub_request(Request("POST", "http://127.0.0.1:9/v1/responses", body, {}))
    assert b"mcp-secret" not in recorded.body and b"hdr-9f8e7d6c" not in recorded.body
    assert json.loads(recorded.body)["tools"][0]["authorization"] == "REDACTED"
    grok_json_body(live, recorded)  # a replayed live request still matches its recording


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(ROOT)))
def test_cassette_bodies_carry_no_mcp_credential(path: Path) -> None:
    for interaction in yaml.safe_load(path.read_text())["interactions"]:
        body = interaction["request"].get("body")
        text = body.get("string") if isinstance(body, dict) else body
        if not text or '"mcp"' not in str(text):
            continue
        for tool in json.loads(text).get("tools") or ():
            if tool.get("type") == "mcp":
                assert tool.get("authorization", "REDACTED") == "REDACTED", path.name
                assert set((tool.get("headers") or {}).values()) <= {"REDACTED"}, path.name
