"""`erpsync auth login`: the OAuth2 code flow through the (scripted) system browser and the one-shot
listener, tokens into the keyring, the endpoint's status printed and stored."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from erpsync_gui import cli, cli_commands
from erpsync_gui.profile import EndpointConfig, ProfileConfig
from erpsync_gui.records import Side
from erpsync_gui.secrets import SERVICE
from erpsync_gui.store.config_repo import ConfigRepo
from erpsync_gui.store.db import open_store
from tests.unit.http_auth_server import FakeAuthServer


def _profile(tmp_path: Path, server: FakeAuthServer, auth: str = "oauth2") -> None:
    store = open_store(None, data_dir=tmp_path)
    try:
        options = {"oauth_preset": "zoho", "accounts_server": server.url, "client_id": server.state.client_id,
                   "scopes": ["ZohoCRM.modules.ALL"]}
        ConfigRepo(store).save_profile(ProfileConfig(
            name="acme",
            crm=EndpointConfig(Side.CRM, "rest", "https://www.zohoapis.com/crm/v8/", auth=auth, options=options),
            erp=EndpointConfig(Side.ERP, "rest", "https://erp.example.com/", auth="bearer")))
    finally:
        store.close()


def test_auth_login_stores_the_tokens_and_prints_the_status(tmp_path: Path, memory_keyring, monkeypatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    with FakeAuthServer(rotate=False, extra_redirect={"location": "eu"}) as server:
        server.state.extra_redirect["accounts-server"] = server.url
        _profile(tmp_path, server)
        memory_keyring.set_password(SERVICE, "acme/crm.client_secret", server.state.client_secret)
        opened: list[str] = []

        def browser(url: str) -> bool:
            opened.append(url)
            threading.Thread(target=lambda: httpx.get(url, follow_redirects=True, timeout=5), daemon=True).start()
            return True

        monkeypatch.setattr(cli_commands, "open_browser", browser)
        code = cli.main(["--data-dir", str(tmp_path), "auth", "login", "--side", "crm", "--timeout", "10"])

    out = capsys.readouterr().out
    assert code == 0, out
    assert opened and opened[0].startswith(f"{server.url}/oauth/v2/auth?") and "access_type=offline" in opened[0]
    assert server.state.pkce_checked == 1
    refresh = memory_keyring.entries[(SERVICE, "acme/crm.refresh_token")]
    assert refresh in server.state.refresh_tokens
    assert "CRM endpoint of profile 'acme': active" in out
    assert refresh not in out and server.state.client_secret not in out
    store = open_store(None, data_dir=tmp_path)
    try:
        assert ConfigRepo(store).endpoint_status(1)[Side.CRM].status == "active"
    finally:
        store.close()


def test_auth_login_refuses_an_endpoint_without_oauth2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeAuthServer() as server:
        _profile(tmp_path, server)
    code = cli.main(["--data-dir", str(tmp_path), "auth", "login"])
    assert code == cli.EXIT_CONFIG
    assert "uses bearer authentication" in capsys.readouterr().err
