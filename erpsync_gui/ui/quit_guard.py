"""Quitting while a sync runs asks first, and says what happens: the run stops after the batch it is
writing, and the batches it finished are kept (the next run carries on from there)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from erpsync_gui.entities import label


def running_text(entities: list[str]) -> str:
    names = ", ".join(label(e) for e in entities)
    return f"A sync of {names} is running." if len(entities) == 1 else f"Syncs of {names} are running."


def confirm_quit(parent: QWidget | None, runs) -> bool:
    """True when nothing runs, or the admin agrees to stop what runs; False keeps the app open."""
    running = sorted({key.entity for key in runs.running()})
    if not running:
        return True
    box = QMessageBox(QMessageBox.Icon.Question, "Quit ERPSync?",
                      f"{running_text(running)} Quit anyway?", parent=parent)
    box.setObjectName("quitWhileSyncing")
    box.setInformativeText("The run stops after the batch it is writing. The batches it finished are kept, and "
                           "the next run carries on from there.")
    quit_button = box.addButton("&Quit", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("&Keep running", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(box.buttons()[-1])
    box.exec()
    return box.clickedButton() is quit_button
