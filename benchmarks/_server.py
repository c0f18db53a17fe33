"""A GrokTestServer in its own process, so that client and server do not share a GIL.

``python -m benchmarks._server SCENARIO`` prints the base URL and the key, one per line, and
serves until its standard input closes. Scenarios set the sticky reply every request gets.
"""

from __future__ import annotations

import sys

from grok_transport.testing import GrokTestServer, Reply

SCENARIOS = {
    "chat": lambda: Reply.text("hi there"),
    "stream": lambda: Reply.text(["tok "] * 2000),
    "tool": lambda: Reply.tool_calls([{"name": "get_weather", "arguments": {"city": "Paris"}}]),
}


def main() -> None:
    scenario = sys.argv[1]
    with GrokTestServer(dialect="xai", max_recorded=16) as server:
        server.set_default(SCENARIOS[scenario]())
        print(server.base_url, flush=True)
        print(server.api_key, flush=True)
        sys.stdin.read()


if __name__ == "__main__":
    main()
