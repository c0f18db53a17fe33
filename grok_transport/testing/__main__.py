"""``python -m grok_transport.testing``: run a Grok test server until Ctrl-C or SIGTERM.

Prints the base URL and then the API key, one per line on stdout, flushed at once, so that a
script or a notebook can start it as a subprocess and read exactly two lines::

    $ python -m grok_transport.testing --dialect xai --port 8080
    http://127.0.0.1:8080/v1
    xai-test-5f0c...

Human-readable hints go to stderr, so stdout stays machine-readable.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from .server import GrokTestServer


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m grok_transport.testing",
        description="Run a local Grok-compatible HTTP server (offline, deterministic).",
    )
    parser.add_argument(
        "--dialect",
        choices=("xai", "grokinc", "grokapi"),
        default="xai",
        help="which provider to imitate (default: xai)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    parser.add_argument(
        "--api-key",
        action="append",
        default=[],
        dest="api_keys",
        metavar="KEY",
        help="also accept this key (repeatable)",
    )
    parser.add_argument(
        "--rate-limit-rpm",
        type=int,
        default=None,
        metavar="N",
        help="requests per minute per key (default: 5 for grokinc, else none)",
    )
    parser.add_argument(
        "--credits",
        type=int,
        default=None,
        metavar="N",
        help="billable requests per key before 402 (default: unlimited)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, print its coordinates, and block until interrupted."""
    args = _parser().parse_args(argv)
    options = {"host": args.host, "port": args.port, "api_keys": args.api_keys, "credits": args.credits}
    if args.rate_limit_rpm is not None:
        options["rate_limit_rpm"] = args.rate_limit_rpm
    server = GrokTestServer(args.dialect, **options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    try:
        print(server.base_url, flush=True)
        print(server.api_key, flush=True)
        print(
            f"grok test server ({args.dialect}) listening on {server.url}; Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
