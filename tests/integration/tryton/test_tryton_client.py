"""The Tryton connector's protocol layer against a real Tryton server: the connection test, the session
login and its renewal, the RPC path of older servers, and HTTP failures mapped to the product's errors."""

from __future__ import annotations

import logging
from datetime import UTC

import pytest

from erpsync_gui.errors import AuthError, NotFoundError, PermanentError, RateLimitedError, RetryableError
from tests.integration.tryton.legacy_proxy import LegacyTryton
from tests.tryton_server import DATABASE

pytestmark = pytest.mark.tryton


def test_check_reports_the_server_version_database_company_and_clock(connector):
    result = connector.check()

    assert result.ok and result.reachable and result.authenticated
    assert result.server == "Tryton 8.2"
    assert f"database: {DATABASE}" in result.details
    assert "company: Dunder Mifflin" in result.details
    assert result.server_time is not None and result.server_time.utcoffset() == UTC.utcoffset(None)
    assert result.latency_ms is not None


def test_check_with_a_wrong_password_says_the_login_was_refused(make_connector):
    result = make_connector(password="not-the-password").check()

    assert result.reachable and not result.authenticated and not result.ok
    assert "refused the login" in result.message
    assert "not-the-password" not in result.message
    assert result.server == "Tryton 8.2"


def test_check_names_a_database_that_does_not_exist(make_connector):
    result = make_connector(database="nosuchdb").check()

    assert result.reachable and not result.ok
    assert "no Tryton database 'nosuchdb'" in result.message


def test_a_wrong_password_fails_a_read_with_an_auth_error(make_connector):
    connector = make_connector(password="not-the-password")

    with pytest.raises(AuthError):
        connector.get_many("clients", ["1"])
    assert connector.auth_problem is not None


def test_the_session_is_renewed_after_tryton_ends_it(connector, admin, tryton):
    assert connector.get_many("clients", ["1"])["1"].data["name"] == "Dunder Mifflin"
    # writing the user's password ends every session of that user (res.user on_modification)
    admin.write("res.user", [admin.user_id], {"password": tryton.password})
    stale = admin.session

    assert connector.get_many("clients", ["1"])["1"].data["name"] == "Dunder Mifflin"
    assert admin.call("party.party", "search_count", []) >= 1  # the person logged in again too
    assert admin.session != stale


def test_a_user_error_surfaces_with_trytons_message(connector):
    with pytest.raises(PermanentError) as caught:
        connector.create("clients", {"name": "Unknown field", "no_such_field": 1})
    assert "no_such_field" in str(caught.value)

    first = connector.create("clients", {"name": "First", "code": "SAME-CODE"})
    with pytest.raises(PermanentError) as caught:
        connector.create("clients", {"name": "Second", "code": "SAME-CODE"})
    assert "The code on party must be unique." in str(caught.value)
    assert first.data["code"] == "SAME-CODE"


def test_an_older_server_is_reached_at_the_database_path(make_connector, tryton):
    with LegacyTryton(tryton.url, DATABASE) as legacy:
        connector = make_connector(url=legacy.url)

        assert connector.check().ok
        assert connector.get_many("clients", ["1"])["1"].data["name"] == "Dunder Mifflin"
        assert connector.client.path == f"{DATABASE}/"


def test_the_rpc_path_can_be_pinned(make_connector, tryton):
    with LegacyTryton(tryton.url, DATABASE) as legacy:
        connector = make_connector(url=legacy.url, rpc_path="rpc")

        with pytest.raises(NotFoundError):
            connector.get_many("clients", ["1"])


@pytest.mark.parametrize(("status", "error"), [(503, RetryableError), (429, RateLimitedError), (403, AuthError)])
def test_http_failures_become_the_products_errors(make_connector, tryton, status, error):
    with LegacyTryton(tryton.url, DATABASE) as legacy:
        connector = make_connector(url=legacy.url)
        connector.get_many("clients", ["1"])
        legacy.fail(status, headers={"Retry-After": "120"} if status == 429 else None)

        with pytest.raises(error) as caught:
            connector.get_many("clients", ["1"])
        assert not isinstance(caught.value, PermanentError)
        if status == 429:
            assert caught.value.retry_after == 120


def test_a_503_on_a_write_is_tried_again(make_connector, tryton):
    with LegacyTryton(tryton.url, DATABASE) as legacy:
        connector = make_connector(url=legacy.url, retries=2, backoff_s=0.01)
        connector.get_many("clients", ["1"])
        legacy.fail(503)

        record = connector.create("clients", {"name": "After a 503"})

        assert legacy.faulted == 1
        assert connector.get_many("clients", [record.id])[record.id].data["name"] == "After a 503"


def test_the_password_and_session_never_reach_the_log(make_connector, tryton, caplog):
    connector = make_connector(log_level="DEBUG")
    with caplog.at_level(logging.DEBUG):
        connector.get_many("clients", ["1"])
        connector.create("clients", {"name": "Logged"})
        make_connector(password="wrong-password-123", log_level="DEBUG").check()

    text = caplog.text
    assert "HTTP request POST" in text
    assert tryton.password not in text and "wrong-password-123" not in text
    assert "YWRtaW46" not in text  # base64 of "admin:", the start of the Session header's token


def test_an_unknown_entity_is_a_config_error(connector):
    from erpsync_gui.errors import ConfigError

    with pytest.raises(ConfigError):
        list(connector.changes("tickets", None, 10))


def test_a_reply_that_is_not_json_rpc_is_a_clear_error(make_connector, tryton):
    with LegacyTryton(tryton.url, DATABASE) as legacy:
        connector = make_connector(url=legacy.url)
        connector.get_many("clients", ["1"])
        legacy.fail(200)

        with pytest.raises(PermanentError) as caught:
            connector.get_many("clients", ["1"])
        assert "malformed reply from Tryton" in str(caught.value)
