"""The README's first command runs examples/demo.py; run it here (offline) so it cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KEY_VARIABLES = ("XAI_API_KEY", "GROKINC_API_KEY", "GROKAPI_API_KEY", "GROK_API_KEY", "GROK_BASE_URL")


def test_demo_runs_end_to_end_against_the_local_server_and_says_so() -> None:
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, wherever the interpreter installed it from
    out = subprocess.run(
        [sys.executable, "examples/demo.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert text.startswith("No XAI_API_KEY set: talking to the LOCAL Grok-compatible server")
    assert "model called get_weather({'city': 'Lisbon'})" in text  # asked about Lisbon
    assert "final answer:" in text
    assert "(the local server's stand-in figure, nothing was charged)" in text
    assert "Image: http://127.0.0.1:" in text
    assert "edited: Image: http://127.0.0.1:" in text and "video: Video (" in text
    assert "the PDF says:" in text and "18:00" in text  # the answer quotes the document
    assert "cites: https://" in text
    assert "\n    The lighthouse at Cap Fréhel was built in 1950" in text  # the query engine read its sources
    assert "Done: local or custom server at http://127.0.0.1:" in text


def test_demo_pointed_at_a_local_server_by_the_environment_does_not_claim_the_real_api() -> None:
    from grok_transport.testing import GrokTestServer

    env = {k: v for k, v in os.environ.items() if k not in KEY_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)
    with GrokTestServer(dialect="xai") as server:  # the README's offline shell: a key and XAI_API_BASE
        env |= {"XAI_API_KEY": server.api_key, "XAI_API_BASE": server.base_url}
        out = subprocess.run(
            [sys.executable, "examples/demo.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    assert "REAL" not in text and "real API" not in text.replace("not the real API", "")
    assert f"the base URL is {server.base_url}" in text.splitlines()[0]
    assert f"stand-in figure the server at {server.base_url} reported" in text
    assert f"Done: local or custom server at {server.base_url}" in text


def test_readmes_install_names_the_extra_the_demo_needs() -> None:
    import re

    readme = (ROOT / "README.md").read_text()
    install = readme.split("## Install", 1)[1].split("\n## ", 1)[0]
    assert 'pip install -e ".[demo]"' in install
    demo_extra = re.search(r"^demo = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    assert demo_extra is not None
    demo_imports = set(re.findall(r"^\s*from (\w+)", (ROOT / "examples/demo.py").read_text(), re.M))
    assert "langchain" in demo_imports  # create_agent lives in langchain itself
    assert re.search(r'"langchain[>=<]', demo_extra.group(1))
