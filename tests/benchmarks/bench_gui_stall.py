"""Benchmark P5: how long the GUI thread stalls while the window runs a 100k-client import.

The whole desktop app runs as a user starts it (`erpsync_gui.ui.app.run_gui`, drawn offscreen, with its log
table, scheduler and tray), on a profile that imports N clients from the sandbox ERP (its own process, paged by
its `cursor`, as a remote ERP would be) into a fresh SQLite CRM: the import of tests/benchmarks/bench_import.py.
A driver on the GUI thread opens the Sync page from the sidebar and clicks the clients row's Sync button, as a
person does. Meanwhile a 5 ms precise QTimer ticks on the GUI thread; each tick's lateness (the gap between two
ticks less 5 ms) is a stall of the event loop. It prints the worst, the 99th percentile and how many were over
50 ms, with the run's duration, the progress events the window received, and the machine's load. Nothing is
asserted: this prints (and writes the figures to --out).

    python tests/benchmarks/bench_gui_stall.py [--clients 100000] [--page 50] [--reps 1] [--quick] [--tour]
        [--tour-s S] [--before OLD_TREE] [--stacks] [--profile FILE] [--switch-ms MS] [--gc 2000,10,100]

Before the click the meter runs on the idle window (the machine's own noise), then beside a thread that only
spins in Python (the floor: any pure-Python worker in this process holds the interpreter lock the GUI thread's
every Python call needs, and on a loaded machine the holder is often waiting for a core). Both are printed
beside the run's figures, with the garbage collections of the run (wall and CPU time: a collection holds that
lock throughout). On 2 shared cores the figures follow the load: compare trees interleaved (`--before`, a folder
holding an older `erpsync_gui` and `resources`, e.g. from `git archive`), and read them with the floor.

`--quick` is the CI size: 10,000 clients. `--tour` also visits every page in turn during the run (a person
looking around), one every `--tour-s` seconds, and prints per page the worst stall of its first visit and of the
later ones (in the 0.5 s after its click: the click, the page's read arriving, its layout and paint), beside the
worst stall between the visits (the run alone). `--stacks` samples every thread during the stalls and prints where
they were, `--profile FILE` profiles the GUI thread (only it) during the run. `--switch-ms` and `--gc` replace what
the window sets while a run goes (erpsync_gui.ui.bridge), to compare. The first sync's review is switched off in the
profile: the benchmark times the import itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

TICK_MS = 5
#: the goal: no stall of the GUI thread longer than this
LIMIT_MS = 50
#: after the run ends the meter goes on this long (the pages refresh what the run changed)
TAIL_S = 2.0
#: a visit to the next page this often with --tour
TOUR_S = 2.5
#: a visit's stalls are those in this long after its click
VISIT_S = 0.5
SWITCH_ENV = "ERPSYNC_BENCH_SWITCH_MS"
BEFORE_ENV = "ERPSYNC_BENCH_BEFORE_TREE"
GC_ENV = "ERPSYNC_BENCH_GC_THRESHOLD"
#: threads that only sleep while a run goes (the scheduler's, the log's flush timer): left out of --stacks
_IDLE_THREADS = ("APScheduler", "erpsync-clock-watch", "log-flush")
#: the meter runs this long on the idle window before the click: the machine's own noise, for comparison
IDLE_S = 3.0
#: then this long beside a thread that only spins in Python: the floor any pure-Python worker of this process
#: sets (it holds the interpreter lock the GUI thread's every Python call needs)
SPIN_S = 4.0


# -- set-up, in the parent process (no Qt) -------------------------------------------------------------
def bench_profile(url: str, crm: Path, page: int) -> str:
    """The import of the P1 benchmark, its first sync not held for review (a person approves it at once)."""
    import dataclasses

    from erpsync_gui.app.config_file import dump_profile, loads_profile
    from tests.benchmarks.bench_import import profile_text

    profile = loads_profile(profile_text(url, crm, page), "toml")
    entities = tuple(dataclasses.replace(e, review_first_sync=False) for e in profile.entities)
    return dump_profile(dataclasses.replace(profile, entities=entities))


def prepare(url: str, work: Path, page: int, env: dict[str, str]) -> Path:
    """A fresh CRM and a data directory holding the profile and the ERP's token; returns the data directory."""
    from erpsync_gui.sandbox.tokens import DEMO_AUTH_TOKEN
    from tests.benchmarks.bench_import import _erpsync_argv, fresh_crm

    work.mkdir()
    crm = work / "crm.sqlite"
    fresh_crm(crm)
    (work / "profile.toml").write_text(bench_profile(url, crm, page))
    data = work / "data"
    subprocess.run(_erpsync_argv(data, "config", "import", str(work / "profile.toml")), check=True, env=env,
                   capture_output=True)
    subprocess.run(_erpsync_argv(data, "secret", "set", "erp.token"), input=DEMO_AUTH_TOKEN, check=True, env=env,
                   capture_output=True, text=True)
    return data


