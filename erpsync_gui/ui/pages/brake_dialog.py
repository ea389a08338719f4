"""The mass-change brake's prompt: a run held before writing ("This run would change 4,812 of 5,000
clients"), with its preview to review, Apply anyway and Cancel."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from erpsync_gui.engine.types import RunResult
from erpsync_gui.ui.pages.preview_dialog import PreviewDialog


class BrakeDialog(PreviewDialog):
    """A held run's preview; `applied` (entity, direction) means the admin chose Apply anyway."""

    def __init__(self, result: RunResult, direction, parent: QWidget | None = None) -> None:
        super().__init__(result, direction, parent)
        first = result.brake is not None and result.brake.first_sync
        self.setWindowTitle(f"{'First sync' if first else 'Held'}: {result.entity} ({result.direction.value})")
        self.apply_button.setText("Apply" if first else "Apply anyway")
        self.apply_button.setEnabled(True)
        # a held run is never applied by pressing Enter: the admin chooses it
        self.apply_button.setDefault(False)
        self.cancel_button.setDefault(True)
