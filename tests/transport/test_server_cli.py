"""``grok-test-server`` and the pytest fixtures, run as users run them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


CONSOLE_SCRIPT = ["-c", "from grok_transport.testing.__main__ import main; raise SystemExit(main())"]


def _serve(command: list[str], *arguments: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start the server command; return it with the two lines it prints (base URL, key)."""
    process = subprocess.Popen(
        [sys.executable, *command, *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )
    assert process.stdout is not None
    return process, process.stdout.readline().strip(), process.stdout.readline().strip()


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=10)
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
    return code


def test_the_console_script_is_declared():
    tomllib = pytest.importorskip("tomllib")
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["grok-test-server"] == "grok_transport.testing.__main__:main"


def test_serves_with_the_fixed_local_key_until_sigterm():
    process, base_url, api_key = _serve(["-m", "grok_transport.testing"], "--dialect", "grokinc")
    try:
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert api_key == "grok-local-test-key"  # the same on every run, so notebooks read the same
        body = {"model": "grok-lite", "messages": [{"role": "user", "content": "hey, you finally working?"}]}
        r = httpx.post(f"{base_url}/chat/completions", headers={"X-API-Key": api_key}, json=body)
        assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]
    finally:
        assert _stop(process) == 0


def test_api_key_and_port_options():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process, base_url, api_key = _serve(
        CONSOLE_SCRIPT, "--port", str(port), "--api-key", "mine", "--api-key", "theirs"
    )
    try:
        assert (base_url, api_key) == (f"http://127.0.0.1:{port}/v1", "mine")
        for key, status in (("mine", 200), ("theirs", 200), ("grok-local-test-key", 400)):
            r = httpx.get(f"{base_url}/models", headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == status, key
    finally:
        assert _stop(process) == 0


def test_pytest_fixtures(tmp_path):
    (tmp_path / "test_uses_fixtures.py").write_text(
        textwrap.dedent("""
        import httpx
        from grok_transport.testing import Reply

        def test_server(grok_server):
            grok_server.enqueue(Reply.text("hi from the fixture"))
            r = httpx.post(grok_server.base_url + "/chat/completions",
                           headers={"Authorization": "Bearer " + grok_server.api_key},
                           json={"model": "grok-4.3",
                                 "messages": [{"role": "user", "content": "x"}]})
            assert r.json()["choices"][0]["message"]["content"] == "hi from the fixture"

        def test_factory(grok_server_factory):
            inc = grok_server_factory("grokinc")
            api = grok_server_factory("grokapi", credits=1)
            assert (inc.dialect, api.dialect) == ("grokinc", "grokapi")
            assert inc.port != api.port
    """)
    )
    installed = any(
        ep.value == "grok_transport.testing.pytest_plugin" for ep in entry_points(group="pytest11")
    )
    plugin = [] if installed else ["-p", "grok_transport.testing.pytest_plugin"]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *plugin, "test_uses_fixtures.py"],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
