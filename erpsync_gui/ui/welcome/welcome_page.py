"""The first start without a profile: three ways on (the demo, the connection wizard, a profile file) in the
window itself, instead of pages that have nothing to show."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from erpsync_gui import APP_NAME
from erpsync_gui.ui import icons


class WelcomePage(QWidget):
    demo_requested = Signal()
    wizard_requested = Signal()
    import_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(48, 40, 48, 40)
        outer.addStretch(1)
        column = QVBoxLayout()
        column.setSpacing(14)
        title = QLabel(f"Welcome to {APP_NAME}")
        title.setObjectName("pageTitle")
        intro = QLabel(f"{APP_NAME} keeps your CRM and your ERP in step, in both directions, entity by entity. "
                       "Start with one of these:")
        intro.setObjectName("pageSubtitle")
        intro.setWordWrap(True)
        column.addWidget(title)
        column.addWidget(intro)
        self.wizard_button = self._choice(column, "connections", "&Connect my systems",
                                          "A step-by-step set-up: your CRM and your ERP, a connection test, what "
                                          "to sync and when.", primary=True)
        self.demo_button = self._choice(column, "sync", "Try the &demo",
                                        "A built-in sandbox ERP and a demo CRM on this PC: nothing leaves it.")
        self.import_button = self._choice(column, "import", "&Import a profile file…",
                                          "A TOML or JSON profile exported from ERPSync or written by your IT; "
                                          "every problem in it is listed at once.")
        self.problem = QLabel()
        self.problem.setObjectName("fieldError")
        self.problem.setWordWrap(True)
        self.problem.hide()
        column.addWidget(self.problem)
        holder = QWidget()
        holder.setFixedWidth(600)  # a fixed width lets the wrapped lines take the height they need
        holder.setLayout(column)
        outer.addWidget(holder, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.wizard_button.clicked.connect(self.wizard_requested)
        self.demo_button.clicked.connect(self.demo_requested)
        self.import_button.clicked.connect(self.import_requested)

    @staticmethod
    def _choice(column: QVBoxLayout, icon: str, text: str, detail: str, primary: bool = False) -> QPushButton:
        button = QPushButton(icons.icon(icon), text)
        button.setIconSize(QSize(22, 22))
        button.setMinimumHeight(44)
        if primary:
            button.setObjectName("primary")
        button.setAccessibleDescription(detail)
        explanation = QLabel(detail)
        explanation.setObjectName("hint")
        explanation.setWordWrap(True)
        column.addWidget(button)
        column.addWidget(explanation)
        column.addSpacing(4)
        return button

    def show_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))


class WelcomeSwitch:
    """Puts the welcome page in front of the window's pages while there is no profile."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.page = WelcomePage()
        body = window.takeCentralWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.page)
        self.stack.addWidget(body)
        self.body = body
        window.setCentralWidget(self.stack)

    @property
    def shown(self) -> bool:
        return self.stack.currentWidget() is self.page

    def update(self, has_profiles: bool) -> None:
        self.stack.setCurrentWidget(self.body if has_profiles else self.page)
        if not has_profiles:
            self.page.wizard_button.setFocus()
