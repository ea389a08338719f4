"""Profile files: TOML and JSON round trips, every validation problem at once, never a secret."""

from __future__ import annotations

import json
import logging
import re
import textwrap
import tomllib
from pathlib import Path

import pytest

from erpsync_gui.app import config_file
from erpsync_gui.app.config_file import (
    ProfileFileError,
    dump_profile,
    load_profile_file,
    loads_profile,
    profile_from_dict,
    write_profile_file,
)
from erpsync_gui.errors import ConfigError
from erpsync_gui.profile import EndpointConfig, EntityConfig, ProfileConfig, Schedule
from erpsync_gui.records import Direction, Side
from erpsync_gui.secrets import SecretStore


def _profile() -> ProfileConfig:
    return ProfileConfig(
        name="acme",
        crm=EndpointConfig(Side.CRM, "sql", "mysql+pymysql://crm@db/crm", options={"table_prefix": "tbl"}),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp.example/index.php/api", auth="bearer",
                           batch_size=200, timeout=12.5, retries=0, log_level="DEBUG",
                           options={"paging": {"style": "offset", "size": 100}, "ids": ["a", "b"]}),
        entities=(
            EntityConfig("clients", match_keys=("customer_number", "email"), policy="newest_wins",
                         fields=({"crm": "company", "erp": "name", "transform": ["strip"]},
                                 {"crm": "email", "erp": "email", "required": True})),
            EntityConfig("products", enabled=False, direction=Direction.IMPORT, match_keys=("sku",),
                         currency_mapping={"1": 1, "2": 3}, batch_size=25, crm_name="items",
                         erp_name="product"),
        ),
        schedule=Schedule(enabled=True, interval_hours=6, window="19:00-07:00",
                          window_days=("mon", "tue"), entities=("clients",)),
        demo=True,
    )


def _minimal(**extra) -> dict:
    doc = {"name": "acme", "crm": {"kind": "sql", "url": "sqlite:///crm.db"},
           "erp": {"kind": "rest", "url": "https://erp.example/api"}}
    doc.update(extra)
    return doc


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_round_trip(fmt: str, tmp_path: Path) -> None:
    cfg = _profile()
    text = dump_profile(cfg, fmt)
    assert loads_profile(text, fmt) == cfg
    path = write_profile_file(cfg, tmp_path / f"acme.{fmt}")
    assert load_profile_file(path) == cfg


