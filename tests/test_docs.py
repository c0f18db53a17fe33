"""Comments cite only what a clone of the repository contains.

A comment that explains a wire quirk points at ``docs/wire.md`` by section title. A pointer to a
document the clone does not have (the project's private notes, API copies, reference notes on
other packages) leaves the reader with a reference they cannot follow, and a pointer to a section
title that does not exist leaves them searching.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WIRE_DOC = ROOT / "docs" / "wire.md"

# Engineers cite these by title, so renaming or reordering one is a change to every citation.
SECTIONS = [
    "Transport and auth",
    "Chat request",
    "Chat response",
    "Streaming",
    "Tool calls",
    "Reasoning",
    "Images",
    "Video",
    "Files",
    "Model listing",
    "Grok Inc and grokapi.io",
    "Errors",
    "Rate limits",
    "Models",
    "Responses API",
    "Stored responses",
    "Remote MCP",
    "Batch API",
    "Deferred completions",
    "Collections and document search",
    "Known defects of the alternatives",
]

# Documents outside the repository, in the forms the code has used to cite them.
FOREIGN_CITATION = re.compile(
    r"WIRE_FACTS"
    r"|\.\./shared"
    r"|\bseeds? 0\d\d"  # "seed 000", "seeds 000-003"
    r"|\bseed documents?\b"
    r"|\banchor(?:'s|s/| notes?\b| defects?\b| documents?\b)"  # "the anchor's defect list"
    r"|\bDESIGN\.md\b"
)
CITATION = re.compile(r'docs/wire\.md,\s*("[^"\n]+"(?:\s*(?:,|and)\s*"[^"\n]+")*)')


def _files() -> list[Path]:
    """Tracked (and new, not ignored) Python, Markdown and notebook files."""
    out = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "--", "*.py", "*.md", "*.ipynb"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        pytest.skip("not a git checkout")
    return sorted(ROOT / line for line in set(out.stdout.splitlines()) if (ROOT / line).is_file())


def _text(path: Path) -> str:
    """What a reader sees: a notebook's cell sources, any other file as it is."""
    if path.suffix != ".ipynb":
        return path.read_text(encoding="utf-8")
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells)


def _foreign_citations(paths: list[Path]) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in paths
        for number, line in enumerate(_text(path).splitlines(), 1)
        if FOREIGN_CITATION.search(line)
    ]


def _cited_titles(text: str) -> list[str]:
    return [title for match in CITATION.finditer(text) for title in re.findall(r'"([^"\n]+)"', match[1])]


def test_wire_doc_has_the_sections_the_code_cites_by_title() -> None:
    assert re.findall(r"^## (.+?)\s*$", WIRE_DOC.read_text(encoding="utf-8"), re.M) == SECTIONS


def test_wire_doc_itself_cites_nothing_outside_the_repository() -> None:
    assert not _foreign_citations([WIRE_DOC])


def test_no_file_cites_a_document_outside_the_repository() -> None:
    # This file names the forms it forbids; docs/wire.md has its own test above.
    hits = _foreign_citations([path for path in _files() if path not in (WIRE_DOC, Path(__file__))])
    assert not hits, "cite docs/wire.md by section title instead:\n" + "\n".join(hits)


def test_every_wire_doc_citation_names_an_existing_section() -> None:
    unknown = [
        f"{path.relative_to(ROOT)}: {title!r}"
        for path in _files()
        for title in _cited_titles(_text(path))
        if title not in SECTIONS
    ]
    assert not unknown, "no such section in docs/wire.md:\n" + "\n".join(unknown)


@pytest.mark.parametrize(
    ("comment", "titles"),
    [
        ('# xAI sends no role-only chunk (docs/wire.md, "Streaming").', ["Streaming"]),
        ('"""See docs/wire.md, "Errors", "Batch API" and "Files"."""', ["Errors", "Batch API", "Files"]),
        ("paths = ['docs/wire.md', 'README.md']", []),
    ],
)
def test_citations_are_read_the_way_comments_write_them(comment: str, titles: list[str]) -> None:
    assert _cited_titles(comment) == titles
