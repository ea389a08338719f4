"""The step for a Perfex CRM: which of the database's own departments, ticket statuses and priorities, lead
sources and statuses new tickets and leads take where Perfex requires one and the mapping leaves it empty.
Each is preselected with the row the connector would take (the stock or first row); the choice goes into the
CRM endpoint's perfex_defaults when the wizard saves. Other CRMs skip the step."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel, QVBoxLayout, QWizardPage

from erpsync_gui.connectors.perfex.choices import ReferenceChoice
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.state import WizardState

#: the reference rows of a CRM endpoint, read with the typed settings (empty: not a Perfex CRM)
ChoiceReader = Callable[[EndpointConfig, dict[str, str]], Sequence[ReferenceChoice]]
PERFEX_PRESETS = ("perfex", "smartcrm")


def is_perfex(endpoint: EndpointConfig | None) -> bool:
    """A CRM database with one of the Perfex presets."""
    return (endpoint is not None and endpoint.kind == "sql"
            and str(endpoint.options.get("preset") or "perfex") in PERFEX_PRESETS)


class PerfexPage(QWizardPage):
    def __init__(self, state: WizardState, reader: ChoiceReader) -> None:
        super().__init__()
        self.state = state
        self.reader = reader
        self.setTitle("What do new tickets and leads get in Perfex?")
        self.setSubTitle("Perfex needs a department, a status and a priority for every ticket, and a source and a "
                         "status for every lead. Choose the rows of your CRM that new records take when the ERP "
                         "gives none.")
        layout = QVBoxLayout(self)
        self.note = QLabel("Reading the CRM's departments, statuses, priorities and sources…")
        self.note.setObjectName("hint")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        layout.addStretch(1)
        #: option -> its combo, once the rows arrived
        self.combos: dict[str, QComboBox] = {}
        self.loaded = False
        self._loaded_for: EndpointConfig | None = None

    def applies(self) -> bool:
        return is_perfex(self.state.endpoints.get(Side.CRM))

    def initializePage(self) -> None:
        endpoint = self.state.endpoints.get(Side.CRM)
        if endpoint is None or endpoint == self._loaded_for:
            return
        self._loaded_for = endpoint
        self.loaded = False
        secrets = dict(self.state.secrets.get(Side.CRM, {}))
        run_in_background(lambda: list(self.reader(endpoint, secrets)), owner=self, on_done=self._arrived,
                          on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, ERPSyncError) else str(exc)
        self.note.setText(f"The CRM's reference rows could not be read ({text}): new records take the first row "
                          "of each, as the connector picks them.")
        self.loaded = True
        self.completeChanged.emit()

    def _arrived(self, choices: list[ReferenceChoice]) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.combos = {}
        for choice in choices:
            combo = QComboBox()
            for row_id, name in choice.rows:
                combo.addItem(f"{name} ({row_id})", row_id)
            wanted = self.state.perfex_defaults.get(choice.option, choice.proposed)
            combo.setCurrentIndex(max(combo.findData(wanted), 0))
            combo.currentIndexChanged.connect(self._chosen)
            caption = QLabel(f"{choice.label}:")
            caption.setBuddy(combo)
            self.form.addRow(caption, combo)
            self.combos[choice.option] = combo
        self.note.setText("Proposed: the row Perfex itself starts with (Open, the default lead status and source) or "
                          "the first one. Change any of them." if choices else
                          "This CRM has none of Perfex's reference tables: nothing to choose.")
        self.loaded = True
        self._chosen()

    def _chosen(self) -> None:
        self.state.perfex_defaults = {option: int(combo.currentData()) for option, combo in self.combos.items()
                                      if combo.currentData() is not None}
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.loaded
