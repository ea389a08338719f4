"""`erpsync-gui` and `python -m erpsync_gui`: start-up in a clear order - exception hook, arguments,
logging, then the window. Qt is imported only here, when the GUI is asked for."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="erpsync-gui", description="ERPSync desktop app")
    p.add_argument("--demo", action="store_true", help="open straight onto the demo profile")
    p.add_argument("--data-dir", help="where the state database and demo files live")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    from erpsync_gui.ui.app import run_gui

    code = run_gui(args)
    # Everything is closed and flushed by now (runs, scheduler, store, log). The interpreter's own final garbage
    # collection can still trip over a reference-count bug in the Qt bindings (seen as "bool_dealloc" at exit, about
    # one exit in six), so the process ends here instead of a crash report at every sixth Quit.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
