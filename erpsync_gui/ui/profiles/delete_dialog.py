"""Delete a profile, after saying what goes: its links, sync history, conflicts and schedule, and (when
ticked) its keyring entries. Neither business system is touched."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QCheckBox, QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from erpsync_gui.app.attention import plural
from erpsync_gui.store.profile_footprint import Footprint


class DeleteProfileDialog(QDialog):
    def __init__(self, name: str, footprint: Footprint, secrets: Sequence[str], scheduled: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Delete the profile {name}?")
        layout = QVBoxLayout(self)
        goes = [plural(footprint.links, "link") + " between CRM and ERP records",
                plural(footprint.runs, "run") + " of sync history, with their errors",
                plural(footprint.conflicts, "conflict")]
        goes.append("its schedule" if scheduled else "its settings and mappings")
        listed = "".join(f"<li>{g}</li>" for g in goes)
        self.text = text = QLabel(f"Deleting <b>{name}</b> removes from this PC:<ul>{listed}</ul>"
                                  "No record in the CRM or the ERP is changed or deleted.")
        text.setWordWrap(True)
        layout.addWidget(text)
        entries = ", ".join(secrets) if secrets else "none stored"
        self.remove_secrets = QCheckBox(f"Also remove its secrets from the keyring ({entries})")
        self.remove_secrets.setEnabled(bool(secrets))
        layout.addWidget(self.remove_secrets)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = self.buttons.addButton("&Delete profile", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.delete_button.clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
