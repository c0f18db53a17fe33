"""``grok-test-server`` (or ``python -m grok_transport.testing``): serve until Ctrl-C or SIGTERM.

Prints the base URL, then the API key (``grok-local-test-key`` unless ``--api-key`` says
otherwise), one per line on stdout, flushed at once, so a script or a notebook can start it as a
subprocess and read exactly two lines; with a fixed ``--port`` both are the same on every run.
Human-readable hints go to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from . import DEFAULT_API_KEY
from .dialects import DIALECT_NAMES

_KEY_HELP = f"the key clients must send (default: {DEFAULT_API_KEY}); repeat it to accept several"


def _parser() -> argparse.ArgumentParser:
    about = "A local Grok-compatible HTTP server (offline, deterministic)."
    parser = argparse.ArgumentParser(prog="grok-test-server", description=about)
    add = parser.add_argument
    add("--dialect", choices=DIALECT_NAMES, default="xai", help="provider to imitate (default: xai)")
    add("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    add("--port", type=int, default=0, help="port to bind; 0 picks a free one (default: 0)")
    add("--api-key", action="append", dest="api_keys", metavar="KEY", help=_KEY_HELP)
    add("--rate-limit-rpm", type=int, metavar="N", help="requests per minute per key (5 on grokinc)")
    add("--credits", type=int, metavar="N", help="billable requests per key before 402 (unlimited)")
    add("--quota-rps", type=float, metavar="N", help="quota mode: requests per second per key and model")
    add("--quota-tpm", type=int, metavar="N", help="quota mode: tokens per minute per key and model")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Start the server, print its base URL and key, and block until interrupted."""
    from .server import GrokTestServer

    args = _parser().parse_args(argv)
    key, *others = args.api_keys or [DEFAULT_API_KEY]
    options: dict[str, Any] = dict(host=args.host, port=args.port, api_key=key, api_keys=others)
    if args.rate_limit_rpm is not None:  # unset: the dialect's own limit
        options["rate_limit_rpm"] = args.rate_limit_rpm
    if args.quota_rps is not None:
        from .quota import Quota

        options["quota"] = Quota(args.quota_rps, args.quota_tpm)
    server = GrokTestServer(args.dialect, credits=args.credits, **options)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with server:
        print(server.base_url, server.api_key, sep="\n", flush=True)
        hint = f"grok test server ({args.dialect}) on {server.url}; Ctrl-C to stop"
        if args.dialect == "xai":  # Collections: same base URL, their own key
            hint += f"\nmanagement key (Collections): {server.management_api_key}"
        print(hint, file=sys.stderr, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while not stop.wait(0.5):
                pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
