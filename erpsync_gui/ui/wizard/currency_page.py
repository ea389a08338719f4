"""Step 4: which ERP currency is which CRM currency. Both sides' currency lists are read with the typed settings
and paired by their ISO code; the admin corrects or completes the pairs in the same editor the Mappings page
uses. Amounts of an unmapped currency would otherwise fail per record."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage

from erpsync_gui.errors import ConfigError, ERPSyncError
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.pages.currency_editor import CurrencyEditor
from erpsync_gui.ui.pages.mapping_samples import currency_label
from erpsync_gui.ui.widgets.worker import run_in_background
from erpsync_gui.ui.wizard.state import WizardState

#: the records of one side's currencies, read with the typed settings: {id: data}
CurrencyReader = Callable[[EndpointConfig, dict[str, str]], Mapping[str, Mapping]]
_CODE = re.compile(r"^[A-Z]{3}\b")


def paired_by_code(erp: Mapping[str, str], crm: Mapping[str, str]) -> dict[str, str]:
    """ERP id -> CRM id for the currencies whose labels start with the same ISO code."""
    crm_by_code: dict[str, str] = {}
    for crm_id, text in crm.items():
        match = _CODE.match(text)
        if match:
            crm_by_code.setdefault(match.group(0), crm_id)
    pairs: dict[str, str] = {}
    for erp_id, text in erp.items():
        match = _CODE.match(text)
        if match and match.group(0) in crm_by_code:
            pairs[erp_id] = crm_by_code[match.group(0)]
    return pairs


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
        erp, crm = lists.get(Side.ERP), lists.get(Side.CRM)
        if isinstance(erp, dict) and isinstance(crm, dict):
            self.editor.set_mapping(paired_by_code(erp, crm))
        self.note.setText(note)
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
