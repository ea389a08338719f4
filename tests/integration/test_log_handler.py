"""StoreLogHandler on a real SQLite store: buffering, flushing, redaction, retention and query_log filters."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from erpsync_gui.errors import StoreError
from erpsync_gui.store.db import Store
from erpsync_gui.store.log_handler import StoreLogHandler, query_log
from erpsync_gui.store.models import LogRow


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    """A private logger with no other handlers, so only what a test sends reaches its handler."""
    log = logging.getLogger(f"erpsync-test.{uuid.uuid4().hex}")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    yield log
    for handler in list(log.handlers):
        log.removeHandler(handler)
        handler.close()


def _attach(log: logging.Logger, store: Store, **kw) -> StoreLogHandler:
    handler = StoreLogHandler(store, level=logging.DEBUG, **kw)
    log.addHandler(handler)
    return handler


def _messages(store: Store, **filters) -> list[str]:
    return [e.message for e in query_log(store, **filters)]


def test_records_are_buffered_until_the_batch_is_full(store: Store, logger: logging.Logger) -> None:
    _attach(logger, store, flush_every=10, flush_interval=3600)
    for i in range(9):
        logger.info("line %d", i)
    assert _messages(store) == []
    logger.info("line 9")
    assert _messages(store) == [f"line {i}" for i in range(10)]


def test_flush_and_close_write_what_is_buffered(store: Store, logger: logging.Logger) -> None:
    handler = _attach(logger, store, flush_every=1000, flush_interval=3600)
    logger.info("first")
    handler.flush()
    assert _messages(store) == ["first"]
    logger.warning("second")
    logger.removeHandler(handler)
    handler.close()
    assert _messages(store) == ["first", "second"]
    logger.info("after close")  # no handler any more, and a closed handler drops records
    handler.emit(logging.LogRecord("x", logging.INFO, __file__, 1, "dropped", None, None))
    assert _messages(store) == ["first", "second"]


def test_an_idle_buffer_is_written_within_the_interval(store: Store, logger: logging.Logger) -> None:
    _attach(logger, store, flush_every=1000, flush_interval=0.05)
    logger.info("lonely line")
    deadline = time.monotonic() + 10
    while not _messages(store) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _messages(store) == ["lonely line"]


def test_messages_are_redacted_before_they_are_stored(store: Store, logger: logging.Logger) -> None:
    known = ["tok-4f9a8b7c6d"]
    handler = _attach(logger, store, secrets=lambda: known)
    handler.add_secret("extra-s3cret")
    logger.info("calling the ERP with tok-4f9a8b7c6d and extra-s3cret")
    logger.info("header Authorization: Bearer abcdef123456")
    try:
        raise ValueError("failed with tok-4f9a8b7c6d")
    except ValueError:
        logger.exception("boom")
    handler.flush()
    stored = " ".join(_messages(store))
    assert "tok-4f9a8b7c6d" not in stored
    assert "extra-s3cret" not in stored
    assert "abcdef123456" not in stored
    assert "calling the ERP with *** and ***" in stored
    assert "ValueError: failed with ***" in stored


def test_context_fields_come_from_extra(store: Store, logger: logging.Logger) -> None:
    handler = _attach(logger, store)
    logger.info("with context", extra={"profile_id": 3, "entity": "clients", "run_id": 42})
    logger.info("without context")
    handler.flush()
    with_ctx, without = query_log(store)
    assert (with_ctx.profile_id, with_ctx.entity, with_ctx.run_id) == (3, "clients", 42)
    assert with_ctx.level == "INFO"
    assert (without.profile_id, without.entity, without.run_id) == (None, None, None)
    assert with_ctx.created_at.tzinfo is not None
    assert abs(with_ctx.created_at - datetime.now(UTC)) < timedelta(minutes=5)


def test_sqlalchemy_logging_during_a_flush_does_not_recurse(store: Store) -> None:
    handler = StoreLogHandler(store, level=logging.DEBUG)
    root, engine_log = logging.getLogger(), logging.getLogger("sqlalchemy.engine")
    old_level = engine_log.level
    root.addHandler(handler)
    engine_log.setLevel(logging.INFO)
    try:
        logging.getLogger("erpsync-test.recursion").warning("only me")
        handler.flush()
    finally:
        root.removeHandler(handler)
        engine_log.setLevel(old_level)
        handler.close()
    assert "only me" in _messages(store)
    assert not any("INSERT INTO log" in m for m in _messages(store))


def test_query_filters(store: Store, logger: logging.Logger) -> None:
    handler = _attach(logger, store)
    logger.debug("debug detail", extra={"entity": "clients", "run_id": 1})
    logger.info("Created client 100% done", extra={"entity": "clients", "run_id": 1})
    logger.warning("slow reply", extra={"entity": "invoices", "run_id": 2})
    logger.error("Rejected invoice", extra={"entity": "invoices", "run_id": 2})
    logger.critical("database gone")
    handler.flush()

    assert _messages(store, level="warning") == ["slow reply", "Rejected invoice", "database gone"]
    assert _messages(store, level="ERROR") == ["Rejected invoice", "database gone"]
    assert _messages(store, entity="clients") == ["debug detail", "Created client 100% done"]
    assert _messages(store, run_id=2) == ["slow reply", "Rejected invoice"]
    assert _messages(store, text="REJECTED") == ["Rejected invoice"]
    assert _messages(store, text="100%") == ["Created client 100% done"]
    assert _messages(store, text="1_0") == []
    assert _messages(store, entity="invoices", level="ERROR") == ["Rejected invoice"]
    assert _messages(store, limit=2) == ["Rejected invoice", "database gone"]
    first_two = query_log(store, after_id=0, limit=2)
    assert [e.message for e in first_two] == ["debug detail", "Created client 100% done"]
    assert _messages(store, after_id=first_two[-1].id) == ["slow reply", "Rejected invoice", "database gone"]
    with pytest.raises(StoreError, match="Unknown log level"):
        query_log(store, level="LOUD")


def test_cleanup_deletes_old_lines_and_flushes_first(store: Store, logger: logging.Logger) -> None:
    handler = _attach(logger, store, flush_every=1000, flush_interval=3600)
    with store.session() as session:
        old = datetime.now(UTC) - timedelta(days=90)
        session.add(LogRow(created_at=old, level="INFO", message="ancient"))
        session.commit()
    logger.info("fresh")
    assert handler.cleanup(older_than_days=30) == 1
    assert _messages(store) == ["fresh"]
