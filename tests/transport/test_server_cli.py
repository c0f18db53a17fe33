"""The ``python -m grok_transport.testing`` command and the pytest fixtures, run as users run them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def test_cli_prints_url_and_key_then_serves_until_sigterm():
    process = subprocess.Popen(
        [sys.executable, "-m", "grok_transport.testing", "--dialect", "grokinc", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
        cwd=REPO,
    )
    try:
        base_url = process.stdout.readline().strip()
        api_key = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        assert api_key.startswith("grokinc-test-")
        r = httpx.post(
            f"{base_url}/chat/completions",
            headers={"X-API-Key": api_key},
            json={
                "model": "grok-lite",
                "messages": [{"role": "user", "content": "hey, you finally working?"}],
            },
        )
        assert r.status_code == 200
        assert r.json()["choices"][0]["message"]["content"]
    finally:
        process.send_signal(signal.SIGTERM)
        returncode = process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    assert returncode == 0


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
            assert inc.api_key.startswith("grokinc-")
            assert api.api_key.startswith("sk-grok-")
            assert inc.port != api.port
    """)
    )
    installed = any(
        ep.value == "grok_transport.testing.pytest_plugin" for ep in entry_points(group="pytest11")
    )
    plugin = [] if installed else ["-p", "grok_transport.testing.pytest_plugin"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            *plugin,
            str(tmp_path / "test_uses_fixtures.py"),
        ],
        capture_output=True,
        text=True,
        env=_env(),
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout
