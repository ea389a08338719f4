"""What the Mappings page reads from both systems, on pool threads: one sample record of each side with its
field list (for the live preview and the field choices), and both sides' currency lists (mixed into
MappingsPage). While a run goes these reads wait for its end, unless asked for at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from erpsync_gui.engine.runner import LinkResolver
from erpsync_gui.errors import ConfigError
from erpsync_gui.mapping import EntityMapping, parse_fields
from erpsync_gui.records import Side
from erpsync_gui.store.sync_state import SyncState
from erpsync_gui.ui.pages.mapping_samples import Samples, fetch_currencies, fetch_samples
from erpsync_gui.ui.widgets.worker import run_in_background


class MappingReads:
    """Samples, preview and currency lists (mixed into MappingsPage, which owns the editor, the preview, the
    currency editor and the `samples_loaded` and `currencies_loaded` signals)."""

    if TYPE_CHECKING:
        # the rest of MappingsPage as seen from here
        def __getattr__(self, name: str) -> Any: ...

    def load_samples(self, force: bool = False, *, now: bool = False) -> None:
        """Read the entity's samples on a pool thread (again with `force`). While a run goes they wait for its end
        unless asked for `now` (New sample): a read of both systems competes with the run and the window for
        the interpreter, and the window then answers late."""
        entity = self.current
        if self._held and not force:
            return
        if entity is None or self.profile is None or (entity in self.samples and not force):
            self._refresh_preview()
            return
        if not now and self.ctx.bridge.busy:
            self._waiting.add("samples")
            self.preview.show_note("A sample is read when the running sync ends (New sample reads one now).")
            self._previewed = None
            return
        self._waiting.discard("samples")
        self.preview.show_loading()
        self._previewed = None
        service, name = self.ctx.service, self.profile.name
        run_in_background(lambda: fetch_samples(service, name, entity), owner=self,
                          on_done=lambda s: self._samples_arrived(entity, s),
                          on_error=lambda exc: self._samples_arrived(entity, Samples(entity, errors={
                              side: service.redact(str(exc)) for side in Side})))

    def _samples_arrived(self, entity: str, samples: Samples) -> None:
        self.samples[entity] = samples
        if entity == self.current:
            self._refresh_preview()
            self._edited()  # the field lists may show a row naming a field that does not exist
        self.samples_loaded.emit(entity)

    def _refresh_preview(self) -> None:
        if self.current is None or self.profile is None or self.current not in self.samples:
            return
        samples = self.samples[self.current]
        self.preview.set_samples(samples)
        cfg = self._editor_config()
        # the samples and the rows it was last mapped from: a check that changed neither (each arrival and edit
        # checks the entity and asks for the preview) leaves the tables as drawn
        shown = (samples, cfg.entity, cfg.fields, dict(cfg.currency_mapping))
        if self._previewed is not None and self._previewed[0] is samples and self._previewed[1:] == shown[1:]:
            return
        self._previewed = None
        try:
            fields = parse_fields(list(cfg.fields))
            EntityMapping(cfg.entity, (), cfg.currency_mapping)
        except ConfigError:
            self.preview.show_problem("Fix the problems listed above to see the preview.")
            return
        # lookup fields in the preview: ids translated through the link store, as the engine does
        resolver = LinkResolver(SyncState(self.ctx.store, self.profile.id, cfg.entity))
        self.preview.update_preview(cfg.entity, fields, dict(cfg.currency_mapping), resolver)
        self._previewed = shown

    def _run_ended(self, *_args: object) -> None:
        """A run ended: what waited for it is read now (once no other run goes)."""
        if not self._waiting or self.ctx.bridge.busy or self.profile is None:
            return
        waiting, self._waiting = self._waiting, set()
        if "samples" in waiting:
            self.load_samples(force=True)
        if "currencies" in waiting:
            self._load_currency_lists()

    def _sample_again(self) -> None:
        """A sample that found no record, or failed, is read again: the run may have written the first one."""
        samples = self.samples.get(self.current or "")
        if samples is not None and (samples.errors or not all(samples.records.values())):
            self.load_samples(force=True)

    # -- currencies ------------------------------------------------------------------------------

    def _load_currency_lists(self) -> None:
        if self.ctx.bridge.busy:  # as the samples: once the run ends
            self._waiting.add("currencies")
            self.currencies.lists_note.setText("Both sides' currency lists are read when the running sync ends.")
            return
        self._waiting.discard("currencies")
        service, name = self.ctx.service, self.profile.name
        self.currencies.lists_note.setText("Reading both sides' currency lists…")
        run_in_background(lambda: fetch_currencies(service, name), owner=self, on_done=self._currencies_arrived,
                          on_error=lambda exc: self._currencies_arrived({s: str(exc) for s in Side}))

    def _currencies_arrived(self, lists: dict) -> None:
        # one check of the entity for both lists (the editor's `changed` would check it at each)
        self.currencies.blockSignals(True)
        try:
            self.currencies.lists_note.setText(self.currencies.show_lists(lists))
        finally:
            self.currencies.blockSignals(False)
        self._edited()
        self.currencies_loaded.emit()
