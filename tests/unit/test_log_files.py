"""The GUI's log file: every line of the process, with known secret values blanked, in the log folder; a log
folder that cannot be written does not keep the app from starting."""

from __future__ import annotations

import logging

from erpsync_gui.app.log_files import LOG_FILE, close_log_file, open_log_file


def test_lines_go_to_the_file_with_secrets_blanked(tmp_path):
    known = ["s3cret-token-value"]
    handler = open_log_file(tmp_path / "logs", lambda: known)
    try:
        logging.getLogger("erpsync.test").warning("sent Bearer %s to the ERP", "s3cret-token-value")
        known.append("later-secret")  # values learned later are blanked too
        logging.getLogger("alembic.test").error("password later-secret rejected")
    finally:
        close_log_file(handler)
    text = (tmp_path / "logs" / LOG_FILE).read_text(encoding="utf-8")
    assert "WARNING erpsync.test: sent Bearer *** to the ERP" in text
    assert "ERROR alembic.test: password *** rejected" in text
    assert "s3cret" not in text and "later-secret" not in text
    assert handler not in logging.getLogger().handlers


def test_an_unwritable_log_folder_is_a_warning_not_a_failure(tmp_path, caplog):
    blocker = tmp_path / "logs"
    blocker.write_text("a file where the folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="erpsync"):
        assert open_log_file(blocker, list) is None
    assert "No log file in" in caplog.text
    close_log_file(None)
