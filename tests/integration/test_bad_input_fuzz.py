"""Fuzzing what an admin or a server can hand the app: profile files with any value at any place, field rows,
currency mappings, and server replies of any shape; profile files cut and garbled, and secrets pasted into one.
Whatever comes in, `erpsync` answers with a typed error and its exit code (2: the configuration, 1: records or the
run) or does the job; it never raises a traceback, never hangs, never reports an "internal error", a refused
profile leaves the stored one exactly as it was, and a refusal never quotes a secret back. The inputs tried are
printed with the other proof figures (ERPSYNC_FUZZ_EXAMPLES examples a test; 40 in CI)."""

from __future__ import annotations

import copy
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from erpsync_gui.cli import main
from tests.reliability.figures import report

EXIT_OK, EXIT_FAILED, EXIT_CONFIG = 0, 1, 2
FUZZ = settings(max_examples=int(os.environ.get("ERPSYNC_FUZZ_EXAMPLES", "40")), deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

#: values that each broke some parser before: huge, infinite, negative, empty, wrong types, paths, injections
NASTY_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1e308, -1.0, 0, 0.0, 1e27, -5]),
    st.text(max_size=30), st.sampled_from(["", " ", "../../etc", "every day", "99 * * * *", "no", "http://a:pw@h/",
                                           "company; DROP TABLE tblclients", "\x00", "é" * 300, "inf", "1e308"]),
)
NASTY = st.recursive(NASTY_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=6)


CANARY = "cnry-fuzz-secret-3e9a1b"
SECRET_KEYS = ("password", "token", "client_secret", "api_key", "db_password", "refresh_token")
#: inputs tried; of the profile files, how many `erpsync` took and refused; of them all, the server replies
_TRIED: dict[str, int] = {"inputs": 0, "taken": 0, "refused": 0, "replies": 0}


@pytest.fixture(scope="module", autouse=True)
def _figures() -> Iterator[None]:
    yield
    report("bad-input", **_TRIED)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("fuzz-demo")
    assert main(["--data-dir", str(directory), "demo", "--no-sync"]) == EXIT_OK
    return directory


def _cli(directory: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--data-dir", str(directory), *args])  # an exception here is the bug this suite looks for
    out, err = capsys.readouterr()
    return code, out, err


def _stored(directory: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    path = directory / "stored.json"
    assert _cli(directory, capsys, "config", "export", str(path))[0] == EXIT_OK
    return json.loads(path.read_text(encoding="utf-8"))


def _places(doc: Any, path: tuple = ()) -> Iterator[tuple]:
    """Every place in the profile document a value sits at."""
    yield path
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from _places(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from _places(value, (*path, index))


def _put(doc: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    changed = copy.deepcopy(doc)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def _check_import(directory: Path, capsys: pytest.CaptureFixture[str], doc: Any, before: dict[str, Any]) -> int:
    return _check_text(directory, capsys, json.dumps(doc, ensure_ascii=False, allow_nan=True), "json", before)


def _check_text(directory: Path, capsys: pytest.CaptureFixture[str], text: str, fmt: str,
                before: dict[str, Any]) -> int:
    path = directory / f"fuzzed.{fmt}"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    code, _out, err = _cli(directory, capsys, "config", "import", str(path))
    _TRIED["inputs"] += 1
    _TRIED["taken" if code == EXIT_OK else "refused"] += 1
    assert code in (EXIT_OK, EXIT_CONFIG), err
    if code == EXIT_CONFIG:
        assert err.startswith("configuration error: ") and len(err) > 30, err
        assert _stored(directory, capsys) == before  # nothing of a refused file was written
    else:
        # a value the model took must also run: a dry run may fail records, never crash
        code, out, err = _cli(directory, capsys, "sync", "-e", "clients", "--dry-run", "--json")
        assert code in (EXIT_OK, EXIT_FAILED, EXIT_CONFIG), err
        assert "internal error" not in out + err, out + err
        _restore(directory, capsys, before)
    return code


def _restore(directory: Path, capsys: pytest.CaptureFixture[str], doc: dict[str, Any]) -> None:
    path = directory / "restore.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert _cli(directory, capsys, "config", "import", str(path))[0] == EXIT_OK


@FUZZ
@given(data=st.data())
def test_any_value_anywhere_in_a_profile_file(demo: Path, capsys: pytest.CaptureFixture[str], data) -> None:
    before = _stored(demo, capsys)
    place = data.draw(st.sampled_from(sorted(_places(before), key=repr)))
    _check_import(demo, capsys, _put(before, place, data.draw(NASTY)), before)


@FUZZ
@given(row=st.dictionaries(st.sampled_from(["crm", "erp", "type", "transform", "required", "value_map", "default",
                                            "direction", "key", "format"]), NASTY, max_size=5))
def test_any_field_row(demo: Path, capsys: pytest.CaptureFixture[str], row: dict[str, Any]) -> None:
    before = _stored(demo, capsys)
    doc = copy.deepcopy(before)
    doc["entities"]["clients"]["fields"].append(row)
    _check_import(demo, capsys, doc, before)


@FUZZ
@given(mapping=st.one_of(NASTY, st.dictionaries(st.text(max_size=5), NASTY_SCALARS, max_size=4)))
def test_any_currency_mapping(demo: Path, capsys: pytest.CaptureFixture[str], mapping: Any) -> None:
    before = _stored(demo, capsys)
    doc = copy.deepcopy(before)
    doc["entities"]["clients"]["currency_mapping"] = mapping
    _check_import(demo, capsys, doc, before)


@st.composite
def _garbled(draw: st.DrawFn, texts: dict[str, str]) -> tuple[str, str]:
    """A profile file cut, with text put in or taken out, or nested deeper than a parser recurses."""
    fmt = draw(st.sampled_from(sorted(texts)))
    text = texts[fmt]
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(("cut", "insert", "delete", "deep")))
        if how == "cut":
            text = text[:at]
        elif how == "insert":
            text = text[:at] + draw(st.text(max_size=8)) + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 20)):]
        else:
            text = text[:at] + ("[" * 5000 if fmt == "json" else "\na = " + "[" * 5000) + text[at:]
    return fmt, text


