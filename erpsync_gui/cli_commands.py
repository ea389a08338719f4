"""The commands behind `erpsync`: each takes the context and the parsed arguments and returns an exit code."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from erpsync_gui.cli_reports import cmd_cleanup, cmd_demo, cmd_errors, cmd_log, cmd_status, print_json
from erpsync_gui.errors import ConfigError

if TYPE_CHECKING:  # the engine (and the state store it brings) loads only for a command that runs one
    from erpsync_gui.engine.types import ProgressEvent, RunResult

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
#: a run held by the mass-change brake or a first sync's preview: nothing was written
EXIT_HELD = 3


class Context:
    """Opens the store, secrets and service only when a command needs them."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._log_handler = None

    @cached_property
    def data_dir(self):
        from erpsync_gui.paths import data_dir

        return data_dir(self.args.data_dir)

    @cached_property
    def store(self):
        from erpsync_gui.store.db import open_store

        store = open_store(self.args.store_url, data_dir=self.data_dir)
        from erpsync_gui.http.ratelimit import keep_counts_in

        keep_counts_in(self.data_dir)  # a daily quota spent by the tray or an earlier run stays spent
        from erpsync_gui.store.log_handler import StoreLogHandler

        self._log_handler = StoreLogHandler(store, secrets=lambda: self.secrets.known_secret_values())
        logging.getLogger("erpsync").addHandler(self._log_handler)
        return store

    @cached_property
    def secrets(self):
        from erpsync_gui.secrets import SecretStore

        return SecretStore(demo_values=_demo_secrets)

    @cached_property
    def service(self):
        from erpsync_gui.app.service import SyncService

        return SyncService(self.store, self.secrets, self.data_dir)

    def close(self) -> None:
        if "service" in self.__dict__:
            self.service.close()
        if self._log_handler is not None:
            logging.getLogger("erpsync").removeHandler(self._log_handler)
            self._log_handler.close()
        if "store" in self.__dict__:
            self.store.close()


def _demo_secrets() -> dict[str, str]:
    """The sandbox's public demo tokens (loading the sandbox only when a keyring failure asks for them)."""
    from erpsync_gui.sandbox.tokens import DEMO_SECRETS

    return DEMO_SECRETS


