"""Opening the state database: engine, SQLite tuning, sessions, and migrating to the code's schema.

Any SQLAlchemy URL works (SQLite by default, PostgreSQL or MySQL for shared installs). Opening always
brings the schema to the newest Alembic revision, so callers never see an old layout. On PostgreSQL, where
several machines (service workers) may open one store at once, the upgrade runs under a session-level
advisory lock: one process migrates, the others wait and then find the schema current.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, CursorResult, Engine, Result, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from erpsync_gui import paths
from erpsync_gui.errors import StoreError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: the advisory lock key held around migrations of a PostgreSQL store (any fixed 64-bit number; "ERPSync1")
MIGRATION_LOCK_KEY = 0x4552_5053_796E_6331
#: how long SQLite waits for another writer (GUI + scheduler + CLI) before giving up, in ms
SQLITE_BUSY_TIMEOUT_MS = 15_000


class Store:
    """An open state database: its URL, engine and a session factory."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine
        self._sessions = sessionmaker(bind=engine, expire_on_commit=False)

    def session(self) -> Session:
        """A new ORM session; use it as a context manager and commit explicitly."""
        return self._sessions()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cur.close()


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"Invalid database URL: {exc}") from None
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if parsed.database in (None, "", ":memory:"):
            # one shared connection, or every session would see its own empty database
            kwargs["poolclass"] = StaticPool
        else:
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as exc:
        raise StoreError(
            f"Cannot use database {parsed.render_as_string(hide_password=True)}: {exc}",
            hint="for PostgreSQL install the 'postgres' extra (psycopg), for MySQL the 'mysql' extra",
        ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config for the packaged migrations; no alembic.ini needed."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


_REVISION = re.compile(r'^revision\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN_REVISION = re.compile(r'^down_revision\s*=\s*["\']([^"\']+)["\']', re.M)


def packaged_head() -> str | None:
    """The newest revision of the packaged migrations, read from their files without importing Alembic (about
    a second of start-up); None when the files do not name exactly one head (then Alembic decides)."""
    revisions, parents = set(), set()
    try:
        for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
            source = path.read_text(encoding="utf-8")
            if (found := _REVISION.search(source)) is not None:
                revisions.add(found.group(1))
                parents.update(_DOWN_REVISION.findall(source))
    except OSError:
        return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def _stored_revisions(engine: Engine) -> set[str] | None:
    """The revisions the database records, by a plain query; None when it records none (new or foreign)."""
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))} or None
    except SQLAlchemyError:
        return None


def _current_revisions(engine: Engine) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return tuple(MigrationContext.configure(conn).get_current_heads())


def _check_not_newer(current: tuple[str, ...], script: ScriptDirectory, where: str) -> None:
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = [rev for rev in current if rev not in known]
    if unknown:
        raise StoreError(
            f"The state database {where} was written by a newer version of ERPSync "
            f"(schema revision {', '.join(unknown)}; this version knows up to {script.get_current_head()})",
            hint="install the newer ERPSync again, or point this one at another data directory",
        )


@contextmanager
def advisory_lock(engine: Engine, key: int = MIGRATION_LOCK_KEY) -> Iterator[Connection | None]:
    """Hold PostgreSQL's session-level advisory lock `key` on a connection of its own while the block runs
    (waiting for another holder); yields that connection, or None on other databases, where nothing is held."""
    if engine.dialect.name != "postgresql":
        yield None
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()
        try:
            yield conn
        finally:
            conn.rollback()  # a failed statement leaves the transaction aborted, and the unlock needs a live one
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
            conn.commit()


def migrate(engine: Engine, where: str) -> None:
    """Bring the schema to the newest revision; refuse a database from a newer version. A database already at
    the packaged head is left without loading Alembic at all."""
    head = packaged_head()
    if head is not None and _stored_revisions(engine) == {head}:
        return
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    _check_not_newer(_current_revisions(engine), script, where)
    if set(_current_revisions(engine)) == set(script.get_heads()):
        return
    with advisory_lock(engine) as locked:
        current = _current_revisions(engine)  # another process may have migrated while this one waited
        _check_not_newer(current, script, where)
        if set(current) == set(script.get_heads()):
            return
        log.info("Migrating state database %s from %s to %s",
                 where, ", ".join(current) or "empty", script.get_current_head())
        try:
            if locked is not None:
                with locked.begin():
                    command.upgrade(alembic_config(locked), "head")
            else:
                with engine.begin() as conn:
                    command.upgrade(alembic_config(conn), "head")
        except (SQLAlchemyError, CommandError) as exc:
            # without a lock (SQLite, MySQL) another process (GUI and CLI started together) may have won the race
            if set(_current_revisions(engine)) == set(script.get_heads()):
                return
            raise StoreError(f"Migrating the state database {where} failed: {exc}") from exc


def open_store(url: str | None = None, *, data_dir: Path | None = None) -> Store:
    """Open (creating if needed) the state database and migrate it to the current schema."""
    if url is None:
        url = paths.default_store_url(paths.data_dir(data_dir))
    engine = _create_engine(url)
    where = make_url(url).render_as_string(hide_password=True)
    try:
        migrate(engine, where)
    except StoreError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        reason = getattr(exc, "orig", None) or exc
        raise StoreError(f"Cannot open the state database {where}: {reason}") from exc
    return Store(url, engine)


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE without RETURNING touched. Session.execute types every result as a
    Result; for such a statement it is a CursorResult, which has the count."""
    assert isinstance(result, CursorResult), type(result)
    return result.rowcount or 0