def test_format_is_found_by_content_without_an_extension(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text(dump_profile(_profile(), "json"))
    (tmp_path / "b.conf").write_text(dump_profile(_profile(), "toml"))
    assert load_profile_file(tmp_path / "a.conf") == load_profile_file(tmp_path / "b.conf") == _profile()


def test_the_documented_example_loads() -> None:
    example = config_file.__doc__.split("::", 1)[1].split("\nLeft out keys", 1)[0]
    cfg = loads_profile(textwrap.dedent(example), "toml")
    assert cfg.name == "acme" and cfg.crm.options == {"table_prefix": "tbl"}
    assert cfg.entity("clients").fields == ({"crm": "company", "erp": "name"},)
    assert cfg.entity("products").currency_mapping == {"1": 1, "2": 3}
    assert cfg.schedule.window_days == ("mon", "tue", "wed", "thu", "fri")


def test_left_out_keys_take_the_defaults_of_the_catalogue() -> None:
    cfg = profile_from_dict(_minimal(entities={"products": {}, "clients": {"direction": "export"}}))
    assert cfg.crm.batch_size == 50 and cfg.crm.auth == "none" and cfg.schedule == Schedule()
    assert cfg.entity("products").direction is Direction.IMPORT
    assert cfg.entity("products").match_keys == ()
    assert cfg.entity("clients").direction is Direction.EXPORT
    assert [e.entity for e in cfg.entities] == ["products", "clients"]


def test_log_level_is_case_insensitive() -> None:
    doc = _minimal()
    doc["crm"]["log_level"] = "warning"
    assert profile_from_dict(doc).crm.log_level == "WARNING"


BAD_FILE = {
    "name": "acme",
    "colour": "blue",
    "crm": {"kind": "sql", "url": "", "auth": "magic", "batch_size": 0, "timeout": 0, "retries": 11,
            "log_level": "LOUD", "verbose": True, "token": "abc",
            "options": {"db_password": "pw", "token_url": "https://id.example/token"}},
    "erp": {"kind": "rest", "url": "https://erp", "batch_size": 1001, "timeout": "fast", "retries": -1},
    "schedule": {"window": "evening", "window_days": ["someday"], "entities": ["nope"], "interval_hours": 0},
    "entities": {
        "clients": {"direction": "sideways", "policy": "loudest_wins", "match_keys": "email", "extra": 1,
                    "fields": [{"crm": "company"}]},
        "products": {"currency_mapping": {"1": [1]}},
        "invoices": {"currency_mapping": "EUR"},
        "spaceships": {},
    },
}

EXPECTED_PROBLEMS = [
    "colour: unknown key",
    "crm.url: required, a non-empty text",
    "crm.auth: 'magic' is not one of none, bearer",
    "crm.batch_size: 0 is not a whole number from 1 to 1000",
    "crm.timeout: 0 is not a number of seconds above 0",
    "crm.retries: 11 is not a whole number from 0 to 10",
    "crm.log_level: 'LOUD' is not one of DEBUG, INFO, WARNING, ERROR",
    "crm.verbose: unknown key",
    "crm.token: secrets are never stored in the profile file; use `erpsync secret set`",
    "crm.options.db_password: secrets are never stored in the profile file; use `erpsync secret set`",
    "erp.batch_size: 1001 is not a whole number from 1 to 1000",
    "erp.timeout: 'fast' is not a number of seconds above 0",
    "erp.retries: -1 is not a whole number from 0 to 10",
    "schedule.window: 'evening' is not of the form HH:MM-HH:MM",
    "schedule.window_days: 'someday' is not one of mon",
    "schedule.entities: 'nope' is not one of clients",
    "schedule.interval_hours: 0 is not a number of hours above 0",
    "entities.clients.direction: 'sideways' is not one of import, export, both",
    "entities.clients.policy: 'loudest_wins' is not one of crm_wins, erp_wins, newest_wins, manual",
    "entities.clients.match_keys: must be a list of field names",
    "entities.clients.extra: unknown key",
    "entities.clients.fields: row 1",
    "entities.products.currency_mapping: currency mapping is invalid",
    "entities.invoices.currency_mapping: must be a table",
    "entities.spaceships: unknown entity 'spaceships'",
]


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ProfileFileError) as info:
        profile_from_dict(BAD_FILE, source="bad.toml")
    problems = info.value.problems
    for expected in EXPECTED_PROBLEMS:
        assert any(p.startswith(expected) for p in problems), f"missing: {expected}\nin: {problems}"
    assert len(problems) == len(EXPECTED_PROBLEMS), problems
    assert str(info.value).startswith(f"bad.toml has {len(EXPECTED_PROBLEMS)} problems:")
    assert not any("token_url" in p for p in problems)  # it names where a token comes from, not a token


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, "name: required"),
        ({"erp": None}, "erp: required"),
        ({"demo": "yes"}, "demo: must be true or false"),
        ({"schedule": []}, "schedule: must be a table"),
        ({"entities": []}, "entities: must be a table"),
        ({"entities": {"clients": {"batch_size": 0}}}, "entities.clients.batch_size: 0 is not"),
        ({"entities": {"clients": {"enabled": "no"}}}, "entities.clients.enabled: must be true or false"),
        ({"entities": {"clients": {"fields": {"crm": "a"}}}}, "entities.clients.fields: must be a list"),
        ({"entities": {"clients": {"api_key": "k"}}}, "entities.clients.api_key: secrets are never stored"),
        ({"entities": {"clients": {"fields": [{"crm": "a", "erp": "b", "client_secret": "x"}]}}},
         "entities.clients.fields[1].client_secret: secrets are never stored"),
    ],
)
def test_single_problems(change: dict, expected: str) -> None:
    doc = _minimal(**change)
    with pytest.raises(ProfileFileError) as info:
        profile_from_dict(doc)
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_profile_file(tmp_path / "missing.toml")
    (tmp_path / "bad.toml").write_text("name = \n")
    with pytest.raises(ConfigError, match=r"not valid TOML.*line 1"):
        load_profile_file(tmp_path / "bad.toml")
    (tmp_path / "bad.json").write_text('{"name": }')
    with pytest.raises(ConfigError, match=r"not valid JSON.*line 1 column 10"):
        load_profile_file(tmp_path / "bad.json")
    (tmp_path / "list.json").write_text("[1, 2]")
    with pytest.raises(ConfigError, match="top level must be a table"):
        load_profile_file(tmp_path / "list.json")
    with pytest.raises(ConfigError, match="Unknown profile file format"):
        dump_profile(_profile(), "yaml")


_SECRET_KEY = re.compile(r"token|passw|secret|api[_-]?key|credential|private[_-]?key|pwd", re.IGNORECASE)


def _keys(value) -> list[str]:
    if isinstance(value, dict):
        return [k for key, item in value.items() for k in (key, *_keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in _keys(item)]
    return []


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_export_never_contains_secrets(fmt: str, caplog: pytest.LogCaptureFixture) -> None:
    secrets = SecretStore()
    for side, name, value in (("crm", "db_password", "crm-db-pw-991"), ("erp", "token", "erp-token-552"),
                              ("erp", "client_token", "erp-client-883")):
        secrets.set("acme", side, name, value)
    cfg = _profile()
    options = {"password": "hunter2", "nested": {"api_key": "k-1"}}
    leaky_erp = EndpointConfig(Side.ERP, "rest", "https://erp", options=options)
    leaky = ProfileConfig(**{**cfg.__dict__, "erp": leaky_erp})
    for profile in (cfg, leaky):
        with caplog.at_level(logging.WARNING):
            text = dump_profile(profile, fmt)
        doc = json.loads(text) if fmt == "json" else tomllib.loads(text)
        assert not [k for k in _keys(doc) if _SECRET_KEY.search(k)]
        for value in (*secrets.known_secret_values(), "hunter2", "k-1"):
            assert value not in text
    assert any("erp.options.password" in r.getMessage() for r in caplog.records)
