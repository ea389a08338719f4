"""One entity's row on the Sync page: Sync, Preview, progress (a moving bar until every side has said how
many records it has), the state in at most two lines (the rest in its tooltip) and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QPushButton, QWidget

from erpsync_gui.engine.types import ProgressEvent
from erpsync_gui.entities import label
from erpsync_gui.ui import theme
from erpsync_gui.ui.pages.sync_texts import open_text, progress_text
from erpsync_gui.ui.widgets.elided_label import ElidedLabel


class EntityRow:
    """The controls of one entity: sync, preview, progress, counts, cancel."""

    def __init__(self, entity: str) -> None:
        self.entity = entity
        self.name = QLabel(label(entity))
        self.sync = QPushButton("Sync")
        self.sync.setObjectName(f"sync_{entity}")
        self.sync.setToolTip(f"Sync {label(entity).lower()} now")
        self.preview = QPushButton("Preview")
        self.preview.setObjectName(f"preview_{entity}")
        self.preview.setToolTip(f"Dry run of {label(entity).lower()}: show what would change, write nothing")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("")
        self.bar.setAccessibleName(f"Progress of {label(entity)}")
        self.bar.setMinimumWidth(self.bar.fontMetrics().averageCharWidth() * 14)  # room for "100%" and its move
        self.status = ElidedLabel("", max_lines=2)
        self.status.setAccessibleName(f"State of {label(entity)}")
        self.cancel = QPushButton("Cancel")
        self.cancel.setObjectName(f"cancel_{entity}")
        self.cancel.setToolTip(f"Stop the run of {label(entity).lower()} after its current batch")
        self.cancel.setEnabled(False)
        #: the last result's own words, before the work it left open is added
        self.result_words: tuple[str, str] | None = None
        #: the failed records and conflicts the last result itself reported
        self.result_open: tuple[int, int] = (0, 0)

    def widgets(self) -> list[QWidget]:
        return [self.name, self.sync, self.preview, self.bar, self.status, self.cancel]

    def set_visible(self, visible: bool) -> None:
        for widget in self.widgets():
            widget.setVisible(visible)

    def say(self, text: str, state: str | None = None) -> None:
        self.status.set_text(text, theme.state_colour(state) if state else None)

    def set_running(self, running: bool) -> None:
        self.sync.setEnabled(not running)
        self.preview.setEnabled(not running)
        self.cancel.setEnabled(running)
        if running:
            self.bar.setRange(0, 0)  # moving, without a percentage, until every side has said its total
            self.bar.setFormat("")
            self.result_words = None
            self.status.set_colour(None)

    def show_progress(self, event: ProgressEvent) -> None:
        if event.total:
            self.bar.setRange(0, max(event.total, event.processed, 1))
            self.bar.setValue(event.processed)
            self.bar.setFormat("%p%")
        else:
            self.bar.setRange(0, 0)
            self.bar.setFormat("")
        self.status.set_text(progress_text(event))

    def show_end(self, text: str, state: str, reported: tuple[int, int] = (0, 0)) -> None:
        self.set_running(False)
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if state in ("success", "partial") else 0)
        self.bar.setFormat("")
        self.result_words, self.result_open = (text, state), reported
        self.say(text, state)

    def show_open(self, errors: int, conflicts: int) -> None:
        """Add what the store holds open for the entity to the last result shown, when the result did not say
        it already (a run that ended well leaves earlier conflicts and errors open)."""
        if self.result_words is None:
            return
        text, state = self.result_words
        failed, reported_conflicts = self.result_open
        # a whole run that ends partial names the conflicts still waiting itself; a success never does
        conflicts = conflicts if state == "success" and conflicts > reported_conflicts else 0
        waiting = open_text(errors if errors > failed else 0, conflicts)
        if waiting and state == "success":
            state = "partial"
        self.say(f"{text} · {waiting}" if waiting else text, state)
