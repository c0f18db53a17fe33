"""A seconds-long run of the fleet benchmark (benchmarks/fleet.py), so it cannot rot. Asserts nothing about speed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def test_the_fleet_benchmark_smoke_run_reports_every_scenario(redis_server: Any) -> None:
    # redis_server: skip (or fail under CI) without redis-server; the benchmark starts its own
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.fleet", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    figures = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    scenarios = [f.get("scenario") for f in figures]
    assert scenarios[:3] == [
        "shared Redis budget",
        "per-process budgets",
        "faults: worker killed, Redis restarted",
    ]
    assert all(f["calls_ok"] > 0 for f in figures[:3])
    assert "in_process_admit_us" in figures[3] and "redis_admit_us" in figures[3]
