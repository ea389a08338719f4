"""Step 5: everything the wizard will save, in words; Save (or Save and sync now) writes the secrets to the
keyring and the profile to the state database, and nothing before."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWizardPage

from erpsync_gui.config.convert import ProfileFileError
from erpsync_gui.config.kinds import kinds
from erpsync_gui.entities import ENTITIES
from erpsync_gui.errors import ERPSyncError
from erpsync_gui.profile import ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.wizard.policy_words import DIRECTION_LABELS, POLICY_LABELS
from erpsync_gui.ui.wizard.state import WizardState

#: saves the wizard's profile (secrets first, then the profile); returns it as stored
Saver = Callable[[WizardState], ProfileConfig]


class SummaryPage(QWizardPage):
    def __init__(self, state: WizardState, saver: Saver) -> None:
        super().__init__()
        self.state = state
        self.saver = saver
        self.saved: ProfileConfig | None = None
        self.setTitle("Ready to save")
        self.setSubTitle("Check what will be saved. Nothing is written to either system until a sync runs.")
        layout = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName("Summary")
        layout.addWidget(self.text)
        self.problems = QLabel()
        self.problems.setObjectName("fieldError")
        self.problems.setWordWrap(True)
        self.problems.hide()
        layout.addWidget(self.problems)
        layout.addStretch(1)

    def initializePage(self) -> None:
        self.problems.hide()
        self.text.setText(summary_text(self.state))

    def validatePage(self) -> bool:
        try:
            self.saved = self.saver(self.state)
        except ProfileFileError as exc:
            self._problem("The profile was not saved:\n" + "\n".join(f"• {p}" for p in exc.problems))
            return False
        except ERPSyncError as exc:
            self._problem(f"The profile was not saved: {exc}")
            return False
        return True

    def _problem(self, text: str) -> None:
        self.problems.setText(text)
        self.problems.show()


def summary_text(state: WizardState) -> str:
    lines = [f"Profile: {state.name}"]
    for side in Side:
        kind = kinds()[state.kinds[side]]
        endpoint = state.endpoints.get(side)
        tested = state.tested.get(side)
        verdict = "tested, connected" if tested is not None and tested.ok else "not tested"
        labels = {spec.name: spec.label for spec in kind.needed_secrets(endpoint)} if endpoint else {}
        secrets = ", ".join(labels.get(n, n) for n in sorted(state.secrets.get(side, {}))) or "none"
        lines.append(f"{side.value.upper()}: {kind.label} at {endpoint.url if endpoint else '?'} ({verdict}); "
                     f"secrets for the keyring: {secrets}")
    chosen = [c for c in state.entities if c.enabled]
    lines.append("Entities: " + ("; ".join(
        f"{ENTITIES[c.entity].label} ({DIRECTION_LABELS[c.direction]}, {POLICY_LABELS[c.policy]})"
        for c in chosen) or "none"))
    pairs = ", ".join(f"ERP {erp} → CRM {crm}" for erp, crm in state.currency_mapping.items())
    lines.append(f"Currencies: {pairs or 'none paired'}")
    schedule = state.schedule
    if schedule.enabled and schedule.interval_hours:
        minutes = round(schedule.interval_hours * 60)
        every = f"{minutes} minutes" if minutes < 60 or minutes % 60 else f"{minutes // 60} hours"
        lines.append(f"Schedule: every {every}" + (f", between {schedule.window}" if schedule.window else ""))
    else:
        lines.append("Schedule: off (sync by hand)")
    return "\n".join(lines)
