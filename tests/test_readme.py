"""The README's Python snippets run, and the commands it gives name things that exist.

The snippets are read from README.md itself, so the README cannot drift from the code. Each one
runs on its own (nothing is shared between snippets, so each must carry its own imports and
definitions) against a local ``GrokTestServer``, reached the way a reader's shell reaches the
real API: through ``XAI_API_BASE`` and ``XAI_API_KEY``. A snippet that can only run against the
real API is marked on the line before its fence with ``<!-- readme-test: skip (the reason) -->``.

The shell commands are not run (they install packages, rewrite cassettes, run for minutes); each
is checked against the checkout: a script exists and is executable, an extra is declared, a
console script is declared, a file or module exists.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grok_transport.testing import GrokTestServer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pytest depends on tomli there
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
ENVIRONMENT = (
    "XAI_API_KEY",
    "XAI_API_BASE",
    "GROK_API_KEY",
    "GROK_BASE_URL",
    "GROKINC_API_KEY",
    "GROKAPI_API_KEY",
    "XAI_MANAGEMENT_API_KEY",
    "XAI_MANAGEMENT_BASE_URL",
)
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s*\((.+)\)\s*-->")


@dataclass(frozen=True)
class Block:
    """One fenced block of README.md: its language, its text, where it starts, and its section."""

    language: str
    code: str
    line: int  # of the first line of code, 1-based
    section: str
    skip: str | None  # the reason given in a readme-test skip comment


def _blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    section, previous, index = "top", "", 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        if line.startswith("```") and line[3:].strip():
            end = lines.index("```", index + 1)
            skip = SKIP.search(previous)
            code = "\n".join(lines[index + 1 : end]) + "\n"
            blocks.append(Block(line[3:].strip(), code, index + 2, section, skip.group(1) if skip else None))
            index = end
        if line.strip():
            previous = line
        index += 1
    return blocks


BLOCKS = _blocks(README)
SNIPPETS = [b for b in BLOCKS if b.language == "python"]
COMMANDS = [
    argv
    for b in BLOCKS
    if b.language == "bash"
    for line in b.code.splitlines()
    if (argv := shlex.split(line, comments=True))
]


def test_the_readme_has_snippets_and_commands() -> None:
    assert len(SNIPPETS) >= 4 and len(COMMANDS) >= 5


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[f"line {s.line} ({s.section})" for s in SNIPPETS])
def test_python_snippet_runs(
    snippet: Block, grok_server: GrokTestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if snippet.skip:
        pytest.skip(snippet.skip)
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XAI_API_BASE", grok_server.base_url)
    monkeypatch.setenv("XAI_API_KEY", grok_server.api_key)
    monkeypatch.setenv("XAI_MANAGEMENT_BASE_URL", grok_server.base_url)  # Collections: one server
    monkeypatch.setenv("XAI_MANAGEMENT_API_KEY", grok_server.management_api_key)
    # Padded so that a traceback points at the README's own line numbers.
    code = compile("\n" * (snippet.line - 1) + snippet.code, str(ROOT / "README.md"), "exec")
    exec(code, {"__name__": "__main__"})
    if "GrokTestServer(" not in snippet.code:  # a snippet with its own server asserts on it itself
        assert grok_server.requests, "the snippet sent nothing to the API its environment names"


def _problem(argv: list[str]) -> str | None:
    """Why ``argv`` could not run as written in a checkout after the README's install step."""
    program, *args = argv
    if program in ("source", "export") or argv[:3] == ["python3", "-m", "venv"]:
        return None  # setting up the shell
    if program.startswith("scripts/"):
        return None if os.access(ROOT / program, os.X_OK) else f"{program} is not an executable script"
    if program == "pip" and args[:2] == ["install", "-e"]:
        extras = re.fullmatch(r"\.\[(.+)\]", args[2])
        if extras is None:
            return f"{args[2]} is not this checkout with extras"
        unknown = sorted(set(extras[1].split(",")) - set(PROJECT["optional-dependencies"]))
        return f"pyproject.toml declares no extra {unknown}" if unknown else None
    if program == "python" and args[:1] == ["-m"]:
        found = (ROOT / args[1].replace(".", "/") / "__main__.py").is_file()
        return None if found else f"no module {args[1]} to run with python -m"
    if program == "python":
        return None if (ROOT / args[0]).is_file() else f"no file {args[0]}"
    if program in PROJECT.get("scripts", {}):
        return None
    return f"{program!r} is neither a script, a file, nor a console script of pyproject.toml"


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(c) for c in COMMANDS])
def test_command_names_what_exists(argv: list[str]) -> None:
    assert _problem(argv) is None, _problem(argv)


def test_the_local_key_the_readme_gives_is_the_servers_default() -> None:
    from grok_transport.testing import DEFAULT_API_KEY

    assert f"XAI_API_KEY={DEFAULT_API_KEY}" in README and f"`{DEFAULT_API_KEY}`" in README


def test_the_local_management_key_the_readme_gives_is_the_servers_default() -> None:
    from grok_transport.testing import DEFAULT_MANAGEMENT_API_KEY as KEY

    assert f"XAI_MANAGEMENT_API_KEY={KEY}" in README and f"`{KEY}`" in README