@FUZZ
@given(data=st.data())
def test_any_garbled_profile_file(demo: Path, capsys: pytest.CaptureFixture[str], data) -> None:
    before = _stored(demo, capsys)
    exported = demo / "stored.toml"
    assert _cli(demo, capsys, "config", "export", str(exported))[0] == EXIT_OK
    texts = {"json": json.dumps(before, ensure_ascii=False, indent=2), "toml": exported.read_text(encoding="utf-8")}
    fmt, text = data.draw(_garbled(texts))
    _check_text(demo, capsys, text, fmt, before)


@FUZZ
@given(data=st.data())
def test_a_secret_pasted_into_a_profile_file_is_refused_and_never_quoted(
        demo: Path, capsys: pytest.CaptureFixture[str], data) -> None:
    before = _stored(demo, capsys)
    tables = [place for place in sorted(_places(before), key=repr) if isinstance(_at(before, place), dict)]
    place = data.draw(st.sampled_from(tables))
    doc = _put(before, (*place, data.draw(st.sampled_from(SECRET_KEYS))), CANARY)
    path = demo / "pasted.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    code, out, err = _cli(demo, capsys, "config", "import", str(path))
    _TRIED["inputs"] += 1
    _TRIED["refused" if code == EXIT_CONFIG else "taken"] += 1
    assert code == EXIT_CONFIG, out + err
    assert "never stored in the profile file" in err, err
    assert CANARY not in out + err
    assert _stored(demo, capsys) == before


def _at(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


# -- server replies -----------------------------------------------------------------------------------------------

class _Replies(BaseHTTPRequestHandler):
    """Answers every request with the status and body the example chose."""

    reply: tuple[int, bytes] = (200, b"{}")

    def _answer(self) -> None:
        status, body = type(self).reply
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def garbage(demo: Path) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Replies)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    server.shutdown()
    server.server_close()


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(
        st.sampled_from(["data", "id", "meta", "next", "updated_at", "code", "currency_id", "name", "error"]),
        inner, max_size=5)), max_leaves=12)
REPLIES = st.one_of(
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=60),
    st.sampled_from([b"[" * 50_000, b'{"data": [{"id": 1, "na', b"<html>502</html>", b"",
                     b'{"data": [{"id": 1e400, "updated_at": "x"}], "meta": {"next": 2}}']),
)


@FUZZ
@given(status=st.sampled_from([200, 200, 200, 201, 204, 301, 400, 404, 409, 418, 429, 500, 503]), body=REPLIES)
def test_any_server_reply(demo: Path, garbage: str, capsys: pytest.CaptureFixture[str], status: int,
                          body: bytes) -> None:
    before = _stored(demo, capsys)
    pointed = copy.deepcopy(before)
    pointed["erp"].update(url=garbage, retries=0)
    _restore(demo, capsys, pointed)
    _Replies.reply = (status, body)
    _TRIED["inputs"] += 1
    _TRIED["replies"] += 1
    try:
        code, out, err = _cli(demo, capsys, "sync", "-e", "clients", "--direction", "both", "--json")
    finally:
        _restore(demo, capsys, before)
    assert code in (EXIT_OK, EXIT_FAILED, EXIT_CONFIG), err
    assert "internal error" not in out + err and "Traceback" not in err, out + err
    results = json.loads(out)
    if isinstance(results, list):
        assert all(r["status"] != "failed" or r["message"] for r in results), results
    else:
        assert results["error"] and results["kind"], results
