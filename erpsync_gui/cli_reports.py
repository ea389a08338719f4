"""The reading commands of `erpsync` (status, errors, log, cleanup, help) and `demo`."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from erpsync_gui.cli_commands import Context
    from erpsync_gui.store.config_repo import EndpointStatus

EXIT_OK, EXIT_FAILED = 0, 1


def print_json(value) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.store.queries import daily_stats, last_runs_per_entity

    profile = ctx.service.profile(args.profile)
    last = last_runs_per_entity(ctx.store, profile.id)
    stats = daily_stats(ctx.store, profile.id, days=7)
    health = ctx.service.config.endpoint_status(profile.id)
    if args.json:
        print_json({
            "profile": profile.name,
            "endpoints": {e.side.value: {"kind": e.kind, "url": e.url, **_health_json(health.get(e.side))}
                          for e in (profile.crm, profile.erp)},
            "entities": [{"entity": e.entity, "enabled": e.enabled, "direction": e.direction.value,
                          "policy": e.policy, "last_run": _run_json(last.get(e.entity))}
                         for e in profile.entities],
            "daily": [vars(s) if not hasattr(s, "__dataclass_fields__") else _dc(s) for s in stats],
        })
        return EXIT_OK
    print(f"profile {profile.name!r}{' (demo)' if profile.demo else ''}")
    for e in (profile.crm, profile.erp):
        print(f"  {e.side.value.upper()}: {e.kind} {e.url} - {_health_text(health.get(e.side))}")
    print("entities:")
    for e in profile.entities:
        run = last.get(e.entity)
        when = f"last run {run.started_at:%Y-%m-%d %H:%M} {_run_state(run)}" if run else "never synced"
        flag = "" if e.enabled else " (disabled)"
        print(f"  {e.entity:<15} {e.direction.value:<7} {e.policy:<12} {when}{flag}")
    if stats:
        print("last 7 days:")
        for s in stats:
            print(f"  {s.day} {s.entity:<15} {s.status:<8} inserted {s.inserted}, updated {s.updated}, "
                  f"failed {s.failed} ({s.runs} runs)")
    return EXIT_OK


def _health_json(status: EndpointStatus | None) -> dict[str, object]:
    if status is None:
        return {"status": None, "message": None, "last_tested_at": None}
    tested = status.tested_at.isoformat() if status.tested_at else None
    return {"status": status.status, "message": status.message, "last_tested_at": tested}


def _health_text(status: EndpointStatus | None) -> str:
    """"connected, tested 2026-12-01 14:02 (message)" in local time; "never tested" before the first test."""
    if status is None:
        return "never tested"
    word = {"active": "connected", "expired": "sign-in expired"}.get(status.status, status.status)
    when = f"tested {status.tested_at.astimezone():%Y-%m-%d %H:%M}" if status.tested_at else "never tested"
    if status.tested_at is None and status.status == "active" and not status.message:
        return when
    return f"{word}, {when}" + (f" ({status.message})" if status.message else "")


def cmd_help(ctx: Context, args: argparse.Namespace) -> int:
    """`erpsync help [topic]`: a page of the bundled user guide, or the list of topics."""
    from erpsync_gui.help_text import topic_text, topics_text

    print(topic_text(args.topic) if args.topic else topics_text(), end="")
    return EXIT_OK


def _run_state(run) -> str:
    """A run's status; an interrupted run says how far it got (its process ended before it finished)."""
    if run.status != "interrupted":
        return run.status
    return (f"interrupted (its process ended mid-run; {run.inserted} created, {run.updated} updated, "
            f"{run.failed} failed were recorded; the next run carries on)")


def _dc(value) -> dict:
    from dataclasses import asdict

    return asdict(value)


def _run_json(run) -> dict | None:
    return None if run is None else _dc(run)


