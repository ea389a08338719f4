"""Profile files: TOML and JSON round trips through the typed model, every problem at once, never a secret."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

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

README = Path(__file__).resolve().parents[2] / "README.md"


def _profile() -> ProfileConfig:
    return ProfileConfig(
        name="acme",
        crm=EndpointConfig(Side.CRM, "sql", "mysql+pymysql://crm@db/crm", options={"preset": "perfex"}),
        erp=EndpointConfig(Side.ERP, "rest", "https://erp.example/index.php/api", auth="bearer",
                           batch_size=200, timeout=12.5, retries=0, log_level="DEBUG",
                           options={"paging": "offset", "page_size_max": 100, "rate_limits": {"per_minute": 60}}),
        entities=(
            EntityConfig("clients", match_keys=("company", "email"), policy="newest_wins",
                         fields=({"crm": "company", "erp": "name", "transform": ["strip"]},
                                 {"crm": "email", "erp": "email", "required": True, "empty": "omit"})),
            EntityConfig("products", enabled=False, direction=Direction.IMPORT,
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
    assert dump_profile(load_profile_file(path), fmt) == text  # import then export writes the same file


def test_format_is_found_by_content_without_an_extension(tmp_path: Path) -> None:
    (tmp_path / "a.conf").write_text(dump_profile(_profile(), "json"))
    (tmp_path / "b.conf").write_text(dump_profile(_profile(), "toml"))
    assert load_profile_file(tmp_path / "a.conf") == load_profile_file(tmp_path / "b.conf") == _profile()


def test_the_readme_example_loads() -> None:
    text = README.read_text(encoding="utf-8")
    example = text.split("## Profile file", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    cfg = loads_profile(example, "toml")
    assert cfg.name == "production" and cfg.crm.options == {"preset": "perfex"}
    assert cfg.entity("clients").match_keys == ("customer_number", "vat")
    assert cfg.entity("products").currency_mapping == {"1": 1, "2": 3}


def test_left_out_keys_take_the_defaults_of_the_catalogue() -> None:
    cfg = profile_from_dict(_minimal(entities={"products": {}, "clients": {"direction": "export"}}))
    assert cfg.crm.batch_size == 50 and cfg.crm.auth == "none" and cfg.erp.auth == "bearer"
    assert cfg.schedule == Schedule()
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
            "log_level": "LOUD", "verbose": True, "options": {"token_url": "https://id.example/token"}},
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
    "schedule.interval_hours: 0 is not a number of hours above 0",
    "schedule.window: 'evening' is not a time window such as 19:00-07:00",
    "schedule.window_days[1]: 'someday' is not one of 'mon'",
    "schedule.entities[1]: 'nope' is not one of 'clients'",
    "crm.url: '' is not the system's address",
    "crm.batch_size: 0 is not a whole number of records from 1 to 1000",
    "crm.timeout: 0 is not a number of seconds from 1 to 600",
    "crm.retries: 11 is not a whole number of retries from 0 to 10",
    "crm.log_level: 'LOUD' is not one of 'DEBUG', 'INFO', 'WARNING' or 'ERROR'",
    "crm.verbose: unknown key",
    "crm.auth: 'magic' is not one of 'none'",
    "crm.options.token_url: unknown key",
    "erp.batch_size: 1001 is not a whole number of records from 1 to 1000",
    "erp.timeout: 'fast' is not a number of seconds from 1 to 600",
    "erp.retries: -1 is not a whole number of retries from 0 to 10",
    "entities.clients.direction: 'sideways' is not one of 'import', 'export' or 'both'",
    "entities.clients.policy: 'loudest_wins' is not one of 'crm_wins', 'erp_wins', 'newest_wins', 'manual' or 'merge'",
    "entities.clients.match_keys: 'email' is not a list",
    "entities.clients.extra: unknown key",
    "entities.clients.fields[1].erp: required",
    "entities.products.currency_mapping.1: [1] is not a currency id",
    "entities.invoices.currency_mapping: 'EUR' is not a table",
    "entities.spaceships: 'spaceships' is not one of 'clients'",
]


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ProfileFileError) as info:
        profile_from_dict(BAD_FILE, source="bad.toml")
    problems = info.value.problems
    for expected in EXPECTED_PROBLEMS:
        assert any(p.startswith(expected) for p in problems), f"missing: {expected}\nin: {problems}"
    assert len(problems) == len(EXPECTED_PROBLEMS), problems
    assert str(info.value).startswith(f"bad.toml has {len(EXPECTED_PROBLEMS)} problems:")


def test_a_secret_in_the_file_is_refused_before_anything_else() -> None:
    doc = _minimal()
    doc["crm"]["token"] = "abc"
    doc["erp"]["options"] = {"db_password": "pw", "token_url": "https://id.example/token"}
    with pytest.raises(ProfileFileError) as info:
        profile_from_dict(doc)
    assert sorted(info.value.problems) == [
        "crm.token: secrets are never stored in the profile file; use `erpsync secret set`",
        "erp.options.db_password: secrets are never stored in the profile file; use `erpsync secret set`"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"name": ""}, "name: '' is not a name of 1 to 100 characters"),
        ({"erp": None}, "erp: None is not the ERP side"),
        ({"demo": "yes"}, "demo: 'yes' is not true or false"),
        ({"schedule": []}, "schedule: [] is not a table"),
        ({"entities": []}, "entities: [] is not a table"),
        ({"entities": {"clients": {"batch_size": 0}}}, "entities.clients.batch_size: 0 is not"),
        ({"entities": {"clients": {"enabled": "no"}}}, "entities.clients.enabled: 'no' is not true or false"),
        ({"entities": {"clients": {"fields": {"crm": "a"}}}}, "entities.clients.fields: {'crm': 'a'} is not a list"),
        ({"entities": {"clients": {"api_key": "k"}}}, "entities.clients.api_key: secrets are never stored"),
        ({"entities": {"clients": {"fields": [{"crm": "a", "erp": "b", "client_secret": "x"}]}}},
         "entities.clients.fields[1].client_secret: secrets are never stored"),
        ({"entities": {"clients": {"match_keys": []}}}, "entities.clients.match_keys: [] is not CRM field names"),
        ({"schedule": {"cron": "99 * * * *"}}, "schedule.cron: '99 * * * *' is not a cron line"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"send_if_match": "no"}}},
         "erp.options.send_if_match: 'no' is not true or false"),
        ({"crm": {"kind": "sql", "url": "mysql+pymysql://crm:secret@db/crm"}}, "crm.url: the URL carries a password"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"pagin": "page"}}},
         "erp.options.pagin: unknown key; did you mean 'paging'?"),
        ({"crm": {"kind": "sql", "url": "sqlite:///a", "options": {"tables": {"../../etc": {"table": "x"}}}}},
         "crm.options.tables.../../etc: '../../etc' is not"),
        ({"erp": {"kind": "zoho", "url": "https://www.zohoapis.eu"}}, "erp: kind 'zoho' cannot be this side"),
        # each of these imported once, then crashed every sync or was taken silently
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"origin_fields": 5}}},
         "erp.options.origin_fields: 5 is not"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"proxy": 5}}}, "erp.options.proxy: 5 is not"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"api_path": 5}}},
         "erp.options.api_path: 5 is not"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"list_key": []}}},
         "erp.options.list_key: [] is not"),
        ({"crm": {"kind": "sql", "url": "sqlite:///a", "options": {"schema": 5}}}, "crm.options.schema: 5 is not"),
        ({"erp": {"kind": "rest", "url": "https://e/", "timeout": float("inf")}},
         "erp.timeout: inf is not a number of seconds from 1 to 600"),
        ({"erp": {"kind": "rest", "url": "https://e/", "timeout": 1e308}},
         "erp.timeout: 1e+308 is not a number of seconds from 1 to 600"),
        ({"erp": {"kind": "rest", "url": "https://e/", "options": {"total_timeout_s": 1e308}}},
         "erp.options.total_timeout_s: 1e+308 is not"),
        ({"entities": {"clients": {"fields": [{"crm": "a", "erp": "b", "value_map": {"a": [1]}}]}}},
         "entities.clients.fields[1].value_map.a: [1] is not"),
        ({"entities": {"products": {"currency_mapping": {"1": "x"}}}},
         "entities.products.currency_mapping.1: 'x' is not a currency id"),
        ({"entities": {"products": {"currency_mapping": {"x": 1}}}},
         "entities.products.currency_mapping.x: 'x' is not a currency id"),
        ({"entities": {"products": {"currency_mapping": {"1": -5}}}},
         "entities.products.currency_mapping.1: -5 is not a currency id"),
        ({"entities": {"products": {"currency_mapping": {"1": 1e27}}}},
         "entities.products.currency_mapping.1: 1e+27 is not a currency id"),
        ({"schedule": {"cron": "every day"}}, "schedule.cron: 'every day' is not a cron line"),
        ({"crm": {"kind": "sql", "url": "sqlite:///a", "options": {"channel_value": []}}},
         "crm.options.channel_value: [] is not"),
        ({"entities": {"../../etc": {}}}, "entities.../../etc: '../../etc' is not one of 'clients'"),
        ({"entities": {"clients": {"erp_name": "../../etc"}}}, "entities.clients.erp_name: '../../etc' is not"),
        ({"entities": {"clients": {"fields": [{"crm": "company; DROP TABLE tblclients", "erp": "name"}]}}},
         "entities.clients.fields[1].crm: 'company; DROP TABLE tblclients' is not"),
        ({"erp": {"kind": "rest", "url": "http://admin:pw@host/"}},
         "erp.url: the URL carries a user name or password: put the user name in the endpoint's username option "
         "and store the password with `erpsync secret set`"),
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
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError, match="nested too deep"):
        load_profile_file(tmp_path / "deep.json")
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
def test_export_never_contains_secrets(fmt: str) -> None:
    secrets = SecretStore()
    for side, name, value in (("crm", "db_password", "crm-db-pw-991"), ("erp", "token", "erp-token-552"),
                              ("erp", "client_token", "erp-client-883")):
        secrets.set("acme", side, name, value)
    cfg = _profile()
    text = dump_profile(cfg, fmt)
    doc = json.loads(text) if fmt == "json" else tomllib.loads(text)
    assert not [k for k in _keys(doc) if _SECRET_KEY.search(k) and k != "client_token_header"]
    for value in secrets.known_secret_values():
        assert value not in text
    leaky = ProfileConfig(**{**cfg.__dict__, "erp": EndpointConfig(Side.ERP, "rest", "https://erp",
                                                                   options={"password": "hunter2"})})
    with pytest.raises(ConfigError) as refused:
        dump_profile(leaky, fmt)
    assert "secrets are never stored" in str(refused.value) and "hunter2" not in str(refused.value)


@pytest.mark.parametrize("fmt, text", [("toml", "a = " + "[" * 5000), ("json", "[" * 100_000)])
def test_a_profile_nested_too_deep_is_a_config_error(fmt: str, text: str) -> None:
    with pytest.raises(ConfigError, match="nested too deep"):
        loads_profile(text, fmt)
