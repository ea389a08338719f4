"""Redaction of secrets from text, headers, URLs, JSON and logged bodies."""

from __future__ import annotations

import copy
import json

import httpx
import pytest

from erpsync_gui.http.redact import (
    MASK,
    is_secret_header,
    is_secret_name,
    redact_body,
    redact_headers,
    redact_json,
    redact_text,
    redact_url,
)


@pytest.mark.parametrize(
    "name",
    ["password", "Password", "db_password", "passwd", "client_secret", "access_token", "refreshToken",
     "api_key", "apiKey", "X-Api-Key", "SessionId", "B1SESSION", "Authorization", "private_key",
     "auth", "x.auth", "user_pin", "otp", "credentials", "signature"],
)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["author", "keyword", "name", "email", "description", "customer_number", "sort", "monkey", "id"]
)
def test_harmless_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("name", "secret"),
    [("Authorization", True), ("Proxy-Authorization", True), ("Cookie", True), ("Set-Cookie", True),
     ("X-Client-Token", True), ("X-Auth-Email", True), ("X-Partner-Key", True), ("Content-Type", False),
     ("Keep-Alive", False), ("User-Agent", False), ("Retry-After", False)],
)
def test_secret_headers(name: str, secret: bool) -> None:
    assert is_secret_header(name) is secret


def test_literal_secrets_in_every_spelling() -> None:
    secret = 'p@ss w/"ord\\'
    url, form = "p%40ss%20w%2F%22ord%5C", "p%40ss+w%2F%22ord%5C"
    text = f"raw {secret} | url {url} | form {form} | json {json.dumps(secret)}"
    out = redact_text(text, [secret])
    assert out == f'raw {MASK} | url {MASK} | form {MASK} | json "{MASK}"'


def test_longer_secret_wins_over_its_prefix() -> None:
    assert redact_text("x abcdef y abc", ["abc", "abcdef"]) == f"x {MASK} y {MASK}"


def test_empty_secrets_are_ignored() -> None:
    assert redact_text("nothing to hide", ["", None]) == "nothing to hide"
    assert redact_text("", ["x"]) == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer eyJhbGciOi.x-y_z", f"Authorization: Bearer {MASK}"),
        ("header Basic dXNlcjpwYXNz", f"header Basic {MASK}"),
        ("Zoho-oauthtoken 1000.abc.def", f"Zoho-oauthtoken {MASK}"),
        ("Session YWRtaW46MTox", f"Session {MASK}"),
        ("basic information: the session expired, token invalid", None),
    ],
)
def test_auth_scheme_tokens_in_free_text(text: str, expected: str | None) -> None:
    assert redact_text(text) == (expected if expected is not None else text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"user": "ann", "password": "hunter2"}', f'{{"user": "ann", "password": "{MASK}"}}'),
        ('{"access_token":"a\\"b","n":1}', f'{{"access_token":"{MASK}","n":1}}'),
        ('{"pin": 1234, "qty": 5}', f'{{"pin": "{MASK}", "qty": 5}}'),
        ('{"refresh_token": "cut-in-the-midd', f'{{"refresh_token": "{MASK}'),
        ('{"author": "ann", "keyword": "x"}', '{"author": "ann", "keyword": "x"}'),
    ],
)
def test_json_pairs_in_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_url_passwords_in_text() -> None:
    text = "proxy http://ann:pa55@proxy.local:3128 failed; see https://erp.example.com/a@b"
    assert redact_text(text) == f"proxy http://ann:{MASK}@proxy.local:3128 failed; see https://erp.example.com/a@b"


def test_key_value_pairs_in_text() -> None:
    text = "grant_type=refresh_token&refresh_token=rt-1&client_secret=cs-2&scope=all"
    expected = f"grant_type=refresh_token&refresh_token={MASK}&client_secret={MASK}&scope=all"
    assert redact_text(text) == expected
    assert redact_text("login failed: password=abc user=ann") == f"login failed: password={MASK} user=ann"


def test_headers_keep_the_scheme_and_hide_values() -> None:
    headers = {"Authorization": "Bearer t-1", "Cookie": "B1SESSION=s; ROUTEID=.node1",
               "X-Client-Token": "ct", "Content-Type": "application/json", "X-Note": "has lit-9 in it"}
    original = dict(headers)
    assert redact_headers(headers, ["lit-9"]) == {
        "Authorization": f"Bearer {MASK}", "Cookie": MASK, "X-Client-Token": MASK,
        "Content-Type": "application/json", "X-Note": f"has {MASK} in it",
    }
    assert headers == original


def test_repeated_headers_and_pairs() -> None:
    headers = httpx.Headers([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Vary", "Accept")])
    assert redact_headers(headers) == {"set-cookie": f"{MASK}, {MASK}", "vary": "Accept"}
    assert redact_headers([("X-Api-Key", "k"), ("Accept", "*/*")]) == {"X-Api-Key": MASK, "Accept": "*/*"}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://ann:pw@erp.example.com/api?x=1", f"https://ann:{MASK}@erp.example.com/api?x=1"),
        ("https://erp.example.com/api?page=2&api_key=k1&token=t&limit=5",
         f"https://erp.example.com/api?page=2&api_key={MASK}&token={MASK}&limit=5"),
        ("https://erp.example.com/api/clients/7", "https://erp.example.com/api/clients/7"),
        ("http://h/a?key=1&keyword=x&authuser=2&q=y", f"http://h/a?key={MASK}&keyword={MASK}&authuser={MASK}&q=y"),
        ("http://h/a?flag&b=", "http://h/a?flag&b="),
    ],
)
def test_urls(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_url_with_literal_secret_anywhere() -> None:
    url = httpx.URL("https://h/t/abc+/def", params={"q": "abc+/def"})
    assert redact_url(url, ["abc+/def"]) == f"https://h/t/{MASK}?q={MASK}"


def test_json_structures() -> None:
    value = {
        "user": "ann",
        "password": "pw",
        "pin": 1234,
        "client_secret": None,
        "auth": {"type": "bearer", "token": "t"},
        "lines": [{"sku": "A", "api_key": "k"}, "note with lit-7", 5],
        "pair": ("x", "lit-7"),
    }
    before = copy.deepcopy(value)
    assert redact_json(value, ["lit-7"]) == {
        "user": "ann",
        "password": MASK,
        "pin": MASK,
        "client_secret": None,  # "not set" is worth seeing and reveals nothing
        "auth": MASK,
        "lines": [{"sku": "A", "api_key": MASK}, f"note with {MASK}", 5],
        "pair": ["x", MASK],
    }
    assert value == before
    assert redact_json("plain", ()) == "plain" and redact_json(None) is None


def test_body_json_text_and_empty() -> None:
    assert redact_body(b'{"password": "pw", "n": 1}') == f'{{"password": "{MASK}", "n": 1}}'
    assert redact_body("user=ann&password=pw") == f"user=ann&password={MASK}"
    assert redact_body(b"note lit-1", ["lit-1"]) == f"note {MASK}"
    assert redact_body(b"") == "" and redact_body(None) == ""


def test_body_is_cut_after_redaction() -> None:
    secret = "S" * 40
    body = ("a" * 90 + secret + "b" * 500).encode()
    out = redact_body(body, [secret], limit=100)
    assert out.startswith("a" * 90 + MASK) and "SSS" not in out
    assert out.endswith(f"… (cut; {len(body)} in all)")


def test_truncated_json_body_is_redacted_as_text() -> None:
    body = ('{"items": [' + '{"x": 1},' * 50 + '{"access_token": "abcdef').encode()
    assert "abcdef" not in redact_body(body, limit=10_000)
