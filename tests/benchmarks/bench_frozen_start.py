"""Start-up time of the frozen app: from launching the executable to its main window's first paint (the app
logs "Main window shown" then) and to the window filled ("Main window ready": the state database open and every
page built), and the size of the one-folder build.

    python tests/benchmarks/bench_frozen_start.py dist/ERPSync/ERPSync [--runs 5] [--offscreen]

The first launch is on a new data directory (state database created and migrated), the later ones on the
same directory, as a user's every later start is. Under Xvfb with the real X11 platform plugin when Xvfb is
installed, else offscreen. The files were just read by the build, so the OS's file cache is warm: a first
start after a reboot reads ~170 MB from disk on top of this.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from erpsync_gui.app.crash_log import CRASH_LOG

SHOWN = "Main window shown"
TIMEOUT_S = 120.0
#: how long after the window is shown a later line may still come
LATER_LINES_WAIT_S = 10.0
#: logged once the state database is open and every page is built (a build that builds everything before showing
#: the window never logs it: there, shown is filled)
READY = "Main window ready"


def bundle_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def start_xvfb() -> tuple[subprocess.Popen, str] | None:
    if shutil.which("Xvfb") is None:
        return None
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    number = xvfb.stdout.readline().strip()
    if not number.isdigit():
        xvfb.kill()
        return None
    return xvfb, f":{number}"


def crash_report(data_dir: Path) -> str:
    """The app's report of a native crash (the stack of each thread), to print beside its exit code."""
    report = data_dir / "logs" / CRASH_LOG
    text = report.read_text(encoding="utf-8", errors="replace").strip() if report.exists() else ""
    return f"; its crash report ({report}):\n{text[-6000:]}" if text else "; it left no crash report"


def launch_to_lines(command: list[str], data_dir: Path, env: dict[str, str], lines: tuple[str, ...] = (SHOWN,),
                    cwd: Path | None = None) -> dict[str, float]:
    """Seconds from starting `command` to each of `lines` appearing (once more) in the app's log file; a line the
    app never writes is left out once the first one has come and the process has had a moment to write it."""
    log_file = data_dir / "logs" / "erpsync-gui.log"
    text = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
    already = {line: text.count(line) for line in lines}
    found: dict[str, float] = {}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < TIMEOUT_S:
            text = log_file.read_text(encoding="utf-8") if log_file.exists() else ""
            now = time.perf_counter() - started
            for line in lines:
                if line not in found and text.count(line) > already[line]:
                    found[line] = now
            if len(found) == len(lines) or (found and now - min(found.values()) > LATER_LINES_WAIT_S):
                return found
            if process.poll() is not None:
                raise SystemExit(f"the app ended with code {process.returncode} before showing its window"
                                 f"{crash_report(data_dir)}")
            time.sleep(0.005)
        raise SystemExit(f"no window within {TIMEOUT_S:g} s")
    finally:
        process.kill()
        process.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("app", type=Path, help="the frozen executable (dist/ERPSync/ERPSync)")
    p.add_argument("--runs", type=int, default=5, help="launches in all, the first on a new data directory")
    p.add_argument("--offscreen", action="store_true", help="use the offscreen platform even where Xvfb exists")
    args = p.parse_args(argv)
    app = args.app.resolve()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHON_KEYRING_BACKEND", "ERPSYNC_DATA_DIR")}
    xvfb = None if args.offscreen else start_xvfb()
    if xvfb is not None:
        env.update(QT_QPA_PLATFORM="xcb", DISPLAY=xvfb[1])
        platform = f"xcb on Xvfb {xvfb[1]}"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
        platform = "offscreen"
    try:
        with tempfile.TemporaryDirectory(prefix="erpsync-bench-start-") as tmp:
            env["XDG_CONFIG_HOME"] = str(Path(tmp) / "config")
            data = Path(tmp) / "data"
            runs = [launch_to_lines([str(app), "--data-dir", str(data)], data, env, (SHOWN, READY))
                    for _ in range(max(1, args.runs))]
    finally:
        if xvfb is not None:
            xvfb[0].terminate()
            xvfb[0].wait(timeout=10)
    times = [run[SHOWN] for run in runs]
    filled = [run[READY] for run in runs if READY in run]
    later = times[1:]
    print(f"frozen app: {app}")
    print(f"bundle size: {bundle_size(app.parent) / 1_000_000:.0f} MB ({app.parent})")
    print(f"platform: {platform}")
    print(f"launch to main window shown, first start (new data directory): {times[0]:.2f} s")
    if later:
        print(f"later starts: median {statistics.median(later):.2f} s, best {min(later):.2f} s "
              f"({len(later)} runs: {', '.join(f'{t:.2f}' for t in later)})")
    if len(filled) == len(runs) and len(runs) > 1:
        print(f"window filled (store open, every page built): first start {filled[0]:.2f} s, later starts median "
              f"{statistics.median(filled[1:]):.2f} s ({', '.join(f'{t:.2f}' for t in filled[1:])})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
