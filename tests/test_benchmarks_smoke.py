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
