"""A seconds-long run of the benchmark harness, so that it cannot rot. Asserts nothing about speed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_benchmarks_smoke_run_prints_every_measure() -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "--smoke",
            "--only",
            "ChatGrok",
            "--only",
            "Grok (llama_index_grok)",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    table = out.stdout
    for column in (
        "per call ×",
        "per chunk ×",
        "async warm req/s",
        "import s",
        "construct ms",
        "peak RSS MB",
    ):
        assert column in table
    for row in ("| raw httpx |", "| ChatGrok |", "| Grok (llama_index_grok) |"):
        assert row in table
    assert "target" in table


def test_a_plain_run_writes_untracked_files_and_compares_only_with_this_machine(tmp_path: Path) -> None:
    from benchmarks.__main__ import RESULTS_JSON, RESULTS_MD, baseline, destinations

    written = destinations(update_baseline=False)
    assert RESULTS_MD not in written and RESULTS_JSON not in written
    for path in written:  # git ignores them: measuring leaves nothing to commit
        ignored = subprocess.run(["git", "check-ignore", "-q", str(path)], cwd=ROOT)
        assert ignored.returncode == 0, path
    assert destinations(update_baseline=True) == (RESULTS_MD, RESULTS_JSON)

    elsewhere, here = tmp_path / "elsewhere.json", tmp_path / "here.json"
    elsewhere.write_text('{"machine": "Linux, 64 cores, a faster CPU", "results": {}}')
    here.write_text('{"machine": "Linux, 2 cores, this CPU", "results": {"ChatGrok": {"call_us": 80}}}')
    assert baseline("Linux, 2 cores, this CPU", (elsewhere,)) is None
    assert baseline("Linux, 2 cores, this CPU", (elsewhere, here)) == (
        here,
        {"machine": "Linux, 2 cores, this CPU", "results": {"ChatGrok": {"call_us": 80}}},
    )


def test_regenerating_results_keeps_the_fleet_section() -> None:
    """The fleet benchmark is a separate run; re-measuring the main table must not drop its figures."""
    from benchmarks.__main__ import HERE, render_markdown

    fleet = (HERE / "FLEET.md").read_text()
    rendered = render_markdown("| subject |", ["- a verdict"], {"python": "3"})
    assert "## Many workers, one key" in fleet
    assert fleet.strip() in rendered
    assert rendered.index("- a verdict") < rendered.index("## Many workers, one key")
    assert (HERE / "RESULTS.md").read_text().count("## Many workers, one key") == 1
