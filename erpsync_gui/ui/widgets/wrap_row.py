"""A row of captioned fields whose last field moves beside a tab widget's tabs when the row is narrower than
every field at its full width: at 1366 px the Mappings page's settings stay on one line, at 150 % scaling the
choices keep their whole names and the match keys sit right of the tabs, without a line of their own."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLayout, QSizePolicy, QTabWidget, QWidget

_GAP = 12


class WrapRow(QWidget):
    """Captioned fields on one line; the field added with `wraps=True` moves into the corner of the tab widget
    given to `spill_into` when the line is too narrow for all of them. Fields added without it never shrink
    below their size hint."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.line = QHBoxLayout(self)
        self.line.setContentsMargins(0, 0, 0, 0)
        self.line.setSpacing(8)
        # the row decides where its last field goes from the width it is given: its content sets no minimum width
        self.line.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self._groups: list[QWidget] = []
        self._wrapping: QWidget | None = None
        self._tabs: QTabWidget | None = None
        self.wrapped = False

    def add(self, caption: str, field: QWidget, *, wraps: bool = False) -> QLabel:
        """Add `field` with its caption (its access key goes to the field); returns the caption."""
        group = QWidget(self)
        line = QHBoxLayout(group)
        line.setContentsMargins(_GAP if self._groups else 0, 0, 0, 0)
        line.setSpacing(8)
        label = QLabel(caption, group)
        label.setBuddy(field)
        line.addWidget(label)
        line.addWidget(field, 1 if wraps else 0)
        if wraps:
            self._wrapping = group
        else:
            field.setSizePolicy(QSizePolicy.Policy.Fixed, field.sizePolicy().verticalPolicy())
            group.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.line.addWidget(group, 1 if wraps else 0)
        self._groups.append(group)
        return label

    def spill_into(self, tabs: QTabWidget) -> None:
        """Where the wrapping field goes when the line is too short: the top right corner of `tabs`."""
        self._tabs = tabs

    def one_line_width(self) -> int:
        """The width every field needs at its full size on one line."""
        fixed = [g.sizeHint().width() for g in self._groups if g is not self._wrapping]
        wrapping = 0
        if self._wrapping is not None:  # as on the line (its margins differ in the corner)
            caption, field = (self._wrapping.layout().itemAt(i).widget() for i in (0, 1))
            wrapping = _GAP + caption.sizeHint().width() + self._wrapping.layout().spacing() + max(
                field.minimumSizeHint().width(), field.minimumWidth())
        return sum(fixed) + wrapping + self.line.spacing() * (len(self._groups) - 1)

    def minimumSizeHint(self) -> QSize:
        widths = [g.minimumSizeHint().width() for g in self._groups if g is not self._wrapping]
        return QSize(sum(widths) + self.line.spacing() * max(len(widths) - 1, 0), super().minimumSizeHint().height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(event.size().width() < self.one_line_width())

    def _place(self, wrap: bool) -> None:
        group = self._wrapping
        if group is None or self._tabs is None or wrap == self.wrapped:
            return
        self.wrapped = wrap
        margins = group.layout().contentsMargins()
        if wrap:
            self.line.removeWidget(group)
            self.line.addStretch(1)
            margins.setLeft(0)
            margins.setRight(4)  # off the tab widget's edge
            group.layout().setContentsMargins(margins)
            self._tabs.setCornerWidget(group, Qt.Corner.TopRightCorner)
        else:
            self._tabs.setCornerWidget(None, Qt.Corner.TopRightCorner)
            self.line.takeAt(self.line.count() - 1)  # the stretch that kept the choices at their size
            margins.setLeft(_GAP)
            margins.setRight(0)
            group.layout().setContentsMargins(margins)
            self.line.addWidget(group, 1)
        group.show()
        self.updateGeometry()