def cmd_errors(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.store.queries import grouped_errors

    profile = ctx.service.profile(args.profile)
    groups = grouped_errors(ctx.store, profile.id, include_resolved=args.all)
    if args.json:
        print_json([_dc(g) for g in groups])
        return EXIT_OK
    if not groups:
        print("no open errors")
        return EXIT_OK
    for g in groups:
        ids = ", ".join([*(f"crm {i}" for i in g.crm_ids[:5]), *(f"erp {i}" for i in g.erp_ids[:5])])
        print(f"{g.count:>6} x {g.entity} [{g.error_kind}] {g.message}")
        print(f"         first {g.first_seen:%Y-%m-%d %H:%M}, last {g.last_seen:%Y-%m-%d %H:%M}; records: {ids}")
    return EXIT_OK


def cmd_log(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.store.log_handler import query_log

    for line in query_log(ctx.store, level=args.level, entity=args.entity, limit=args.limit):
        print(f"{line.created_at:%Y-%m-%d %H:%M:%S} {line.level:<7} {line.entity or '-':<12} {line.message}")
    return EXIT_OK


def cmd_cleanup(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.store.queries import cleanup_logs

    deleted = cleanup_logs(ctx.store, args.days)
    print(f"{deleted} log line{'' if deleted == 1 else 's'} older than {args.days} day{'' if args.days == 1 else 's'} "
          "deleted")
    return EXIT_OK


def cmd_demo(ctx: Context, args: argparse.Namespace) -> int:
    """Set up the demo profile, run a first sync of every demo entity, and say what to try next."""
    from erpsync_gui.app.demo import setup_demo
    from erpsync_gui.cli_commands import _print_result, _progress_printer

    if getattr(args, "erp", "sandbox") == "tryton":
        return _tryton_demo(ctx, args)
    profile = setup_demo(ctx.store, ctx.secrets, ctx.data_dir)
    print(f"demo profile ready (data in {ctx.data_dir})")
    print(f"  CRM: {profile.crm.url}")
    print("  ERP: the built-in sandbox (a local REST server with ~300 clients, products and invoices)")
    if not args.no_sync:
        for entity in profile.entities:
            result = ctx.service.sync(entity.entity, profile_name=profile.name, trigger="cli",
                                      progress=_progress_printer(sys.stderr.isatty()))
            _print_result(result)
        exe = _invoked_as()
        print(f"\nNext: `{exe} status`, `{exe} errors`, `{exe} sync -e clients --dry-run`, `{exe} sync -e all`, "
              f"or the window: `{exe}-gui --demo`")
    if args.serve:
        _serve(ctx, args.port)
    # the demo data holds a few records that cannot sync on purpose (to show the errors view): not a failure
    return EXIT_OK


def _tryton_demo(ctx: Context, args: argparse.Namespace) -> int:
    """The demo with a local Tryton as the ERP: served while the command runs (with --serve until Ctrl-C)."""
    from erpsync_gui.app.tryton_demo import start_tryton_demo
    from erpsync_gui.cli_commands import _print_result, _progress_printer

    print("setting up Tryton (the first time this creates its database, about a minute)…", file=sys.stderr)
    demo = start_tryton_demo(ctx.store, ctx.secrets, ctx.data_dir)
    try:
        profile = demo.profile
        print(f"Tryton demo profile {profile.name!r} ready (data in {ctx.data_dir})")
        print(f"  CRM: {profile.crm.url}")
        print(f"  ERP: Tryton at {demo.server.url} (database {demo.server.database}, user admin; the password "
              "is in the keyring)")
        status = EXIT_OK
        if not args.no_sync:
            for entity in profile.entities:
                # asking for the demo is the person's approval of its first sync
                result = ctx.service.sync(entity.entity, profile_name=profile.name, trigger="cli", approved=True,
                                          progress=_progress_printer(sys.stderr.isatty()))
                _print_result(result)
                status = max(status, EXIT_OK if result.status == "success" else EXIT_FAILED)
        if args.serve:
            print(f"Tryton serving at {demo.server.url}; Ctrl-C stops it")
            with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is the way to stop it
                threading.Event().wait()
        return status
    finally:
        demo.close()


def _invoked_as() -> str:
    """The command as the person typed it (e.g. .venv/bin/erpsync), so the hints can be pasted as they are."""
    import os

    argv0 = sys.argv[0] if sys.argv else ""
    if os.path.basename(argv0) != "erpsync":
        return "erpsync"
    relative = os.path.relpath(argv0)
    return relative if not relative.startswith("..") else argv0


def _serve(ctx: Context, port: int) -> None:
    from erpsync_gui.sandbox.server import SandboxServer
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN, DEMO_CLIENT_TOKEN

    ctx.service.sandbox.stop()
    server = SandboxServer(ctx.service.sandbox.db_path, port=port).start()
    print(f"sandbox ERP serving at {server.url}index.php/api/ (Bearer {DEMO_AUTH_TOKEN}, "
          f"X-Client-Token {DEMO_CLIENT_TOKEN}); Ctrl-C to stop")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
