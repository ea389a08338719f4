"""Run the sandbox ERP from a shell: `python -m erpsync_gui.sandbox --port 8765 --db FILE`."""

from __future__ import annotations

import argparse
import logging
import threading

from erpsync_gui.sandbox.server import SandboxServer
from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN


def main(argv: list[str] | None = None) -> int:
    """Serve until Ctrl-C; per-request lines are logged at DEBUG (--verbose)."""
    parser = argparse.ArgumentParser(prog="python -m erpsync_gui.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--db", default=None, help="SQLite file that keeps the data (default: in memory)")
    parser.add_argument("--no-seed", action="store_true", help="start empty instead of with demo data")
    parser.add_argument("--clients", type=int, default=None, help="number of clients to seed")
    parser.add_argument("--auth-token", default=DEMO_AUTH_TOKEN)
    parser.add_argument("--client-token", default=DEMO_CLIENT_TOKEN)
    parser.add_argument("--ignore-filters", action="store_true",
                        help="answer lookup filters (?external_id=, ?customer_number=) with the whole list, as a "
                             "server that keeps only the dialect's page, per_page and updated_since does")
    parser.add_argument("--list-create", type=int, default=None, metavar="N",
                        help="take a JSON list of up to N records in one POST (default: one record a POST)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log one line per request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(message)s")
    seed: bool | dict[str, int] = not args.no_seed
    if seed and args.clients is not None:
        seed = {"clients": args.clients}
    server = SandboxServer(args.db, args.host, args.port, args.auth_token, args.client_token, seed=seed)
    server.api.ignore_filters = args.ignore_filters
    server.api.list_create_max = args.list_create
    with server:
        print(f"Sandbox ERP at {server.url}  (auth token {args.auth_token!r}, "
              f"client token {args.client_token!r}); Ctrl-C stops it", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
