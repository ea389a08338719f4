"""The shipped JSON Schema of the profile file: current with the model, and checking a file the way an editor
does (the jsonschema reference validator)."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest

from erpsync_gui.app.config_file import dump_profile, loads_profile
from erpsync_gui.app.demo import demo_profile
from erpsync_gui.cli import main
from erpsync_gui.config.schema import SCHEMA_PATH

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Profile file", 1)[1].split("```toml", 1)[1].split("```", 1)[0]


def test_the_shipped_schema_is_what_the_model_generates() -> None:
    # in a fresh process: the test session adds an in-memory connector kind to the catalogue
    done = subprocess.run([sys.executable, "-m", "erpsync_gui.config.schema", "--check"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_the_readme_example_and_an_exported_profile_pass(validator, tmp_path: Path) -> None:
    validator.validate(tomllib.loads(_readme_example()))
    exported = tomllib.loads(dump_profile(demo_profile(tmp_path)))
    validator.validate(exported)
    # a JSON file may name its schema, and the app reads it all the same
    document = {"$schema": "./profile.schema.json", **tomllib.loads(_readme_example())}
    assert loads_profile(json.dumps(document), "json").name == "production"


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"erp": {"kind": "rest", "url": "https://e/", "timeout": 1e308}}, ["erp"]),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"pagin": "page"}}}, ["erp"]),
        ({"erp": {"kind": "spaceship", "url": "https://e/"}}, ["erp"]),
        ({"schedule": {"interval_hours": 0}}, ["schedule", "interval_hours"]),
        ({"entities": {"clients": {"direction": "sideways"}}}, ["entities", "clients", "direction"]),
        ({"colour": "blue"}, []),
    ],
)
def test_an_editor_flags_what_the_app_refuses(validator, change: dict, where: list[str]) -> None:
    document = {**tomllib.loads(_readme_example()), **change}
    errors = list(validator.iter_errors(document))
    assert errors, "the schema took a value the app refuses"
    assert any(list(e.absolute_path)[:len(where)] == where for e in errors), [e.message for e in errors]


def test_config_schema_writes_the_schema(tmp_path: Path, capsys) -> None:
    target = tmp_path / "profile.schema.json"
    assert main(["--data-dir", str(tmp_path / "data"), "config", "schema", str(target)]) == 0
    written = json.loads(target.read_text(encoding="utf-8"))
    shipped = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # the same schema, but for the in-memory test system this session adds to the catalogue
    assert written["title"] == "ERPSync profile" and set(shipped["$defs"]) <= set(written["$defs"])
    assert "TrytonErpEndpoint" in written["$defs"] and "secret set" in written["description"]


def test_the_readme_tables_of_systems_and_auth_kinds_are_the_catalogues() -> None:
    done = subprocess.run([sys.executable, "-m", "erpsync_gui.config.catalogue_doc", "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    text = README.read_text(encoding="utf-8")
    assert '`kind = "tryton"`' in text and "| `client_credentials` | OAuth2 client credentials |" in text
