"""The kind's own settings of one side on the Connections page, with the connection wizard's inputs (the same
field specs and form): the options a kind names in its own words, and a folded Advanced section with the
proxy, CA bundle, timeouts, rate-limit key and the kind's other options. Checked by the kind's endpoint
model as they are typed; an input left as it was loaded keeps the stored value exactly."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from erpsync_gui.config.kinds import kinds
from erpsync_gui.profile import EndpointConfig
from erpsync_gui.records import Side
from erpsync_gui.ui.wizard.connection_form import ConnectionForm
from erpsync_gui.ui.wizard.field_specs import FieldSpec, check_endpoint, field_specs

_PREFIX = "options."


def _typed(spec: FieldSpec, value: Any) -> Any:
    """An edited input's value as the option stores it (a number as a number; the model checks it)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if spec.widget == "number":
        for kind in (int, float):
            try:
                return kind(text)
            except ValueError:
                continue
    return text


class EndpointOptions(QWidget):
    """`changed` on any edit; `apply(options)` puts the inputs into an options table, `check(endpoint)` shows
    each problem at its input and returns them."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 4, 0, 0)
        self.form: ConnectionForm | None = None
        #: each input's value as it was filled in, and the option value it came from
        self._loaded: dict[str, tuple[Any, Any]] = {}

    def build(self, kind: str, side: Side, auth: str, options: Mapping[str, Any], shown: Collection[str], *,
              after: QWidget | None = None) -> None:
        """Inputs for the options of `kind` with `auth` that the main form does not show (`shown`), filled from
        `options`; the Advanced section stays open when it was. Tab goes from `after` through them. The inputs
        of the same options are kept and filled again: made anew, each costs its first layout once more."""
        known = kinds().get(kind)
        specs = [] if known is None else [s for s in field_specs(known, side, auth)
                                          if s.key.startswith(_PREFIX) and s.key.removeprefix(_PREFIX) not in shown]
        if self.form is not None and self.form.specs == specs:
            self._fill(self.form, options)
            return
        was_open = self.form is not None and self.form.advanced_toggle.isChecked()
        if self.form is not None:
            self._layout.removeWidget(self.form)
            self.form.deleteLater()
        # two forms side by side leave half the page: a title that fits it (no sideways scrolling at 150 %)
        form = ConnectionForm(specs, advanced_title="Advanced (proxy, certificates, timeouts, more)")
        form.advanced_toggle.setToolTip("Proxy, CA bundle, timeouts, rate-limit key and the system's own options")
        form.layout().setContentsMargins(0, 0, 0, 0)
        self._fill(form, options)
        form.advanced_toggle.setChecked(was_open)
        form.changed.connect(self.changed)
        self.form = form
        self._layout.addWidget(form)
        form.show()  # a widget added to a page already on screen stays hidden until told
        self.setVisible(bool(specs))
        if after is not None:  # made after the page: by itself it would come last in the Tab order
            previous = after
            order = [form.inputs[s.key] for s in specs if not s.advanced] + [form.advanced_toggle] + \
                [form.inputs[s.key] for s in specs if s.advanced]
            for widget in order:
                QWidget.setTabOrder(previous, widget)
                previous = widget

    def _fill(self, form: ConnectionForm, options: Mapping[str, Any]) -> None:
        """Each input from its option, or its default where the option is not set; no `changed` meanwhile."""
        self._loaded = {}
        form.blockSignals(True)
        try:
            for spec in form.specs:
                name = spec.key.removeprefix(_PREFIX)
                if name in options and options[name] is not None:
                    form.set_value(spec.key, options[name])
                else:
                    form.set_default(spec.key)
                self._loaded[spec.key] = (form.value(spec.key), options.get(name))
        finally:
            form.blockSignals(False)

    @property
    def names(self) -> tuple[str, ...]:
        """The options these inputs set."""
        return tuple(s.key.removeprefix(_PREFIX) for s in self.form.specs) if self.form is not None else ()

    def apply(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """`options` with the inputs over them: an emptied input takes its option away (the default applies)."""
        out = dict(options)
        if self.form is None:
            return out
        for spec in self.form.specs:
            name = spec.key.removeprefix(_PREFIX)
            value = self.form.value(spec.key)
            shown, stored = self._loaded.get(spec.key, (None, None))
            if value == shown:
                value = stored  # untouched: the stored value as it was (not its text)
            elif spec.widget == "check" and value == bool(spec.default):
                value = None
            elif value is not None and not (isinstance(value, str) and not value.strip()):
                value = _typed(spec, value)
            else:
                value = None
            if value is None:
                out.pop(name, None)
            else:
                out[name] = value
        return out

    def check(self, endpoint: EndpointConfig) -> dict[str, tuple[str, ...]]:
        """The kind's model on the edited endpoint: each problem about one of these inputs is shown under it
        (an input of the Advanced section unfolds it); returns them by input key."""
        known = kinds().get(endpoint.kind)
        if self.form is None or known is None:
            return {}
        values: dict[str, Any] = {"url": endpoint.url}
        values.update({f"{_PREFIX}{name}": value for name, value in endpoint.options.items()})
        verdict = check_endpoint(known, endpoint.side, endpoint.auth, values)
        keys = {spec.key for spec in self.form.specs}
        problems = {key: messages for key, messages in verdict.problems.items() if key in keys}
        self.form.show_problems(problems)
        return problems
