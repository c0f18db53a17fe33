"""Measuring: paired rounds against the floor, so that machine noise cancels.

Absolute times on a shared 2-core machine drift by tens of percent from one minute to the next,
so every per-call figure is a ratio: each round times ``calls`` invocations of the floor (raw
httpx) and of the subject back to back, alternating which goes first, and the reported ratio is
the median over rounds of subject time / floor time. The server runs in another process
(:mod:`benchmarks._server`) so that it never competes with the client for the GIL.
"""

from __future__ import annotations

import asyncio
import compileall
import contextlib
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def server(scenario: str) -> Iterator[tuple[str, str]]:
    """A local Grok server in a child process: yields ``(base_url, api_key)``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._server", scenario],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        api_key = proc.stdout.readline().strip()
        if not base_url:
            raise RuntimeError("benchmark server did not start")
        yield base_url, api_key
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


@dataclass
class Paired:
    """Median ratio subject/floor and the median seconds per unit of each."""

    ratio: float
    floor_seconds: float
    subject_seconds: float


def _time(fn: Callable[[], Any], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return time.perf_counter() - start


def paired(
    floor: Callable[[], Any], subject: Callable[[], Any], *, calls: int, rounds: int, warmup: int = 5
) -> Paired:
    """Time ``floor`` and ``subject`` in alternating rounds; see the module docstring."""
    _time(floor, warmup)
    _time(subject, warmup)
    ratios, floors, subjects = [], [], []
    for i in range(rounds):
        if i % 2:
            s = _time(subject, calls)
            f = _time(floor, calls)
        else:
            f = _time(floor, calls)
            s = _time(subject, calls)
        ratios.append(s / f)
        floors.append(f / calls)
        subjects.append(s / calls)
    return Paired(statistics.median(ratios), statistics.median(floors), statistics.median(subjects))


def burst(
    make: Callable[[], Callable[[], Awaitable[Any]]], concurrency: int, rounds: int
) -> tuple[float, float]:
    """Requests/s for ``concurrency`` simultaneous calls: on a fresh loop (cold), then again (warm).

    Each round builds a fresh subject on a fresh event loop, so "cold" includes opening the
    connections; the median over rounds keeps one garbage-collection pause from deciding it.
    """

    async def run() -> tuple[float, float]:
        call = make()

        async def once() -> float:
            start = time.perf_counter()
            await asyncio.gather(*(call() for _ in range(concurrency)))
            return concurrency / (time.perf_counter() - start)

        cold = await once()
        warm = await once()
        return cold, warm

    samples = [asyncio.run(run()) for _ in range(rounds)]
    return statistics.median(c for c, _ in samples), statistics.median(w for _, w in samples)


_BURST_CODE = """
import sys
sys.path.insert(0, {root!r})
from benchmarks import harness, subjects
subject = subjects.by_name({name!r})
cold, warm = harness.burst(lambda: subject.acall({base!r}, {key!r}), {concurrency}, {rounds})
print(cold, warm)
"""


def burst_in_child(name: str, base: str, key: str, concurrency: int, rounds: int) -> tuple[float, float]:
    """:func:`burst` in a fresh interpreter that imports only this subject's packages.

    In the benchmark process every framework and alternative is loaded, and the larger heap
    makes each garbage collection during a burst slower for whoever is measured at that moment.
    """
    code = _BURST_CODE.format(
        root=str(ROOT), name=name, base=base, key=key, concurrency=concurrency, rounds=rounds
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    cold, warm = out.stdout.split()[-2:]
    return float(cold), float(warm)


PACKAGES = ("grok_transport", "langchain_grok", "llama_index_grok")


def compile_bytecode() -> None:
    """Write this project's ``.pyc`` files, as installing it from a wheel does.

    The frameworks and alternatives were installed by pip, which compiles their bytecode; this
    project is installed editable, and where ``PYTHONDONTWRITEBYTECODE`` is set (as on the
    project's CI machines) Python never caches its bytecode, so every import would compile
    ~140 modules from source: about 90 ms that no user of the installed package pays.
    """
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def _import_once(statement: str) -> float:
    code = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def import_seconds(statement: str, runs: int) -> float:
    """Median wall time of an import statement in a fresh interpreter (bytecode cached for all)."""
    return statistics.median(_import_once(statement) for _ in range(runs))


def import_overhead(statement: str, baseline: str, runs: int) -> tuple[float, float]:
    """``(median seconds of statement, median extra seconds over baseline)``, paired.

    Each round imports the baseline and the statement in fresh interpreters back to back,
    alternating which goes first, and the extra time is the median of the rounds' differences:
    two medians measured minutes apart on a shared machine can differ by more than the
    project's whole import.
    """
    own, extra = [], []
    for round_ in range(runs):
        if round_ % 2:
            subject, base = _import_once(statement), _import_once(baseline)
        else:
            base, subject = _import_once(baseline), _import_once(statement)
        own.append(subject)
        extra.append(subject - base)
    return statistics.median(own), statistics.median(extra)


def construct_seconds(make: Callable[[], Any], count: int) -> float:
    """Median seconds to construct one instance (after a warm-up that imports everything)."""
    make()
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        make()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


# VmHWM, not ru_maxrss: Linux carries ru_maxrss across fork+exec, so a child started from a
# process that already imported every framework would report the parent's peak.
_RSS_CODE = """
import sys
sys.path.insert(0, {root!r})
from benchmarks import subjects
subject = subjects.by_name({name!r})
subject.call({base!r}, {key!r})()
print(next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:")))
"""


def peak_rss_mb(name: str, base: str, key: str) -> float:
    """Peak resident memory (MB) of a fresh interpreter after import and one call."""
    code = _RSS_CODE.format(root=str(ROOT), name=name, base=base, key=key)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) / 1024
