"""The connection step's inputs come from the kinds catalogue and each kind's endpoint model, and the model's
problems land at the input they are about."""

from __future__ import annotations

import pytest

from erpsync_gui.config.kinds import kinds
from erpsync_gui.records import Side
from erpsync_gui.ui.wizard.field_specs import check_endpoint, field_specs


@pytest.mark.parametrize("name", sorted(kinds()))
def test_every_kind_on_every_side_gets_its_url_its_form_entries_and_its_secrets(name):
    kind = kinds()[name]
    for side in kind.sides:
        specs = {spec.key: spec for spec in field_specs(kind, side)}
        assert specs["url"].required
        for entry in kind.form:
            key = entry.key if entry.key == "url" or entry.key.startswith("secret:") else f"options.{entry.key}"
            if entry.key.startswith("secret:") and entry.key.removeprefix("secret:") not in \
                    {s.name for s in kind.needed_secrets(_probe(kind, side))}:
                continue
            assert key in specs, (name, key)
            assert specs[key].label == entry.label
        for secret in kind.needed_secrets(_probe(kind, side)):
            assert specs[f"secret:{secret.name}"].widget == "secret"


def _probe(kind, side):
    from erpsync_gui.profile import EndpointConfig

    return EndpointConfig(side, kind.name, "", auth=kind.default_auth)


def test_sap_b1_asks_for_the_company_database_in_its_own_words():
    specs = {s.key: s for s in field_specs(kinds()["sap_b1"], Side.ERP)}
    assert specs["options.company_db"].label == "Company database" and specs["options.company_db"].required
    assert specs["options.proxy"].advanced and not specs["options.company_db"].advanced


def test_a_sign_in_kind_changes_the_inputs():
    rest = kinds()["rest"]
    basic = {s.key for s in field_specs(rest, Side.ERP, "basic")}
    assert "options.username" in basic and "secret:password" in basic and "secret:token" not in basic


def test_problems_are_put_under_their_inputs():
    rest = kinds()["rest"]
    verdict = check_endpoint(rest, Side.ERP, "basic", {"url": "ftp://erp", "options.connect_timeout_s": "-3"})
    assert not verdict.ok
    assert "http" in verdict.problems["url"][0]
    assert verdict.problems["options.connect_timeout_s"]
    missing_user = check_endpoint(rest, Side.ERP, "basic", {"url": "https://erp.example.com/"})
    assert missing_user.problems == {"options.username": ("required",)}
    fine = check_endpoint(rest, Side.ERP, "basic", {"url": "https://erp.example.com/", "options.username": "ann"})
    assert fine.ok and fine.endpoint.options == {"username": "ann"} and fine.endpoint.auth == "basic"
