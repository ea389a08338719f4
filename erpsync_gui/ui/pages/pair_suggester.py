"""Suggest pairs on the Mappings page: the pairs of the entity's described fields are put in the review list;
the accepted ones become rows of the mapping (selected, in view), the turned-down ones are remembered per
entity so a second Suggest does not offer them again."""

from __future__ import annotations

from collections.abc import Callable, Collection

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QTableView

from erpsync_gui.mapping.suggestions import Suggestion, suggestions
from erpsync_gui.records import Side
from erpsync_gui.ui.pages.mapping_model import FieldMappingModel
from erpsync_gui.ui.pages.mapping_samples import Samples
from erpsync_gui.ui.pages.mapping_table import select_rows
from erpsync_gui.ui.pages.suggestion_review import SuggestionReview


class PairSuggester(QObject):
    """Drives the review list for the entity in the editor; `say` shows a line in the page's footer."""

    def __init__(self, review: SuggestionReview, model: FieldMappingModel, table: QTableView,
                 say: Callable[[str], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.review, self.model, self.table, self.say = review, model, table, say
        #: pairs the admin turned down, per entity, not offered again until the page reloads
        self.rejected: dict[str, set[tuple[str, str]]] = {}
        self.entity = ""
        review.accepted.connect(self._add)
        review.rejected.connect(self._reject)

    def suggest(self, entity: str, samples: Samples | None, markers: Collection[str]) -> int:
        """Offer the pairs of `entity` the mapping does not use yet, for review; returns how many."""
        self.entity = entity
        if samples is None or not all(samples.fields.get(side) for side in Side):
            self.say("Suggestions need both sides' field lists; they could not be read yet")
            return 0
        rows = self.model.rows()
        used = ({r.get("crm") for r in rows} - {None}, {r.get("erp") for r in rows} - {None})
        offered = suggestions(samples.fields[Side.CRM], samples.fields[Side.ERP], used, markers=markers,
                              rejected=self.rejected.get(entity, set()))
        self.review.show_suggestions(offered)
        self.say(f"{len(offered)} pair(s) to review above the rows" if offered else "No further pairs to suggest")
        return len(offered)

    def forget(self) -> None:
        """A reload: every pair may be offered again."""
        self.rejected.clear()
        self.review.clear()

    def _add(self, pairs: list[Suggestion]) -> None:
        first = self.model.rowCount()
        for pair in pairs:
            self.model.add_row({"crm": pair.crm, "erp": pair.erp, "type": pair.type})
        if pairs:
            select_rows(self.table, range(first, self.model.rowCount()))
            self.say(f"Added {len(pairs)} pair(s): they are selected in the rows")

    def _reject(self, pairs: list[Suggestion]) -> None:
        self.rejected.setdefault(self.entity, set()).update((p.crm, p.erp) for p in pairs)
        self.say(f"{len(pairs)} suggested pair(s) turned down")
