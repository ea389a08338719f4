"""The main window's pages: one QWidget per sidebar entry, each built from a UiContext."""
