"""The SQL connector's boundary with the database driver: building the engine and translating its errors.

The password comes from the keyring (`db_password`) into the URL object only; URLs are shown with the
password hidden. SQLite files are opened read-write but never created (mode=rw), with WAL and a busy
timeout so the CRM application and ERPSync can share the file.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    DBAPIError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    ProgrammingError,
    SQLAlchemyError,
)

from erpsync_gui.errors import (
    AuthError,
    ConfigError,
    DuplicateError,
    ERPSyncError,
    PermanentError,
    RetryableError,
)

SQLITE_BUSY_MS = 15_000
_AUTH_SQLSTATES = {"28P01", "28000"}
# MySQL/MariaDB server error numbers (PyMySQL raises most of them as OperationalError, whatever they mean)
_MYSQL_AUTH_CODES = {1045, 1698}  # wrong user name or password; no password-less login for this user
_MYSQL_PRIVILEGE_CODES = {1044, 1142, 1143, 1227}  # logged in, but not allowed to use the database/table/column
_MYSQL_DUPLICATE = 1062
_MYSQL_UNKNOWN_DB = 1049
_MYSQL_SCHEMA_CODES = {_MYSQL_UNKNOWN_DB, 1051, 1054, 1109, 1146}  # unknown database, table or column
# a value the column cannot take (strict mode): incorrect date/number, out of range, CHECK constraint; a
# NOT NULL column given NULL (1048) or left out without a default (1364); text too long (1406), cut (1265)
_MYSQL_REFUSED_VALUE_CODES = {1048, 1265, 1292, 1364, 1366, 1367, 1406, 1411, 1690, 3819, 4025}
# psycopg reports connection-time refusals without a SQLSTATE: the server's words are all there is
_AUTH_PHRASES = ("password authentication failed", "access denied for user", "is not permitted to log in",
                 "no pg_hba.conf entry")
_SQLITE_CONFIG_PREFIXES = ("no such table", "no such column", "near ", "attempt to write a readonly")


def parse_url(url: str, password: str | None = None) -> URL:
    """The endpoint URL as a SQLAlchemy URL object, with the keyring's password put in."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("The database URL is not valid",
                          hint="e.g. sqlite:///C:/crm/crm.db or postgresql+psycopg://user@host/db") from None
    # a SQLite file has no password: one stored for it anyway is left out, it would only break the URL
    return parsed.set(password=password) if password and parsed.get_backend_name() != "sqlite" else parsed


def safe_url(url: URL) -> str:
    """The URL as text for logs and messages: never with the password."""
    return url.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The SQLite database file the URL names; None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def build_engine(url: URL, timeout: float = 30.0) -> Engine:
    """An engine with a pool suited to the dialect; ConfigError when the driver is not installed."""
    path = sqlite_file(url)
    try:
        if path is not None:
            engine = create_engine(url, creator=lambda: _open_sqlite(path), pool_size=5, max_overflow=5)
            event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        if url.get_backend_name() == "sqlite":
            return create_engine(url)
        args: dict[str, Any] = {"connect_timeout": max(1, int(timeout))}
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, pool_recycle=1800,
                             connect_args=args)
    except NoSuchModuleError:
        raise ConfigError(f"No database driver for {url.drivername!r}",
                          hint="use sqlite:///, postgresql+psycopg:// or mysql+pymysql://") from None
    except ModuleNotFoundError as exc:
        raise ConfigError(f"The database driver {exc.name!r} is not installed") from None


def _open_sqlite(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise ConfigError(f"The SQLite file {path} does not exist",
                          hint="check the path in the CRM database URL")
    uri = path.resolve().as_uri() + "?mode=rw"
    return sqlite3.connect(uri, uri=True, timeout=SQLITE_BUSY_MS / 1000, check_same_thread=False)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        with suppress(sqlite3.Error):  # a read-only file keeps its journal mode; reading still works
            cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _first_line(error: BaseException) -> str:
    args: tuple[object, ...] = getattr(error, "args", ())
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):  # PyMySQL: (number, text)
        text = f"{args[1].strip()} [{args[0]}]"
    else:
        text = str(error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


def _code(orig: Any) -> tuple[str | None, int | None]:
    """(SQLSTATE, numeric driver code) where the driver says them."""
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    args = getattr(orig, "args", ())
    number = args[0] if args and isinstance(args[0], int) else None
    return sqlstate, number


def _mysql_number(orig: Any) -> int | None:
    """The server's error number of a MySQL/MariaDB driver error; None for other drivers."""
    module = type(orig).__module__
    return _code(orig)[1] if module.startswith(("pymysql", "MySQLdb", "mysql", "mariadb")) else None


def is_auth_failure(orig: Any, text: str) -> bool:
    sqlstate, number = _code(orig)
    lowered = text.lower()
    return (sqlstate in _AUTH_SQLSTATES or number in _MYSQL_AUTH_CODES
            or any(phrase in lowered for phrase in _AUTH_PHRASES)
            or ('role "' in lowered and "does not exist" in lowered))


def _is_missing_database(orig: Any, text: str) -> bool:
    lowered = text.lower()
    return _code(orig)[1] == _MYSQL_UNKNOWN_DB or ('database "' in lowered and "does not exist" in lowered)


def translate(exc: BaseException, action: str) -> ERPSyncError:
    """The product error for a database failure; the engine decides by its class what to retry."""
    if isinstance(exc, ERPSyncError):
        return exc
    orig = getattr(exc, "orig", None) or exc
    text = _first_line(orig)
    details = str(orig).strip() or None
    sqlstate, number = _code(orig)
    if isinstance(exc, IntegrityError):
        lowered = text.lower()
        if sqlstate == "23505" or number == _MYSQL_DUPLICATE or "unique" in lowered or "duplicate" in lowered:
            return DuplicateError(f"{action}: a row with this unique value already exists ({text})",
                                  details=details)
        return PermanentError(f"{action}: the database refused the row ({text})", details=details)
    if isinstance(exc, DataError):
        return PermanentError(f"{action}: the database refused a value ({text})", details=details)
    if isinstance(exc, ProgrammingError):
        return ConfigError(f"{action}: the database does not match the settings ({text})")
    mysql_number = _mysql_number(orig)
    if mysql_number in _MYSQL_PRIVILEGE_CODES:
        return AuthError(f"{action}: the database user is not allowed to do this ({text})",
                         hint="grant the user SELECT, INSERT and UPDATE on the CRM database")
    if mysql_number in _MYSQL_SCHEMA_CODES:
        return ConfigError(f"{action}: the database does not match the settings ({text})")
    if mysql_number in _MYSQL_REFUSED_VALUE_CODES:
        return PermanentError(f"{action}: the database refused a value ({text})", details=details)
    if isinstance(exc, (OperationalError, InterfaceError)):
        if is_auth_failure(orig, text):
            return AuthError(f"{action}: the database refused the user name or password",
                             hint="check the user in the URL and the stored database password")
        if _is_missing_database(orig, text) or (
                isinstance(orig, sqlite3.Error) and text.lower().startswith(_SQLITE_CONFIG_PREFIXES)):
            return ConfigError(f"{action}: the database does not match the settings ({text})")
        return RetryableError(f"{action}: the database is unavailable ({text})", details=details)
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return RetryableError(f"{action}: the database connection was lost ({text})", details=details)
    if isinstance(exc, sqlite3.OperationalError):
        return RetryableError(f"{action}: the database is unavailable ({text})", details=details)
    return PermanentError(f"{action}: {text}", details=details)


@contextmanager
def translate_errors(action: str) -> Iterator[None]:
    """Raise database failures inside the block as product errors."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise translate(exc, action) from exc
