"""Submitting a large batch: the client's CPU time and peak memory, then collecting the results.

``python -m benchmarks.batch [N]`` prints the figures for N prompts (default 10,000) against a
local server in its own process; ``python -m benchmarks`` includes them in its report.

The submission runs in a fresh interpreter that imports nothing but ``grok_transport``. Prompts
come from a generator (a caller with 100,000 prompts would not build a list first), so what is
measured is what the transport keeps: one add call's items at a time. Memory is the peak resident
size (``VmHWM``) minus the resident size of the bare interpreter before any import, so it includes
importing httpx and pydantic; "above the import" subtracts that too. CPU is ``process_time`` of
``client.batches.submit`` alone: building, measuring and serialising the items, and the HTTP
calls. Collecting (poll until done, read every page, parse 10,000 chat completions) is reported
beside it, without a target.
"""

from __future__ import annotations

import json
import subprocess
import sys

from benchmarks import harness

PROMPTS = 10_000
TARGET_CPU_S = 5.0
TARGET_PEAK_MB = 50.0

_CODE = """
import json, sys, time
sys.path.insert(0, {root!r})

def rss(field):
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith(field)) / 1024

bare = rss("VmRSS:")
from grok_transport import GrokClient
client = GrokClient(api_key={key!r}, base_url={base!r})
imported = rss("VmRSS:")
system = "You sort customer support tickets. Answer with one word: billing, bug, account or other."

def prompts(count):
    for i in range(count):
        text = f"Ticket {{i}}: I was charged twice for my subscription this month and the invoice page " \\
               f"shows an error when I try to download the receipt. Order reference A-{{i:06d}}."
        yield {{"model": "grok-4.3", "max_tokens": 8,
               "messages": [{{"role": "system", "content": system}}, {{"role": "user", "content": text}}]}}

cpu, wall = time.process_time(), time.perf_counter()
job = client.batches.submit(prompts({prompts}))
submit_cpu, submit_wall = time.process_time() - cpu, time.perf_counter() - wall
peak = rss("VmHWM:")
job.wait(poll_interval=0.2, progress=False)
cpu = time.process_time()
results = job.results()
collect_cpu = time.process_time() - cpu
assert len(results) == {prompts}
print(json.dumps({{
    "batch_submit_cpu_s": submit_cpu,
    "batch_submit_wall_s": submit_wall,
    "batch_peak_mb": peak - bare,
    "batch_peak_over_import_mb": peak - imported,
    "batch_collect_cpu_s": collect_cpu,
}}))
"""


def measure(base: str, key: str, prompts: int = PROMPTS) -> dict[str, float]:
    """Run one submission of ``prompts`` prompts in a fresh interpreter; its figures by name."""
    code = _CODE.format(root=str(harness.ROOT), base=base, key=key, prompts=prompts)
    out = subprocess.run([sys.executable, "-c", code], cwd=harness.ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"batch benchmark failed:\n{out.stderr[-2000:]}")
    figures: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    figures["batch_prompts"] = prompts
    return figures


def verdicts(figures: dict[str, float]) -> list[str]:
    """The two targets, met or not."""
    count = int(figures["batch_prompts"])
    cpu, peak = figures["batch_submit_cpu_s"], figures["batch_peak_mb"]
    return [
        f"- batch submit of {count:,} prompts: {cpu:.2f} s CPU (target < {TARGET_CPU_S:g} s) "
        f"{'met' if cpu < TARGET_CPU_S else 'NOT MET'}",
        f"- batch submit peak memory: {peak:.1f} MB above the bare interpreter, "
        f"{figures['batch_peak_over_import_mb']:.1f} MB above the import (target < {TARGET_PEAK_MB:g} MB) "
        f"{'met' if peak < TARGET_PEAK_MB else 'NOT MET'}",
        f"- batch collect of {count:,} results (wait, read every page, parse): "
        f"{figures['batch_collect_cpu_s']:.2f} s CPU",
    ]


def main(argv: list[str] | None = None) -> int:
    """Entry point: measure and print."""
    args = sys.argv[1:] if argv is None else argv
    prompts = int(args[0]) if args else PROMPTS
    with harness.server("chat") as (base, key):
        figures = measure(base, key, prompts)
    print(json.dumps(figures, indent=1))
    print("\n".join(verdicts(figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