# -- config and secrets --------------------------------------------------------------------------
def cmd_config(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.config_file import dump_profile, load_profile_file

    if args.config_command == "schema":
        from erpsync_gui.config.schema import schema_text

        return _write_or_print(schema_text(), args.file)
    if args.config_command == "import":
        profile = load_profile_file(args.file)
        saved = ctx.service.config.save_profile(profile)
        print(f"profile {saved.name!r} imported: {len(saved.entities)} entities")
        from erpsync_gui.app.connectors import needed_secrets

        missing = [f"{e.side.value}.{spec.name}" for e in (saved.crm, saved.erp) for spec in needed_secrets(saved, e)
                   if spec.required and not ctx.secrets.has(saved.name, e.side, spec.name)]
        if missing:
            print("secrets not stored yet (set them with `erpsync secret set NAME`): " + ", ".join(missing))
        return EXIT_OK
    fmt = args.format or ("json" if args.file and args.file.suffix.lower() == ".json" else "toml")
    return _write_or_print(dump_profile(ctx.service.profile(args.profile), fmt=fmt), args.file)


def _write_or_print(text: str, file: Path | None) -> int:
    if file:
        file.write_text(text, encoding="utf-8")
        print(f"written to {file}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_secret(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.connectors import needed_secrets
    from erpsync_gui.secrets import parse_secret_key

    profile = ctx.service.profile(args.profile)
    if args.secret_command == "list":
        for endpoint in (profile.crm, profile.erp):
            for spec in needed_secrets(profile, endpoint):
                stored = ctx.secrets.has(profile.name, endpoint.side, spec.name)
                state = "stored" if stored else ("not set (needed)" if spec.required else "not set")
                print(f"{endpoint.side.value}.{spec.name} ({spec.label}): {state}")
        return EXIT_OK
    side, name = parse_secret_key(args.name)
    used = {spec.name for spec in needed_secrets(profile, profile.endpoint(side))}
    if args.secret_command == "set" and name not in used:
        raise ConfigError(f"the {side.value.upper()} endpoint of profile {profile.name!r} uses no secret {name!r}",
                          hint="it uses: " + (", ".join(f"{side.value}.{n}" for n in sorted(used)) or "none"))
    if args.secret_command == "delete":
        removed = ctx.secrets.delete(profile.name, side, name)
        print("removed" if removed else "was not stored")
        return EXIT_OK
    value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise ConfigError("no value on standard input", hint=f"echo VALUE | erpsync secret set {args.name}")
    ctx.secrets.set(profile.name, side, name, value)
    print(f"{side.value}.{name} stored in the OS keyring for profile {profile.name!r}")
    return EXIT_OK


# -- connections and syncs -----------------------------------------------------------------------
def cmd_test(ctx: Context, args: argparse.Namespace) -> int:
    results = ctx.service.test_connections(args.profile)
    for side, r in results.items():
        latency = f"{r.latency_ms:.0f} ms" if r.latency_ms is not None else "-"
        mark = "OK  " if r.ok else "FAIL"
        print(f"{mark} {side.value.upper()}: reachable={'yes' if r.reachable else 'no'} "
              f"authenticated={'yes' if r.authenticated else 'no'} latency={latency} - {r.message}")
        for line in r.details:
            print(f"       {line}")
    return EXIT_OK if all(r.ok for r in results.values()) else EXIT_FAILED


def cmd_crm(ctx: Context, args: argparse.Namespace) -> int:
    """`crm add-markers`: the DDL that adds the origin marker columns, shown first, run only when confirmed;
    `crm export-unmarked`: the records made in the CRM itself sent to the ERP, per entity."""
    if args.crm_command == "export-unmarked":
        return _export_unmarked(ctx, args)
    from erpsync_gui.app.crm_schema import add_markers, marker_plan

    profile = ctx.service.profile(args.profile)
    plan = marker_plan(ctx.service, profile, args.entity)
    if not plan.changes:
        print("every table already has the marker columns external_id and external_channel")
        return EXIT_OK
    if args.print_sql:
        sys.stdout.write(plan.sql_text())
        return EXIT_OK
    print("These statements add the marker columns external_id and external_channel:")
    for change in plan.changes:
        print(f"  {change.table} ({change.entity}): {', '.join(change.missing)}")
    print()
    sys.stdout.write(plan.sql_text())
    if not args.yes:
        print("\nRun them on the CRM database now? Type yes to go on: ", end="", flush=True)
        if sys.stdin.readline().strip().lower() != "yes":
            print("nothing was changed")
            return EXIT_FAILED
    done = add_markers(ctx.service, profile, args.entity)
    print(f"added the marker columns to {len(done.changes)} table{'s' if len(done.changes) != 1 else ''}")
    return EXIT_OK


def _export_unmarked(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.export_unmarked import export_unmarked

    ok = True
    for entity in args.entity:
        done = export_unmarked(ctx.service, entity, args.profile, dry_run=args.dry_run)
        if done.run is None:
            verb = "would be sent" if done.crm_ids else "nothing to send"
            print(f"{entity}: {len(done.crm_ids)} unmarked record(s); {verb}")
            continue
        counts = done.run.counts
        print(f"{entity}: {len(done.crm_ids)} unmarked record(s): {counts.get('inserted', 0)} created in the ERP, "
              f"{counts.get('linked', 0)} linked to an existing one, {counts.get('failed', 0)} failed"
              + (f" ({done.run.message})" if done.run.message and counts.get("failed") else ""))
        ok = ok and done.run.status == "success"
    return EXIT_OK if ok else EXIT_FAILED


def open_browser(url: str) -> bool:
    """Open `url` in the system browser (tests replace this)."""
    import webbrowser

    return webbrowser.open(url)


def cmd_auth(ctx: Context, args: argparse.Namespace) -> int:
    """`auth login`: the OAuth2 code flow with PKCE; the tokens go to the keyring, the status to the store."""
    from erpsync_gui.app.oauth_login import sign_in
    from erpsync_gui.records import Side

    side = Side(args.side)

    def announce(url: str) -> None:
        print(f"Log in to the {side.value.upper()} system in the browser; if none opens, visit:\n  {url}")
        sys.stdout.flush()

    outcome = sign_in(ctx.service, args.profile, side,
                      open_browser=(lambda _url: False) if args.no_browser else (lambda url: open_browser(url)),
                      announce=announce, timeout=args.timeout)
    print(f"{side.value.upper()} endpoint of profile {outcome.profile.name!r}: {outcome.status.status} "
          f"({outcome.status.message}); the refresh token is stored in the OS keyring")
    return EXIT_OK


def _entities(ctx: Context, args: argparse.Namespace) -> list[str]:
    profile = ctx.service.profile(args.profile)
    if "all" in args.entity:
        from erpsync_gui.app.scheduled_run import dependency_order

        return dependency_order([e.entity for e in profile.entities if e.enabled])
    from erpsync_gui.entities import ENTITIES

    for name in args.entity:
        if name not in ENTITIES:
            raise ConfigError(f"unknown entity {name!r}", hint="known: " + ", ".join(ENTITIES))
    return list(args.entity)


def _progress_printer(enabled: bool) -> Callable[[ProgressEvent], None] | None:
    if not enabled:
        return None
    last = [0.0]

    def show(event: ProgressEvent) -> None:
        now = time.monotonic()
        if event.phase not in ("finished", "starting") and now - last[0] < 1.0:
            return
        last[0] = now
        total = f"/{event.total}" if event.total else ""
        eta = f", about {event.eta_seconds:.0f} s left" if event.eta_seconds else ""
        print(f"  {event.entity}: {event.processed}{total} read, {event.inserted} created, {event.updated} "
              f"updated, {event.failed} failed{eta}", file=sys.stderr)

    return show


def cmd_sync(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.records import Direction

    direction = Direction(args.direction) if args.direction else None
    results: list[RunResult] = []
    for entity in _entities(ctx, args):
        result = ctx.service.sync(entity, profile_name=args.profile, direction=direction,
                                  dry_run=args.dry_run, trigger="cli", full=args.full, approved=args.yes,
                                  progress=_progress_printer(sys.stderr.isatty() and not args.json))
        results.append(result)
        if not args.json:
            _print_result(result)
    if args.json:
        print_json([_result_json(r) for r in results])
    if any(r.error_kind == "config" for r in results):
        return EXIT_CONFIG  # the settings need fixing before anything can sync
    if any(r.held for r in results):
        return EXIT_HELD  # nothing written: a person reviews the preview and runs again with --yes
    return EXIT_OK if all(r.status == "success" for r in results) else EXIT_FAILED


def _print_result(r: RunResult) -> None:
    c = r.counts
    title = "DRY RUN " if r.dry_run else ("PREVIEW " if r.held else "")
    print(f"{title}{r.entity} ({r.direction.value}): {r.status.upper()} in {r.duration_s:.1f} s - "
          f"{c['processed']} read, {c['inserted']} created, {c['updated']} updated, {c['linked']} linked, "
          f"{c['skipped'] - c['linked']} unchanged, {c['conflicts']} conflicts, {c['failed']} failed")
    if r.message:
        print(f"  {r.message}")
    for item in r.plan[:200]:
        target = item.write_side.value.upper() if item.write_side else "-"
        ident = f"crm {item.crm_id or '-'} / erp {item.erp_id or '-'}"
        print(f"  {item.action.value:<13} -> {target:<3} {ident}: {item.reason}")
        for change in item.changes[:12]:
            print(f"      {change.field}: {change.before!r} -> {change.after!r}")
        if item.error is not None:
            print(f"      error: {item.error}")
    if r.plan_truncated or len(r.plan) > 200:
        print(f"  ... and {r.plan_truncated + max(0, len(r.plan) - 200)} more planned changes")


def _result_json(r: RunResult) -> dict:
    return {
        "run_id": r.run_id, "entity": r.entity, "direction": r.direction.value, "status": r.status,
        "dry_run": r.dry_run, "counts": dict(r.counts), "message": r.message,
        "duration_s": round(r.duration_s, 3),
        "plan": [{"action": i.action.value, "crm_id": i.crm_id, "erp_id": i.erp_id,
                  "write_side": i.write_side.value if i.write_side else None, "reason": i.reason,
                  "changes": [{"field": c.field, "before": c.before, "after": c.after} for c in i.changes],
                  "error": str(i.error) if i.error else None} for i in r.plan],
        "plan_truncated": r.plan_truncated, "error_kind": r.error_kind,
        "brake": None if r.brake is None else {"changes": r.brake.changes, "linked": r.brake.linked,
                                               "limit": r.brake.limit, "first_sync": r.brake.first_sync,
                                               "held": r.brake.held},
    }


COMMANDS: dict[str, Callable[[Context, argparse.Namespace], int]] = {
    "config": cmd_config, "secret": cmd_secret, "test": cmd_test, "crm": cmd_crm, "auth": cmd_auth,
    "sync": cmd_sync,
    "status": cmd_status, "errors": cmd_errors, "log": cmd_log, "cleanup": cmd_cleanup, "demo": cmd_demo,
}