def crm_clients(data: Path) -> int:
    import sqlite3

    with sqlite3.connect(data.parent / "crm.sqlite") as db:
        return int(db.execute("SELECT count(*) FROM tblclients").fetchone()[0])


# -- the measured app, in a child process --------------------------------------------------------------
class StallMeter:
    """Ticks every 5 ms on the GUI thread and keeps each tick's lateness (gap less the interval), in ms."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.late_ms: list[float] = []
        #: when each tick came (perf_counter seconds), beside its lateness: stalls are charged to page visits
        self.at: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.late_ms.append(max(0.0, (now - self._last) * 1000 - TICK_MS))
        self.at.append(now)
        self._last = now

    def clear(self) -> None:
        self.late_ms.clear()
        self.at.clear()

    def worst_between(self, start: float, end: float) -> float:
        """The worst lateness of the ticks whose wait overlaps [start, end): a stall that began in it counts,
        also when it ended after it."""
        ticks = zip(self.at, self.late_ms, strict=True)
        return max((late for at, late in ticks if self._overlaps(at, late, start, end)), default=0.0)

    @staticmethod
    def _overlaps(at: float, late: float, start: float, end: float) -> bool:
        """Whether the wait of a tick that came at `at`, `late` ms late, overlaps [start, end)."""
        return at >= start and at - (late + TICK_MS) / 1000 < end

    def figures(self) -> dict:
        late = sorted(self.late_ms)
        if not late:
            return {"ticks": 0}
        return {"ticks": len(late), "worst_ms": late[-1], "p99_ms": late[min(len(late) - 1, int(len(late) * 0.99))],
                "p50_ms": late[len(late) // 2], "over_50ms": sum(1 for x in late if x > LIMIT_MS),
                "over_20ms": sum(1 for x in late if x > 20), "worst_10_ms": [round(x, 1) for x in late[-10:]]}


def _spin(seconds: float) -> None:
    """Pure Python for `seconds`, under the switch interval a run gets: a worker with no I/O at all."""
    from erpsync_gui.ui import bridge

    idle = sys.getswitchinterval()
    sys.setswitchinterval(min(idle, getattr(bridge, "RUN_SWITCH_INTERVAL_S", idle)))
    end = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < end:
        n += sum(i * i for i in range(200))
    sys.setswitchinterval(idle)


class GcMeter:
    """How long the garbage collections took, per generation, on whichever thread they ran (wall time, and the
    collecting thread's CPU time: the difference is time the machine gave to others): a collection holds the
    interpreter lock throughout, so the GUI thread can run no Python meanwhile."""

    def __init__(self) -> None:
        self.ms: dict[int, list[tuple[float, float]]] = {0: [], 1: [], 2: []}
        self._started = (0.0, 0.0)

    def start(self) -> None:
        import gc

        gc.callbacks.append(self._collected)

    def stop(self) -> None:
        import gc

        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)

    def _collected(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = (time.perf_counter(), time.thread_time())
        else:
            wall, cpu = self._started
            self.ms[info["generation"]].append(((time.perf_counter() - wall) * 1000,
                                                (time.thread_time() - cpu) * 1000))

    def figures(self) -> dict:
        return {str(g): {"count": len(v), "total_ms": round(sum(w for w, _c in v), 1),
                         "worst_ms": round(max((w for w, _c in v), default=0), 1),
                         "worst_cpu_ms": round(max((c for _w, c in v), default=0), 1)}
                for g, v in self.ms.items()}


class StallWatch:
    """A thread that looks at every thread's stack every 10 ms while the meter has not ticked for 20 ms: where
    the GUI thread was (or waited) during its stalls, and what the others did meanwhile, counted by place; and
    for the longest stalls, the last look before each ended, with the CPU time the GUI thread and the whole process
    had meanwhile: a GUI thread with most of the stall's time worked (in Qt where no Python frame shows); one with
    little waited, for the interpreter lock when the other threads had the time, else for a core (--stacks)."""

    def __init__(self, meter: StallMeter) -> None:
        self.meter = meter
        self.gui = threading.main_thread().ident
        self.places: dict[str, int] = {}
        #: where the other threads were at the same moments (one that holds the interpreter lock stalls the GUI)
        self.others: dict[str, int] = {}
        #: (how long the stall had lasted at the last look, the GUI thread's and the process's CPU ms meanwhile,
        #: the GUI thread's place, the others' places)
        self.longest: list[tuple[float, float, float, str, list[str]]] = []
        self._gui_clock = time.pthread_getcpuclockid(self.gui)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="stall-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _watch(self) -> None:
        seen, last_look = -1, None
        # the GUI thread's and the whole process's CPU time at the last look in no stall
        cpu_before, process_before = time.clock_gettime(self._gui_clock), time.process_time()
        while not self._stop.wait(0.01):
            ticks = len(self.meter.late_ms)
            if ticks != seen and last_look is not None:  # the stall looked at ended
                self.longest = sorted([*self.longest, last_look], reverse=True)[:8]
                last_look = None
            age = time.perf_counter() - self.meter._last
            if age < 0.02:
                cpu_before, process_before = time.clock_gettime(self._gui_clock), time.process_time()
                continue
            frames = sys._current_frames()
            frame = frames.get(self.gui)
            if frame is None:
                continue
            names = {t.ident: t.name for t in threading.enumerate()}
            gui = self._place(frame, 8)
            others = [self._place(f, 4, names.get(i, "?")) for i, f in frames.items()
                      if i not in (self.gui, threading.get_ident()) and names.get(i) not in _IDLE_THREADS]
            if ticks != seen:  # counted once per stall
                seen = ticks
                self.places[gui] = self.places.get(gui, 0) + 1
                for place in others:
                    self.others[place] = self.others.get(place, 0) + 1
            cpu = (time.clock_gettime(self._gui_clock) - cpu_before) * 1000
            process = (time.process_time() - process_before) * 1000
            last_look = (round(age * 1000, 1), round(cpu, 1), round(process, 1), gui, others)

    @staticmethod
    def _place(frame, depth: int, thread: str = "") -> str:
        import traceback

        stack = traceback.extract_stack(frame)[-depth:]
        place = " <- ".join(f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(stack))
        return f"[{thread}] {place}" if thread else place

    def top(self, n: int = 12) -> dict:
        def most(counts: dict[str, int]) -> list[tuple[int, str]]:
            return sorted(((c, p) for p, c in counts.items()), reverse=True)[:n]

        return {"gui": most(self.places), "others": most(self.others), "longest": self.longest}


class Driver:
    """Drives the window from its event loop, as a person would: open the Sync page, click Sync, wait."""

    def __init__(self, out: Path, tour: float, profile_out: Path | None, stacks: bool = False) -> None:
        from PySide6.QtCore import QTimer

        self.out = out
        #: seconds between two visits of the tour; 0 for no tour
        self.tour = tour
        self.profile_out = profile_out
        self.window = None
        self.meter = StallMeter()
        self.watch = StallWatch(self.meter) if stacks else None
        self.collections = GcMeter()
        self.progress_events = 0
        self.result: dict = {}
        self.poll = QTimer()
        self.poll.setInterval(50)
        self.poll.timeout.connect(self._step)
        self.state = "waiting for the window"
        self.since = time.monotonic()
        self.clicked_at = 0.0
        self.ended_at = 0.0
        self.pages_seen: list[str] = []
        #: (page title, when it was clicked) of each visit while the run went, for the stalls per visit
        self.visits: list[tuple[str, float]] = []
        self._profiler = None
        self._next_visit = 0.0
        self.idle_since = 0.0
        self.idle: dict = {}
        self.spin: dict = {}
        self._spin_thread: threading.Thread | None = None
        self._cpu = (0.0, 0.0)

    def begin(self) -> None:
        self.poll.start()

    def _main_window(self):
        from PySide6.QtWidgets import QApplication

        from erpsync_gui.ui.main_window import MainWindow

        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()),
                    None)

    def _click_page(self, title: str) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        sidebar = self.window.sidebar
        row = next(i for i in range(sidebar.count()) if sidebar.item(i).text() == title)
        rect = sidebar.visualItemRect(sidebar.item(row))
        QTest.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        self.pages_seen.append(title)

    def _step(self) -> None:
        from erpsync_gui.ui.widgets.worker import running_tasks

        if time.monotonic() - self.since > 3600:
            self._finish({"error": f"gave up while {self.state}"})
            return
        if self.state == "waiting for the window":
            self.window = self._main_window()
            # the window comes first; its pages once the store is open (an older window has them at once)
            ctx = getattr(self.window, "ctx", None)
            if ctx is not None and ctx.profile.name == "bench":
                self._click_page("Sync")
                self.state = "waiting for the Sync page"
        elif self.state == "waiting for the Sync page":
            row = self.window.page_of(self._sync_page_class()).rows["clients"]
            if running_tasks() == 0 and row.sync.isEnabled() and row.sync.isVisible():
                self.meter.start()
                self.idle_since = time.monotonic()
                self.state = "idle"
        elif self.state == "idle" and time.monotonic() - self.idle_since >= IDLE_S:
            self.idle = self.meter.figures()
            self.meter.clear()
            self._spin_thread = threading.Thread(target=_spin, args=(SPIN_S,), name="spin", daemon=True)
            self._spin_thread.start()
            self.state = "spinning"
        elif self.state == "spinning" and not self._spin_thread.is_alive():
            self.spin = self.meter.figures()
            self.meter.clear()
            self._click_sync(self.window.page_of(self._sync_page_class()).rows["clients"])
        elif self.state == "running" and self.tour and time.monotonic() >= self._next_visit:
            titles = [self.window.sidebar.item(i).text() for i in range(self.window.sidebar.count())]
            current = self.window.sidebar.currentRow()
            title = titles[(current + 1) % len(titles)]
            self.visits.append((title, time.perf_counter()))
            self._click_page(title)
            self._next_visit = time.monotonic() + self.tour
        elif self.state == "tail" and time.monotonic() - self.ended_at >= TAIL_S:
            self._finish({})

    @staticmethod
    def _sync_page_class():
        from erpsync_gui.ui.pages.sync import SyncPage

        return SyncPage

    def _click_sync(self, row) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        bridge = self.window.ctx.bridge
        bridge.run_progressed.connect(self._progressed)
        bridge.run_finished.connect(self._run_finished)
        bridge.run_failed.connect(lambda _p, _e, message: self._run_ended({"failed": message}))
        self.state = "running"
        self._next_visit = time.monotonic() + self.tour
        if self.profile_out is not None:
            import cProfile

            self._profiler = cProfile.Profile()  # this thread only: what the GUI thread spends its time on
            self._profiler.enable()
        if self.watch is not None:
            self.watch.start()
        self._cpu = (time.thread_time(), time.process_time())
        self.collections.start()
        self.clicked_at = time.perf_counter()
        QTest.mouseClick(row.sync, Qt.MouseButton.LeftButton)

    def _progressed(self, _event: object) -> None:
        self.progress_events += 1

    def _run_finished(self, profile: str, entity: str, result) -> None:
        if profile == "bench" and entity == "clients":
            self._run_ended({"status": result.status, "counts": dict(result.counts),
                             "duration_s": result.duration_s})

    def _run_ended(self, outcome: dict) -> None:
        if self.state != "running":
            return
        self.ended_at = time.monotonic()
        self.result = {**outcome, "click_to_end_s": time.perf_counter() - self.clicked_at,
                       "gui_cpu_s": time.thread_time() - self._cpu[0],
                       "process_cpu_s": time.process_time() - self._cpu[1]}
        self.state = "tail"

    def _visit_figures(self) -> list[dict]:
        """Each page visit of the tour: the page, whether it was its first since launch, and the worst stall in the
        VISIT_S after its click (the click itself, the page's read arriving, its layout and paint)."""
        seen: set[str] = {"Sync"}  # the driver showed it before the run
        visits = []
        for title, at in self.visits:
            visits.append({"page": title, "first": title not in seen,
                           "worst_ms": round(self.meter.worst_between(at, at + VISIT_S), 1)})
            seen.add(title)
        return visits

    def _between_visits(self) -> float:
        """The worst stall of the run outside the visits' VISIT_S: what the run alone costs, to compare."""
        visits = [(at, at + VISIT_S) for _title, at in self.visits]
        return round(max((late for at, late in zip(self.meter.at, self.meter.late_ms, strict=True)
                          if not any(self.meter._overlaps(at, late, start, end) for start, end in visits)),
                         default=0.0), 1)

    def _finish(self, extra: dict) -> None:
        self.poll.stop()
        self.meter.stop()
        self.collections.stop()
        import gc

        from erpsync_gui.ui import bridge

        threshold = getattr(bridge, "RUN_GC_THRESHOLD", gc.get_threshold())  # what the run had
        extra = {**extra, "collections": self.collections.figures(), "gc_threshold": threshold}
        if self.watch is not None:
            self.watch.stop()
            extra = {**extra, "stall_places": self.watch.top()}
        if self._profiler is not None:
            self._profiler.disable()
            self._profiler.dump_stats(str(self.profile_out))
        figures = {**self.meter.figures(), **self.result, **extra, "progress_events": self.progress_events,
                   "pages_seen": self.pages_seen, "visits": self._visit_figures(),
                   "between_visits_ms": self._between_visits(), "idle": self.idle, "spin": self.spin,
                   "switch_interval_s": sys.getswitchinterval(),
                   "source": str(Path(sys.modules["erpsync_gui"].__file__ or "").parent)}
        self.out.write_text(json.dumps(figures))
        if self.window is not None:
            self.window.quit_app(confirmed=True)
        else:
            from PySide6.QtWidgets import QApplication

            QApplication.quit()


def gui_child(data: Path, out: Path, tour: float, profile_out: Path | None, stacks: bool) -> int:
    """The app as a user starts it, with the driver on its event loop."""
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QTimer

    from erpsync_gui.ui.app import make_application, run_gui

    if os.environ.get(SWITCH_ENV):  # --switch-ms: another interval while the run goes, to compare
        from erpsync_gui.ui import bridge

        bridge.RUN_SWITCH_INTERVAL_S = float(os.environ[SWITCH_ENV]) / 1000
    if os.environ.get(GC_ENV):  # --gc: other collection thresholds while the run goes, to compare
        from erpsync_gui.ui import bridge

        bridge.RUN_GC_THRESHOLD = tuple(int(x) for x in os.environ[GC_ENV].split(","))
    make_application([sys.argv[0]])  # run_gui takes this application over
    driver = Driver(out, tour, profile_out, stacks)
    QTimer.singleShot(0, driver.begin)
    return run_gui(argparse.Namespace(data_dir=str(data), demo=False, minimized=False))


# -- the report ----------------------------------------------------------------------------------------
def print_rep(label: str, fig: dict) -> None:
    if "worst_ms" not in fig:
        print(f"{label}: no figures ({fig})")
        return
    print(f"{label}: worst {fig['worst_ms']:.1f} ms, p99 {fig['p99_ms']:.1f} ms, {fig['over_50ms']} over 50 ms "
          f"({fig['over_20ms']} over 20 ms) in {fig['ticks']} ticks; sync {fig.get('duration_s', 0):.1f} s "
          f"({fig.get('status')}, {fig.get('counts', {}).get('inserted')} inserted), "
          f"{fig['progress_events']} progress events, GUI thread CPU {fig.get('gui_cpu_s', 0):.2f} s of "
          f"{fig.get('process_cpu_s', 0):.1f} s, load {fig['load']:.1f}; worst ten {fig['worst_10_ms']}")
    gcs = fig.get("collections", {})
    if gcs:
        print(f"  collections at thresholds {fig.get('gc_threshold')}: " + "; ".join(
            f"gen {g}: {c['count']} taking {c['total_ms']:.0f} ms, the longest {c['worst_ms']:.1f} ms "
            f"({c['worst_cpu_ms']:.1f} ms CPU)"
            for g, c in gcs.items()))
    for phase, words in (("idle", "the idle window before it"),
                         ("spin", "beside a thread spinning in pure Python (the floor)")):
        before = fig.get(phase, {})
        if "worst_ms" in before:
            print(f"  {words}: worst {before['worst_ms']:.1f} ms, p99 {before['p99_ms']:.1f} ms, "
                  f"{before['over_50ms']} over 50 ms in {before['ticks']} ticks")
    print_visits(fig.get("visits", []))
    if fig.get("visits"):
        print(f"  and between the visits (the run alone): worst stall {fig['between_visits_ms']:.1f} ms")
    places = fig.get("stall_places", {})
    for count, place in places.get("gui", []):
        print(f"  {count:4d} stalls in {place}")
    for count, place in places.get("others", []):
        print(f"  {count:4d} times meanwhile {place}")
    for age, cpu, process, gui, others in places.get("longest", []):
        print(f"  a stall still going at {age} ms (CPU since the last tick: the GUI thread's {cpu} ms, the "
              f"process's {process} ms): GUI thread in {gui}")
        for place in others:
            print(f"      meanwhile {place}")


def print_visits(visits: list[dict]) -> None:
    """Per page of the tour: the worst stall of its first visit and of the later ones."""
    pages: dict[str, dict[bool, list[float]]] = {}
    for visit in visits:
        pages.setdefault(visit["page"], {True: [], False: []})[visit["first"]].append(visit["worst_ms"])
    for page, worst in pages.items():
        first = f"{max(worst[True]):.1f} ms" if worst[True] else "-"
        later = f"{max(worst[False]):.1f} ms (of {len(worst[False])})" if worst[False] else "-"
        print(f"  visiting {page}: worst stall on the first visit {first}, on later visits {later}")


def print_summary(reps: list[dict]) -> None:
    """Per source tree: the median of each figure over the repetitions, and its range."""
    import statistics

    print("\n| tree | worst ms | p99 ms | over 50 ms | sync s | progress events | floor worst / p99 ms | load |")
    print("|---|---|---|---|---|---|---|---|")
    for tree in dict.fromkeys(r.get("tree", "now") for r in reps):
        mine = [r for r in reps if r.get("tree", "now") == tree and "worst_ms" in r]
        if not mine:
            continue

        def cell(key: str, of: list[dict] = mine, digits: int = 1) -> str:
            values = [r[key] for r in of]
            med = statistics.median(values)
            return f"{med:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})" if len(values) > 1 \
                else f"{med:.{digits}f}"

        spins = [r["spin"] for r in mine if "worst_ms" in r.get("spin", {})]
        floor = f"{cell('worst_ms', spins)} / {cell('p99_ms', spins)}" if spins else "-"
        print(f"| {tree} | {cell('worst_ms')} | {cell('p99_ms')} | {cell('over_50ms', digits=0)} | "
              f"{cell('duration_s')} | {cell('progress_events', digits=0)} | {floor} | {cell('load')} |")


def one_rep(args: argparse.Namespace, script: Path, port: int, work: Path, env: dict[str, str],
            before: Path | None) -> dict:
    """One import from the window, in a process of its own; its figures."""
    data = prepare(f"http://127.0.0.1:{port}/", work, args.page, env)
    out = work / "figures.json"
    argv = [sys.executable, str(script), "--gui", str(data), str(out)]
    argv += ["--gui-tour", "--gui-tour-s", str(args.tour_s)] if args.tour else []
    argv += ["--profile", str(args.profile)] if args.profile else []
    argv += ["--stacks"] if args.stacks else []
    child_env = dict(env)
    if args.switch_ms:
        child_env[SWITCH_ENV] = str(args.switch_ms)
    if before is not None:
        child_env[BEFORE_ENV] = str(before)
    if args.gc:
        child_env[GC_ENV] = args.gc
    load_before = os.getloadavg()[0]
    child = subprocess.run(argv, env=child_env, capture_output=True, text=True)
    if child.returncode or not out.exists():
        raise SystemExit(f"the window's run failed ({child.returncode}):\n{child.stderr[-4000:]}")
    fig = json.loads(out.read_text())
    fig["load"] = (load_before + os.getloadavg()[0]) / 2
    fig["crm_clients"] = crm_clients(data)
    return fig


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--clients", type=int, default=100_000)
    p.add_argument("--page", type=int, default=50, help="the page and batch size of both sides")
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="the CI size: 10,000 clients")
    p.add_argument("--tour", action="store_true", help="visit every page in turn during the run")
    p.add_argument("--tour-s", type=float, default=TOUR_S, help="with --tour, the seconds between two visits")
    p.add_argument("--profile", type=Path, help="profile the GUI thread during the run into this file, and print it")
    p.add_argument("--switch-ms", type=float,
                   help="the interpreter's switch interval while the run goes (the app's own by default)")
    p.add_argument("--gc", help="garbage collection thresholds during the run, e.g. 700,10,100 (the app's own by "
                                "default)")
    p.add_argument("--before", type=Path,
                   help="also run the window of this older source tree (a folder holding erpsync_gui), interleaved")
    p.add_argument("--stacks", action="store_true", help="print where the GUI thread was during its stalls")
    p.add_argument("--out", type=Path, default=Path("bench-gui-stall.json"))
    p.add_argument("--gui", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    p.add_argument("--gui-tour", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--gui-tour-s", type=float, default=TOUR_S, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.gui:
        if os.environ.get(BEFORE_ENV):  # the window of an older source tree, for before / after
            sys.path.insert(0, os.environ[BEFORE_ENV])
        sys.exit(gui_child(Path(args.gui[0]), Path(args.gui[1]), args.gui_tour and args.gui_tour_s, args.profile,
                           args.stacks))
    if args.quick:
        args.clients = 10_000

    from erpsync_gui.sandbox.server import SandboxServer
    from tests.benchmarks.bench_import import _free_port, _wait

    reps: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="erpsync-bench-gui-") as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "PYTHON_KEYRING_BACKEND": "tests.file_keyring.FileKeyring",
               "ERPSYNC_TEST_KEYRING_FILE": str(tmp_path / "keyring.json"), "QT_QPA_PLATFORM": "offscreen",
               "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        erp_db = tmp_path / "erp.sqlite"
        SandboxServer(erp_db, seed={"clients": args.clients}).storage.close()
        port = _free_port()
        server = subprocess.Popen([sys.executable, "-m", "erpsync_gui.sandbox", "--port", str(port),
                                   "--db", str(erp_db)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            _wait(port)
            trees = [("now", None)] + ([("before", args.before.resolve())] if args.before else [])
            for rep in range(args.reps):  # the trees interleaved: a drift of the shared machine hits both
                for tree, source in trees:
                    fig = one_rep(args, HERE, port, tmp_path / f"{tree}-{rep}", env, source)
                    fig["tree"] = tree
                    reps.append(fig)
                    print_rep(f"{tree}: rep {rep + 1}, {args.clients} clients, page {args.page}"
                              f"{', touring the pages' if args.tour else ''}", fig)
        finally:
            server.terminate()
            server.wait(10)
    print_summary(reps)
    if args.profile:
        import pstats

        print(f"\nthe GUI thread during the run ({args.profile}):")
        pstats.Stats(str(args.profile)).sort_stats("tottime").print_stats(25)
        pstats.Stats(str(args.profile)).sort_stats("cumulative").print_stats(35)
    report = {"benchmark": "P5 GUI-thread stalls during a sync", "clients": args.clients, "page": args.page,
              "tour": args.tour, "cpus": os.cpu_count(), "limit_ms": LIMIT_MS,
              "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "reps": reps}
    args.out.write_text(json.dumps(report, indent=2))
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
