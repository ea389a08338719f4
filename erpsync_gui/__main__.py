"""`erpsync-gui` and `python -m erpsync_gui`: start-up in a clear order - exception hook, arguments,
logging, then the window. Qt is imported only here, when the GUI (or its self-test) is asked for; the options
the installers run (`--start-at-login`, `--remove-user-data`) need no Qt at all."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

log = logging.getLogger("erpsync")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="erpsync-gui", description="ERPSync desktop app")
    p.add_argument("--demo", action="store_true", help="open straight onto the demo profile")
    p.add_argument("--data-dir", help="where the state database and demo files live")
    p.add_argument("--minimized", action="store_true",
                   help="start in the system tray without showing the window (how start at login starts it); "
                        "where there is no tray the window opens as usual")
    p.add_argument("--self-test", action="store_true",
                   help="check this installation (modules, resources, keyring, state store and migrations, "
                        "scheduler, the window drawn offscreen) in a temporary folder, print the result, "
                        "exit 0 when everything is there")
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="with --self-test: also write the result to FILE (a windowed Windows build has no "
                        "console to print to)")
    p.add_argument("--start-at-login", choices=("on", "off"),
                   help="turn start at login (in the tray) on or off for this user, then exit")
    p.add_argument("--remove-user-data", action="store_true",
                   help="delete this user's ERPSync data, logs, cache and keyring entries, then exit "
                        "(what the uninstaller's 'remove my data' runs)")
    args = p.parse_args(argv)
    if args.report is not None and not args.self_test:
        p.error("--report goes with --self-test")
    return args


def _log_uncaught(kind: type[BaseException], exc: BaseException, tb) -> None:
    """Uncaught exceptions (also those raised in Qt slots) go to the log, and so into the log file."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    log.critical("Unexpected error", exc_info=(kind, exc, tb))


def _configure_logging(level: int) -> None:
    # a windowed Windows build has no stderr at all: then only the log file (set up by the GUI) gets lines
    handler: logging.Handler = logging.StreamHandler() if sys.stderr is not None else logging.NullHandler()
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])


def _say(text: str) -> None:
    if sys.stdout is not None:
        print(text, flush=True)


def _start_at_login(on: bool) -> int:
    from erpsync_gui.app import autostart
    from erpsync_gui.errors import ERPSyncError

    try:
        autostart.enable() if on else autostart.disable()
    except ERPSyncError as exc:
        log.error("%s", exc)
        return 2
    _say(f"start at login is {'on' if autostart.is_enabled() else 'off'}")
    return 0


def _remove_user_data(data_dir: str | None) -> int:
    from erpsync_gui.app.user_data import remove_user_data
    from erpsync_gui.paths import data_dir as resolve_data_dir
    from erpsync_gui.secrets import SecretStore

    result = remove_user_data(resolve_data_dir(data_dir), SecretStore())
    _say(f"removed {result.secrets_deleted} keyring entries and "
         f"{len(result.folders_deleted)} folders: {', '.join(map(str, result.folders_deleted)) or 'none'}")
    for problem in result.problems:
        log.error("%s", problem)
    return 0 if result.ok else 1


def _end(code: int) -> int:
    # Everything is closed and flushed by now (runs, scheduler, store, log). The interpreter's own final garbage
    # collection can still trip over a reference-count bug in the Qt bindings (seen as "bool_dealloc" at exit, about
    # one exit in six), so the process ends here instead of a crash report at every sixth Quit.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    sys.excepthook = _log_uncaught
    from erpsync_gui.app.headless.win_launch import route

    given = list(sys.argv[1:] if argv is None else argv)
    started_as = route(given)
    if started_as == "host":  # the service control manager starts the frozen app as the Windows service
        from erpsync_gui.app.headless import winservice

        winservice.main(given[1:])
        return 0
    if started_as == "cli":  # ERPSync.exe service install|start|stop|remove
        from erpsync_gui.cli import main as cli_main

        return cli_main(given)
    args = _parse(argv)
    if args.start_at_login:
        _configure_logging(logging.WARNING)
        return _start_at_login(args.start_at_login == "on")
    if args.remove_user_data:
        _configure_logging(logging.WARNING)
        return _remove_user_data(args.data_dir)
    if args.self_test:
        # drawn offscreen, so it works on a server and in CI and never flashes a window on a desktop
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        _configure_logging(logging.WARNING)
        from erpsync_gui.ui.self_test_window import run_self_test

        return _end(run_self_test(report=args.report))
    _configure_logging(logging.INFO)
    from erpsync_gui.ui.app import run_gui

    return _end(run_gui(args))


if __name__ == "__main__":
    sys.exit(main())
