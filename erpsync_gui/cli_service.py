"""`erpsync service ...`: run the headless service, install it (a Windows service, or a systemd unit on Linux),
and queue a read in parts of a very large entity."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from erpsync_gui.cli_commands import Context

EXIT_OK, EXIT_FAILED = 0, 1


def add_service_parser(sub: argparse._SubParsersAction) -> None:
    service = sub.add_parser("service", help="the headless service for an office server").add_subparsers(
        dest="service_command", required=True, metavar="ACTION")
    c = service.add_parser("run", help="run the schedule, the webhook receivers, the control API and workers")
    c.add_argument("--worker-only", action="store_true", help="only run workers (more processes or machines)")
    c.add_argument("--concurrency", type=int, help="syncs this process runs side by side (default 4)")
    c.add_argument("--name", help="this worker's name in the queue and the log")
    c.add_argument("--control-host", help="control API address (default 127.0.0.1)")
    c.add_argument("--control-port", type=int, help="control API port (default 8780)")
    c.add_argument("--tls-cert", type=Path, help="PEM certificate: the control API speaks HTTPS")
    c.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    c.add_argument("--config", type=Path, help="a TOML file of service settings (default: service.toml in the "
                   "data directory)")
    for action, text in (("install", "install the service (Windows service, or the systemd unit on Linux)"),
                         ("start", "start the installed service"), ("stop", "stop the installed service"),
                         ("remove", "remove the installed service")):
        c = service.add_parser(action, help=text)
        if action == "install":
            c.add_argument("--dry-run", action="store_true", help="print what would be installed (the unit file)")
            c.add_argument("--user", default="erpsync", help="the account the service runs as (Linux)")
    c = service.add_parser("token", help="print the control API's token (for the tray app's service setting)")
    c = service.add_parser("partition", help="queue a read of a very large entity in parts (id ranges, or "
                           "update-time ranges over REST)")
    c.add_argument("--entity", "-e", required=True)
    c.add_argument("--parts", type=int, default=4, help="how many id ranges (default 4)")
    c.add_argument("--side", choices=("crm", "erp"),
                   help="the side read in parts (default: the first side the entity's direction reads)")


def cmd_service(ctx: Context, args: argparse.Namespace) -> int:
    action = args.service_command
    if action == "run":
        return _run(ctx, args)
    if action == "token":
        from erpsync_gui.app.headless.settings import control_token

        print(control_token(ctx.secrets))
        return EXIT_OK
    if action == "partition":
        return _partition(ctx, args)
    from erpsync_gui.app.headless import systemd

    if action == "install" and args.dry_run:
        if sys.platform == "win32":  # pragma: no cover - exercised by the Windows workflow
            from erpsync_gui.app.headless.win_launch import is_frozen, service_command_line
            from erpsync_gui.app.headless.winservice import machine_data_dir

            program, arguments = service_command_line(frozen=is_frozen(), executable=sys.executable,
                                                      data_dir=machine_data_dir())
            print(f'service "ERPSync": "{program}" {arguments}, started at boot')
        else:
            sys.stdout.write(systemd.render_unit(user=args.user, data_dir=args.data_dir))
        return EXIT_OK
    if sys.platform == "win32":  # pragma: no cover - exercised by the Windows workflow
        from erpsync_gui.app.headless import winservice

        return winservice.control(action, ctx.data_dir, args.store_url)
    return systemd.control(action, user=getattr(args, "user", "erpsync"), data_dir=ctx.data_dir,
                           store_url=args.store_url)


def _settings(ctx: Context, args: argparse.Namespace):
    from erpsync_gui.app.headless.settings import SETTINGS_FILE, ServiceSettings

    overrides = {"store_url": args.store_url, "concurrency": args.concurrency, "name": args.name,
                 "control_host": args.control_host, "control_port": args.control_port,
                 "tls_cert": args.tls_cert, "tls_key": args.tls_key, "worker_only": args.worker_only or None}
    return ServiceSettings.load(args.config or ctx.data_dir / SETTINGS_FILE, overrides)


def _run(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.headless.process import HeadlessService
    from erpsync_gui.app.headless.service_log import close_service_log, open_service_log

    settings = _settings(ctx, args)
    handler = open_service_log(ctx.data_dir, ctx.secrets.known_secret_values)
    service = HeadlessService(settings, secrets=ctx.secrets, data_dir=ctx.data_dir)
    stopping = threading.Event()

    def stop(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        service.start()
        where = f"; control API {service.control.url}" if service.control is not None else ""
        print(f"ERPSync service {service.name} running{where}", flush=True)
        while not stopping.wait(0.5):
            if service.wait(0):
                print("the worker stopped; see the service log", file=sys.stderr)
                return EXIT_FAILED
        return EXIT_OK
    finally:
        service.stop()
        for sig, handler_before in previous.items():
            signal.signal(sig, handler_before)
        close_service_log(handler)


def _partition(ctx: Context, args: argparse.Namespace) -> int:
    from erpsync_gui.app.headless.partition_plan import queue_partitions
    from erpsync_gui.app.headless.queue import client_app, ensure_schema
    from erpsync_gui.errors import ConfigError
    from erpsync_gui.records import Side

    if not args.store_url:
        raise ConfigError("a read in parts runs on the service's workers", hint="give the service's --store-url")
    client = client_app(args.store_url)
    try:
        ensure_schema(ctx.store, client)
        queued = queue_partitions(client, ctx.service, args.profile or ctx.service.profile().name, args.entity,
                                  args.parts, side=Side(args.side) if args.side else None)
    finally:
        client.close()
    print(f"{args.entity}: {len(queued.job_ids)} parts of the {queued.side.value.upper()} side queued "
          f"(jobs {', '.join(map(str, queued.job_ids))}); the cursor moves when all have committed")
    return EXIT_OK
