"""``python -m benchmarks [--smoke] [--no-write] [--update-baseline] [--rewrite-markdown]``: measure, write.

Every figure comes from one run on one machine. A plain run writes ``results.local.md`` and
``results.local.json`` beside this file (untracked, in .gitignore), so measuring never leaves a
change to commit; ``--update-baseline`` writes the committed ``RESULTS.md`` and ``results.json``
instead, which is a decision to publish. Regressions are reported only against figures measured
on this same machine (the last local run, else the committed baseline if it was made here):
another machine's microseconds say nothing about this change. ``--smoke`` shrinks every loop so
the whole run takes seconds (the test suite runs it so the harness cannot rot; it asserts nothing
about speed and never writes results). ``--rewrite-markdown`` measures nothing: it re-renders
``RESULTS.md`` from ``results.json`` after ``NOTES.md`` or ``FLEET.md`` (the fleet benchmark's
figures, benchmarks/fleet.py) changed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from benchmarks import batch, harness, subjects

HERE = Path(__file__).resolve().parent
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = HERE / "results.json"
LOCAL_MD = HERE / "results.local.md"
LOCAL_JSON = HERE / "results.local.json"

TARGETS = {
    "ChatGrok": {"call": 1.75, "chunk": 2.6},
    "Grok (llama_index_grok)": {"call": 1.65, "chunk": 2.9},
}
FRAMEWORK_OF = {
    "langchain": "from langchain_core.language_models import BaseChatModel",
    "llama_index": "import llama_index.core",
}
HIGHER_IS_BETTER = {"async_cold_rps", "async_warm_rps"}


@dataclass
class Sizes:
    calls: int
    rounds: int
    streams: int
    tools: int
    concurrency: int
    bursts: int
    imports: int
    constructs: int
    batch_prompts: int


FULL = Sizes(
    calls=200,
    rounds=7,
    streams=2,
    tools=100,
    concurrency=200,
    bursts=5,
    imports=7,
    constructs=300,
    batch_prompts=batch.PROMPTS,
)
SMOKE = Sizes(
    calls=3, rounds=2, streams=1, tools=2, concurrency=10, bursts=1, imports=1, constructs=3, batch_prompts=50
)
BATCH = "grok_transport batches"


def measure(sizes: Sizes, only: set[str] | None) -> dict[str, dict[str, float]]:
    """Every figure for every available subject, keyed by subject name."""
    table = [s for s in subjects.available() if not only or s.name in only or s.group == "floor"]
    raw = subjects.RAW
    results: dict[str, dict[str, float]] = {s.name: {} for s in table}

    def note(name: str, key: str, value: float) -> None:
        results[name][key] = value
        print(f"  {name:32} {key:16} {value:10.4g}", flush=True)

    print("per call", flush=True)
    with harness.server("chat") as (base, key):
        floor = raw.call(base, key)
        for s in table:
            if s is not raw and s.call:
                p = harness.paired(floor, s.call(base, key), calls=sizes.calls, rounds=sizes.rounds)
                note(s.name, "call_ratio", p.ratio)
                note(s.name, "call_us", p.subject_seconds * 1e6)
        results[raw.name]["call_us"] = p.floor_seconds * 1e6
        for s in table:
            if s.acall:
                cold, warm = harness.burst_in_child(s.name, base, key, sizes.concurrency, sizes.bursts)
                note(s.name, "async_cold_rps", cold)
                note(s.name, "async_warm_rps", warm)
        for s in table:
            if s.group != "floor" and s.module:
                rss = harness.peak_rss_mb(s.name, base, key)
                note(s.name, "peak_rss_mb", rss)
        print(f"batch: submit and collect {sizes.batch_prompts:,} prompts", flush=True)
        results[BATCH] = {}
        for figure, value in batch.measure(base, key, sizes.batch_prompts).items():
            note(BATCH, figure, value)

    print("per stream chunk (2,000-chunk streams)", flush=True)
    with harness.server("stream") as (base, key):
        floor = raw.stream(base, key)
        chunks = floor()
        for s in table:
            if s is not raw and s.stream:
                p = harness.paired(
                    floor, s.stream(base, key), calls=sizes.streams, rounds=sizes.rounds, warmup=1
                )
                note(s.name, "chunk_ratio", p.ratio)
                note(s.name, "chunk_us", p.subject_seconds / chunks * 1e6)
        results[raw.name]["chunk_us"] = p.floor_seconds / chunks * 1e6

    print("tool-call round trip", flush=True)
    with harness.server("tool") as (base, key):
        floor = raw.tool(base, key)
        for s in table:
            if s is not raw and s.tool:
                run = s.tool(base, key)
                if run is not None:
                    p = harness.paired(floor, run, calls=sizes.tools, rounds=sizes.rounds)
                    note(s.name, "tool_ratio", p.ratio)

    print("import and construction", flush=True)
    harness.compile_bytecode()
    for framework, statement in FRAMEWORK_OF.items():
        results.setdefault(f"{framework} alone", {})
        note(f"{framework} alone", "import_s", harness.import_seconds(statement, sizes.imports))
    for s in table:
        if s.import_stmt and s.framework in FRAMEWORK_OF:
            own, extra = harness.import_overhead(s.import_stmt, FRAMEWORK_OF[s.framework], sizes.imports)
            note(s.name, "import_s", own)
            note(s.name, "import_extra_ms", extra * 1e3)
        elif s.import_stmt:
            note(s.name, "import_s", harness.import_seconds(s.import_stmt, sizes.imports))
        if s.construct:
            make = s.construct("http://127.0.0.1:9/v1", "key-for-construction")
            note(s.name, "construct_ms", harness.construct_seconds(make, sizes.constructs) * 1e3)
    return results


def verdicts(results: dict[str, dict[str, float]]) -> list[str]:
    """Each target, met or not, as a line for the report."""
    lines = []
    for name, limits in TARGETS.items():
        r = results.get(name)
        if not r:
            lines.append(f"- {name}: not measured (not installed)")
            continue
        for key, limit in limits.items():
            value = r.get(f"{key}_ratio")
            if value is not None:
                lines.append(
                    f"- {name} per {key}: {value:.2f}× (target ≤ {limit}×) "
                    f"{'met' if value <= limit else 'NOT MET'}"
                )
        if "construct_ms" in r:
            ok = r["construct_ms"] <= 0.5
            lines.append(
                f"- {name} construction: {r['construct_ms']:.3f} ms (target ≤ 0.5 ms) "
                f"{'met' if ok else 'NOT MET'}"
            )
        if "import_extra_ms" in r:
            extra = r["import_extra_ms"]
            lines.append(
                f"- {name} import: {extra:+.0f} ms over the framework, paired (target ≤ +150 ms) "
                f"{'met' if extra <= 150 else 'NOT MET'}"
            )
        for key in ("async_cold_rps", "async_warm_rps"):
            if key in r:
                lines.append(
                    f"- {name} {key.split('_')[1]} 200 concurrent: {r[key]:.0f} req/s "
                    f"(target ≥ 1,000) {'met' if r[key] >= 1000 else 'NOT MET'}"
                )
    if BATCH in results:
        lines += batch.verdicts(results[BATCH])
    return lines


def regressions(results: dict[str, dict[str, float]], previous: dict[str, Any]) -> list[str]:
    """Figures of ours more than 10% worse than the last recorded run."""
    lines = []
    for name in TARGETS:
        for key, value in results.get(name, {}).items():
            before = previous.get("results", {}).get(name, {}).get(key)
            if not before:
                continue
            worse = before / value if key in HIGHER_IS_BETTER else value / before
            if worse > 1.10:
                lines.append(f"- {name} {key}: {before:.4g} → {value:.4g} ({(worse - 1) * 100:.0f}% worse)")
    return lines


def destinations(update_baseline: bool) -> tuple[Path, Path]:
    """``(markdown, json)`` to write: the committed baseline only when asked to update it."""
    return (RESULTS_MD, RESULTS_JSON) if update_baseline else (LOCAL_MD, LOCAL_JSON)


def baseline(
    machine: str, candidates: tuple[Path, ...] = (LOCAL_JSON, RESULTS_JSON)
) -> tuple[Path, dict[str, Any]] | None:
    """The most recent earlier results measured on ``machine``, and where they are; None if none."""
    for path in candidates:
        try:
            previous = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if isinstance(previous, dict) and previous.get("machine") == machine:
            return path, previous
    return None


def _versions() -> dict[str, str]:
    names = [
        "httpx",
        "pydantic",
        "langchain-core",
        "llama-index-core",
        "langchain-xai",
        "langchain-openai",
        "llama-index-llms-openai-like",
        "openai",
    ]
    out = {"python": platform.python_version()}
    for name in names:
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} cores, {cpu}"


COLUMNS = [
    ("call_ratio", "per call ×", "{:.2f}"),
    ("chunk_ratio", "per chunk ×", "{:.2f}"),
    ("tool_ratio", "tool round trip ×", "{:.2f}"),
    ("call_us", "µs / call", "{:.0f}"),
    ("chunk_us", "µs / chunk", "{:.1f}"),
    ("async_cold_rps", "async cold req/s", "{:.0f}"),
    ("async_warm_rps", "async warm req/s", "{:.0f}"),
    ("import_s", "import s", "{:.3f}"),
    ("construct_ms", "construct ms", "{:.3f}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
]


def table(results: dict[str, dict[str, float]]) -> str:
    """The results as a Markdown table (ratios are to raw httpx in the same run)."""
    head = "| subject | " + " | ".join(c[1] for c in COLUMNS) + " |"
    rule = "|---|" + "---:|" * len(COLUMNS)
    rows = [head, rule]
    for name, r in results.items():
        if name == BATCH:
            continue  # its own figures, reported under the targets
        cells = [fmt.format(r[key]) if key in r else "–" for key, _, fmt in COLUMNS]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--smoke", action="store_true", help="tiny loops; never writes results")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument(
        "--update-baseline",
        action="store_true",
        help="write the committed RESULTS.md and results.json (default: the untracked results.local.*)",
    )
    parser.add_argument("--only", action="append", help="measure only this subject (repeatable)")
    parser.add_argument(
        "--rewrite-markdown",
        action="store_true",
        help="measure nothing: re-render RESULTS.md from results.json (after editing NOTES.md or FLEET.md)",
    )
    args = parser.parse_args(argv)
    if args.rewrite_markdown:
        published = json.loads(RESULTS_JSON.read_text())
        figures = published["results"]
        RESULTS_MD.write_text(
            render_markdown(table(figures), verdicts(figures), published["versions"], published["machine"])
        )
        print(f"rewrote {RESULTS_MD.relative_to(HERE.parent)} from {RESULTS_JSON.relative_to(HERE.parent)}")
        return 0
    sizes = SMOKE if args.smoke else FULL
    results = measure(sizes, set(args.only) if args.only else None)
    machine = _machine()
    found = baseline(machine)
    report = table(results)
    checks = verdicts(results)
    print()
    print(report)
    print()
    print("\n".join(checks))
    if found is None:
        print("\nNo earlier results from this machine: regressions are checked from the next run on.")
    else:
        worse = regressions(results, found[1])
        where = found[0].relative_to(HERE.parent)
        print(f"\nRegressions against {where} (this machine):\n" + ("\n".join(worse) or "- none"))
    if args.smoke or args.no_write:
        return 0
    versions = _versions()
    markdown, raw = destinations(args.update_baseline)
    snapshot = {"versions": versions, "machine": machine, "results": results}
    raw.write_text(json.dumps(snapshot, indent=1, sort_keys=True) + "\n")
    markdown.write_text(render_markdown(report, checks, versions))
    print(f"\nwrote {markdown.relative_to(HERE.parent)} and {raw.relative_to(HERE.parent)}")
    return 0


def render_markdown(
    report: str, checks: list[str], versions: dict[str, str], machine: str | None = None
) -> str:
    """RESULTS.md: what was measured, how, on what (``machine``, else this one), and the verdicts."""
    version_lines = "\n".join(f"- {k} {v}" for k, v in versions.items())
    notes = (HERE / "NOTES.md").read_text() if (HERE / "NOTES.md").is_file() else ""
    # The fleet benchmark (benchmarks/fleet.py) is a separate run of minutes; its section is kept in
    # FLEET.md so that re-measuring the figures above never drops it.
    fleet = (HERE / "FLEET.md").read_text() if (HERE / "FLEET.md").is_file() else ""
    return f"""# Benchmark results

