"""Worker processes that share one key: the fleet behind tests/test_budget_fleet.py and benchmarks/fleet.py.

``python -m tests.fleet '<json list of configs>'`` runs one phase per config: it builds one
client of a subject (the transport's ``AsyncGrokClient``, LangChain's ``ChatGrok`` or
LlamaIndex's ``Grok``) with the config's budget, prints ``ready``, waits for a line on stdin (so
every worker of a fleet starts at once), makes ``calls`` calls with at most ``concurrency`` in
flight (every ``stream_every``-th one streamed), and prints one JSON line: how many succeeded
and the errors of the others. Phases save a test the seconds a worker takes to import its
framework. The budget's warnings
go to stderr (logger ``grok_transport``), for the tests to count.

:class:`Fleet` starts the workers, releases them together phase by phase and collects their results.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["WorkerConfig", "Fleet"]

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class WorkerConfig:
    """What one worker runs (every field is JSON)."""

    subject: str  # "transport", "langchain" or "llama_index"
    base_url: str
    api_key: str
    store: str  # "memory" or a redis:// URL
    rpm: int | None = None
    tpm: int | None = None
    model: str = "grok-4"
    calls: int = 5
    concurrency: int = 5
    max_tokens: int = 64
    stream_every: int = 2  # 0: never
    timeout: float = 20.0
    max_retries: int = 2
    name: str = "w"
    duration: float = 0.0  # > 0: each of the ``concurrency`` lanes calls until this many seconds passed


def _transport(config: WorkerConfig) -> Any:
    from grok_transport import AsyncGrokClient

    client = AsyncGrokClient(
        base_url=config.base_url,
        api_key=config.api_key,
        rate_limit_rpm=config.rpm,
        rate_limit_tpm=config.tpm,
        rate_limit_store=config.store,
        timeout=config.timeout,
        max_retries=config.max_retries,
    )
    messages = [{"role": "user", "content": ""}]

    async def call(prompt: str, stream: bool) -> None:
        messages[0]["content"] = prompt
        if stream:
            async for _ in await client.stream_chat(
                messages, model=config.model, max_tokens=config.max_tokens
            ):
                pass
        else:
            await client.chat(messages, model=config.model, max_tokens=config.max_tokens)

    return call


def _settings(config: WorkerConfig) -> dict[str, Any]:
    return {
        "model": config.model,
        "api_key": config.api_key,
        "base_url": config.base_url,
        "rate_limit_rpm": config.rpm,
        "rate_limit_tpm": config.tpm,
        "rate_limit_store": config.store,
        "max_tokens": config.max_tokens,
        "timeout": config.timeout,
        "max_retries": config.max_retries,
    }


def _langchain(config: WorkerConfig) -> Any:
    from langchain_grok import ChatGrok

    llm = ChatGrok(**_settings(config))

    async def call(prompt: str, stream: bool) -> None:
        if stream:
            async for _ in llm.astream(prompt):
                pass
        else:
            await llm.ainvoke(prompt)

    return call


def _llama_index(config: WorkerConfig) -> Any:
    from llama_index_grok import Grok

    llm = Grok(**_settings(config))

    async def call(prompt: str, stream: bool) -> None:
        if stream:
            async for _ in await llm.astream_complete(prompt):
                pass
        else:
            await llm.acomplete(prompt)

    return call


SUBJECTS = {"transport": _transport, "langchain": _langchain, "llama_index": _llama_index}


async def _phase(config: WorkerConfig) -> dict[str, Any]:
    call = SUBJECTS[config.subject](config)
    gate = asyncio.Semaphore(config.concurrency)
    errors: list[str] = []

    async def one(index: int) -> None:
        async with gate:
            stream = bool(config.stream_every) and index % config.stream_every == 1
            try:
                await call(f"call {config.name}-{index}: say hi", stream)
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}"[:300])

    calls = 0

    async def lane(first: int, until: float) -> None:
        nonlocal calls
        index = first
        while time.monotonic() < until:
            calls += 1
            await one(index)
            index += config.concurrency

    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.readline()
    started = time.monotonic()
    if config.duration:
        until = started + config.duration
        await asyncio.gather(*(lane(i, until) for i in range(config.concurrency)))
    else:
        calls = config.calls
        await asyncio.gather(*(one(i) for i in range(config.calls)))
    return {"ok": calls - len(errors), "errors": errors, "seconds": time.monotonic() - started}


async def _run(phases: list[WorkerConfig]) -> None:
    for config in phases:
        result = await _phase(config)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


@dataclass
class Fleet:
    """Worker processes, each running its phases (one config each) in step with the others.

    :meth:`start` spawns them and waits until each has built its first client; every
    :meth:`go` releases all of them into their next phase at once; :meth:`results` collects
    that phase's results.
    """

    workers: list[list[WorkerConfig]]
    processes: list[subprocess.Popen[str]] = field(default_factory=list)
    logs: list[Any] = field(default_factory=list)  # stderr goes to files: a full pipe would stall a worker

    def start(self) -> Fleet:
        """Start every worker and wait until each is ready for its first phase."""
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        env.pop("GROK_RATE_LIMIT_STORE", None)
        for phases in self.workers:
            self.logs.append(tempfile.TemporaryFile("w+"))  # noqa: SIM115 (closed with the fleet)
            self.processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tests.fleet", json.dumps([asdict(c) for c in phases])],
                    cwd=ROOT,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=self.logs[-1],
                    text=True,
                )
            )
        self._ready()
        return self

    def _ready(self) -> None:
        for index, process in enumerate(self.processes):
            assert process.stdout is not None
            line = process.stdout.readline()
            if line.strip() != "ready":
                process.kill()
                raise RuntimeError(f"worker {index} is not ready: {line}{self.log(index)[-3000:]}")

    def go(self) -> Fleet:
        """Release every worker into its next phase."""
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        return self

    def results(self, *, last: bool = True, dead: frozenset[int] = frozenset()) -> list[dict[str, Any]]:
        """Each worker's result for the phase that runs; then, unless ``last``, wait until all are ready again.

        Workers in ``dead`` (killed on purpose) are skipped.
        """
        out = []
        for index, process in enumerate(self.processes):
            assert process.stdout is not None
            if index in dead:
                continue
            line = process.stdout.readline()
            if not line.startswith("{"):
                process.kill()
                raise RuntimeError(f"worker {index} failed: {line}{self.log(index)[-3000:]}")
            out.append(json.loads(line))
        if last:
            for process in self.processes:
                process.wait(30)
        else:
            self._ready()
        return out

    def log(self, index: int) -> str:
        """Worker ``index``'s stderr so far (the budget's warnings)."""
        log = self.logs[index]
        log.seek(0)
        text: str = log.read()
        return text

    def close(self) -> None:
        """Stop any worker still running, close its pipes and drop the logs."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            for pipe in (process.stdin, process.stdout):
                if pipe is not None:
                    pipe.close()
        for log in self.logs:
            log.close()


def main() -> None:
    """Run one worker: its phases as a JSON list of configs in ``sys.argv[1]``."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    asyncio.run(_run([WorkerConfig(**config) for config in json.loads(sys.argv[1])]))


if __name__ == "__main__":
    main()
