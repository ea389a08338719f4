"""Step 4: which ERP currency is which CRM currency. Both sides' currency lists are read with the typed settings
and the Mappings page's proposal fills the pairs by ISO code (ISO code to the CRM's currency name), saying
which ERP currencies the CRM lacks and where pairing by equal ids would write RON as USD; the admin corrects
or completes the pairs in the same editor. Amounts of an unmapped currency would otherwise fail per record."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage

from erpsync_gui.app.currency_proposal import check_currency_mapping
from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.pages.currency_editor import CurrencyEditor
from erpsync_gui.ui.pages.mapping_samples import currency_label
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.state import WizardState

#: the records of one side's currencies, read with the typed settings: {id: data}
CurrencyReader = Callable[[EndpointConfig, dict[str, str]], Mapping[str, Mapping]]


def same_ids_warnings(editor: CurrencyEditor) -> list[str]:
    """What pairing each ERP currency with the CRM currency of the same id would do wrong (RON written as USD):
    the mapping a person would type first, flagged before the proposal by ISO code replaces it."""
    erp, crm = editor.codes(Side.ERP), editor.codes(Side.CRM)
    same_ids = {c.id: c.id for c in erp}
    return [line for line in check_currency_mapping(same_ids, erp, crm) if "would be written as" in line]


class CurrencyPage(QWizardPage):
    def __init__(self, state: WizardState, reader: CurrencyReader) -> None:
        super().__init__()
        self.state = state
        self.reader = reader
        self.setTitle("Which currency is which?")
        self.setSubTitle("Prices and amounts move between systems in the currency paired here. Pairs with the "
                         "same ISO code are filled in; check them.")
        layout = QVBoxLayout(self)
        self.editor = CurrencyEditor()
        self.note = self.editor.lists_note
        layout.addWidget(self.editor, 1)
        self.problems = QLabel()
        self.problems.setObjectName("fieldError")
        self.problems.setWordWrap(True)
        layout.addWidget(self.problems)
        self.editor.changed.connect(self._edited)
        self._loaded_for: tuple | None = None
        self.loaded = False
        #: the proposal's notes (ERP currencies the CRM lacks) and what pairing by equal ids would get wrong
        self.proposal_notes: list[str] = []
        self.same_ids: list[str] = []

    def initializePage(self) -> None:
        key = tuple((side, self.state.endpoints.get(side)) for side in Side)
        if key == self._loaded_for:
            return
        self._loaded_for = key
        self.loaded = False
        self.note.setText("Reading both sides' currencies…")
        endpoints = {side: self.state.endpoints[side] for side in Side}
        secrets = {side: dict(self.state.secrets.get(side, {})) for side in Side}

        def read() -> dict[Side, dict[str, str] | str]:
            out: dict[Side, dict[str, str] | str] = {}
            for side in Side:
                try:
                    out[side] = {str(k): currency_label(v) for k, v in self.reader(endpoints[side],
                                                                                 secrets[side]).items()}
                except ERPSyncError as exc:
                    out[side] = str(exc)
            return out

        run_in_background(read, owner=self, on_done=self._arrived,
                          on_error=lambda exc: self._arrived({side: str(exc) for side in Side}))

    def _arrived(self, lists: Mapping[Side, dict[str, str] | str]) -> None:
        note = self.editor.show_lists(lists)
        lines = [note]
        if all(isinstance(lists.get(side), dict) for side in Side):
            # the Mappings page's proposal: by ISO code, and what it leaves unmapped; then what the same ids
            # would have done
            self.same_ids = same_ids_warnings(self.editor)
            self.proposal_notes = self.editor.propose()
            lines += ["Proposed by ISO code: check the pairs.", *self.proposal_notes]
            if self.same_ids:
                lines.append("Pairing by equal ids would be wrong here: " + "; ".join(self.same_ids))
        self.note.setText("\n".join(lines))
        self.loaded = True
        self._edited()

    def _edited(self) -> None:
        try:
            self.state.currency_mapping = dict(self.editor.mapping())
            self.problems.setText("")
        except ConfigError as exc:
            self.state.currency_mapping = {}
            self.problems.setText(exc.message)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.loaded and not self.editor.problems()