Produced by `python -m benchmarks` (one run; every ratio is paired against raw httpx in the same
run, median of alternating rounds, so machine noise cancels). Server: `GrokTestServer` on
127.0.0.1 in a separate process. Per-call = one short non-streamed chat; per-chunk = a 2,000-chunk
stream; tool round trip = one call with one tool bound, answered with a tool call; async = 200
concurrent calls on one event loop, first on a fresh loop (cold), then immediately again (warm),
median of 5 rounds, each subject in its own interpreter.
Import = the statement a user writes (`from langchain_grok import ChatGrok`, against
`from langchain_core.language_models import BaseChatModel`; `from llama_index_grok import Grok`,
against `import llama_index.core`) in a fresh interpreter, with every package's bytecode cached
as a pip install leaves it; peak RSS = a fresh interpreter after import and one call. Batch =
`client.batches.submit` of {batch.PROMPTS:,} chat prompts drawn from a generator, in a fresh
interpreter: its CPU time, and its peak RSS above the bare interpreter; then the CPU time to
wait, read every page and parse every result (see `benchmarks/batch.py`).

Machine: {machine or _machine()}

Versions:
{version_lines}

{report}

## Targets

{chr(10).join(checks)}

{fleet}{chr(10) if fleet else ""}{notes}"""


if __name__ == "__main__":
    sys.exit(main())
