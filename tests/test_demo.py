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
    assert "Done: local server" in text
