"""`erpsync`: the headless face of the product, for scripts and the Windows Task Scheduler.

Exit codes: 0 success, 1 some records (or a run) failed, 2 the configuration needs fixing.
No Qt is imported here.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from erpsync_gui import __version__
from erpsync_gui.app import startup_gc
from erpsync_gui.cli_commands import COMMANDS, Context
from erpsync_gui.cli_deletes import add_deletes_parser, cmd_deletes
from erpsync_gui.cli_profile import add_profile_parser, cmd_profile
from erpsync_gui.cli_reports import cmd_help
from erpsync_gui.cli_service import add_service_parser, cmd_service
from erpsync_gui.cli_undo import add_undo_parser, cmd_undo
from erpsync_gui.errors import ConfigError, ERPSyncError

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="erpsync", description="Keep a CRM and an ERP in sync.")
    p.add_argument("--version", action="version", version=f"erpsync {__version__}")
    p.add_argument("--data-dir", help="where the state database and demo files live (default: per-user data dir)")
    p.add_argument("--store-url", help="SQLAlchemy URL of the state database (default: SQLite in the data dir)")
    p.add_argument("--profile", help="profile name (default: the only or first profile)")
    p.add_argument("-v", "--verbose", action="count", default=0, help="more output (-vv for debug)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    config = sub.add_parser("config", help="import or export a profile file, or write its schema").add_subparsers(
        dest="config_command", required=True, metavar="ACTION")
    c = config.add_parser("import", help="create or replace a profile from a TOML or JSON file")
    c.add_argument("file", type=Path)
    c = config.add_parser("export", help="write the profile as TOML or JSON (never with secrets)")
    c.add_argument("file", type=Path, nargs="?")
    c.add_argument("--format", choices=("toml", "json"))
    c = config.add_parser("schema", help="write the profile file's JSON Schema (for an editor to check a file)")
    c.add_argument("file", type=Path, nargs="?")

    add_profile_parser(sub)

    secret = sub.add_parser("secret", help="store connection secrets in the OS keyring").add_subparsers(
        dest="secret_command", required=True, metavar="ACTION")
    c = secret.add_parser("set", help="read the value from standard input into the keyring")
    c.add_argument("name", help="side.name, e.g. erp.token, erp.client_token, crm.db_password")
    c = secret.add_parser("delete", help="remove a secret from the keyring")
    c.add_argument("name")
    secret.add_parser("list", help="which secrets the profile needs and which are stored (never the values)")

    sub.add_parser("test", help="test both connections: reachable, authenticated, latency, and what the CRM "
                               "lacks for the profile's entities")

    crm = sub.add_parser("crm", help="changes to the CRM database the product needs").add_subparsers(
        dest="crm_command", required=True, metavar="ACTION")
    c = crm.add_parser("add-markers", help="add the origin marker columns (external_id, external_channel) to the "
                                           "CRM tables that lack them: shows the SQL, asks, then runs it")
    c.add_argument("--entity", "-e", action="append", help="only this entity's table (repeatable)")
    c.add_argument("--print-sql", action="store_true", help="only print the SQL (for a DBA); change nothing")
    c.add_argument("--yes", action="store_true", help="run the SQL without asking")
    c = crm.add_parser("export-unmarked", help="send to the ERP the records made in the CRM itself (no origin "
                                               "marker, never sent), per entity, and only those")
    c.add_argument("--entity", "-e", action="append", required=True, help="entity to export (repeatable)")
    c.add_argument("--dry-run", action="store_true", help="only count them; send nothing")

    auth = sub.add_parser("auth", help="log in to an OAuth2 endpoint through the browser").add_subparsers(
        dest="auth_command", required=True, metavar="ACTION")
    c = auth.add_parser("login", help="authorize ERPSync in the system browser and store the tokens in the keyring")
    c.add_argument("--side", choices=("erp", "crm"), default="erp", help="which endpoint (default: erp)")
    c.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the browser login")
    c.add_argument("--no-browser", action="store_true", help="only print the URL to open")

    c = sub.add_parser("sync", help="sync one or more entities")
    c.add_argument("--entity", "-e", action="append", required=True,
                   help="entity to sync (repeatable); 'all' for every enabled entity in dependency order")
    c.add_argument("--direction", choices=("import", "export", "both"),
                   help="import = ERP to CRM, export = CRM to ERP (default: the entity's setting)")
    c.add_argument("--dry-run", action="store_true", help="show the plan, write nothing")
    c.add_argument("--full", action="store_true", help="ignore the stored cursors and compare everything")
    c.add_argument("--yes", action="store_true",
                   help="apply without the preview a first sync, or a run past the mass-change brake, stops for")
    c.add_argument("--json", action="store_true", help="machine-readable result")

    add_undo_parser(sub)
    add_deletes_parser(sub)

    c = sub.add_parser("status", help="profile, endpoints, last runs and today's statistics")
    c.add_argument("--json", action="store_true")
    c = sub.add_parser("errors", help="errors grouped by cause, with counts")
    c.add_argument("--json", action="store_true")
    c.add_argument("--all", action="store_true", help="include resolved errors")
    c = sub.add_parser("log", help="the sync log")
    c.add_argument("--level", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    c.add_argument("--entity")
    c.add_argument("--limit", type=int, default=50)
    c = sub.add_parser("cleanup", help="delete log lines older than N days")
    c.add_argument("--days", type=_keep_days, default=30, help="1 to 3650 (default 30)")

    c = sub.add_parser("demo", help="set up the demo profile (sandbox ERP + demo CRM) and sync it")
    c.add_argument("--serve", action="store_true",
                   help="afterwards keep the sandbox ERP serving on --port until Ctrl-C")
    c.add_argument("--port", type=int, default=8765)
    c.add_argument("--no-sync", action="store_true", help="only set up; do not run the first sync")
    c.add_argument("--erp", choices=("sandbox", "tryton"), default="sandbox",
                   help="the demo's ERP: the built-in sandbox, or a local Tryton (needs the tryton extra)")

    c = sub.add_parser("help", help="the user guide (the desktop app's F1 pages) as text")
    c.add_argument("topic", nargs="?", help="a topic, e.g. troubleshooting; without one: the list of topics")
    add_service_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if argv is None and args.command == "sync":
        startup_gc.hold()  # the command's own process (its script): no collections while the sync starts
    console = _console_logging(args.verbose)
    ctx = Context(args)
    try:
        command = {**COMMANDS, "help": cmd_help, "service": cmd_service, "undo": cmd_undo,
                   "deletes": cmd_deletes, "profile": cmd_profile}[args.command]
        return command(ctx, args)
    except ConfigError as exc:
        _fail(args, exc, "configuration")
        return EXIT_CONFIG
    except ERPSyncError as exc:
        _fail(args, exc, "error")
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        startup_gc.end()
        ctx.close()
        logger = logging.getLogger("erpsync")
        logger.removeHandler(console)
        logger.setLevel(logging.NOTSET)


def _fail(args: argparse.Namespace, exc: ERPSyncError, label: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"error": exc.message, "kind": exc.kind, "hint": exc.hint}, ensure_ascii=False))
    print(f"{label} error: {exc.message}", file=sys.stderr)
    if exc.hint:
        print(f"  what to do: {exc.hint}", file=sys.stderr)


def _keep_days(text: str) -> int:
    """`cleanup --days`: a whole number of days from 1 to 3650 (-1 would delete every log line)."""
    from erpsync_gui.store.queries import MAX_KEEP_DAYS, MIN_KEEP_DAYS

    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not MIN_KEEP_DAYS <= days <= MAX_KEEP_DAYS:
        raise argparse.ArgumentTypeError(f"{days} is not a number of days from {MIN_KEEP_DAYS} to {MAX_KEEP_DAYS}")
    return days


def _console_logging(verbose: int) -> logging.Handler:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(level)
    if verbose == 0:  # per-record failures belong in the log and the errors view, not on the console
        handler.addFilter(lambda record: not getattr(record, "per_record", False))
    root = logging.getLogger("erpsync")
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    return handler


if __name__ == "__main__":
    sys.exit(main())

