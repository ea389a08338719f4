"""Pure functions that blank secrets out of text, headers, URLs and JSON before they are logged or shown.

Used by the HTTP client's logging, the log handler and error excerpts alike. Two rules work together:
names that look secret (an `Authorization` header, a `password` field, an `api_key` parameter) have
their values blanked whatever they are, and every literal secret value the caller knows is blanked
wherever it turns up (also in its URL- and JSON-escaped forms).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

MASK = "***"

# Substrings that make any name secret: they rarely occur in harmless field names.
_STRONG = re.compile(
    r"token|secret|passw|passphrase|pwd|apikey|api_key|api-key|cookie|session|authoriz|credential"
    r"|signature|private_?key|client_?cert",
    re.IGNORECASE,
)
# Whole words that make a name secret only as a word ("key" in "api.key", not "keyword"; "auth" in
# "x-auth", not "author"), so record fields keep their values in debug logs.
_WEAK_WORDS = frozenset({"key", "auth", "pass", "pin", "sig", "sid", "otp", "jwt"})
_WORD_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
# Header names are few and fixed, so the broad rule of thumb applies: any mention of key or auth.
_HEADER_EXTRA = re.compile(r"key|auth", re.IGNORECASE)

# "Bearer abc", "Basic dXNl", "Zoho-oauthtoken 1000.x", "Session YWRt" in free text. After the words
# that are also plain English ("basic", "session", "token") only credential-like strings count.
_SCHEME_TOKEN = re.compile(
    r"\b(Bearer|Zoho-oauthtoken|Basic|Digest|Session|Token|OAuth)(\s+)([A-Za-z0-9\-._~+/=:%]{4,})",
    re.IGNORECASE,
)
_SURE_SCHEMES = frozenset({"bearer", "zoho-oauthtoken"})
_CREDENTIAL_LIKE = re.compile(r"[0-9=+/%]|[a-z][A-Z]|^.{20,}$")
# "name": "value" pairs inside JSON text that may be truncated (no closing quote at the very end).
_JSON_STRING_PAIR = re.compile(r'"((?:[^"\\]|\\.){1,80})"(\s*:\s*)"((?:[^"\\]|\\.)*)("|$)')
_JSON_SCALAR_PAIR = re.compile(r'"((?:[^"\\]|\\.){1,80})"(\s*:\s*)(-?[0-9][0-9.eE+-]*)')
# the password in "scheme://user:password@host"
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://[^\s/:@]*:)([^\s/@]+)(@)")
# name=value pairs in query strings, form bodies and plain text; stops at a separator or quote.
_KV_PAIR = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z][A-Za-z0-9_.\-]{0,60})(=)([^&\s\"',;]+)")


def is_secret_name(name: str) -> bool:
    """True when a field, parameter or header named `name` probably holds a secret."""
    if _STRONG.search(name):
        return True
    words = {w.lower() for w in _WORD_SPLIT.split(name) if w}
    return bool(words & _WEAK_WORDS)


def is_secret_header(name: str) -> bool:
    """True for headers whose value is always blanked (Authorization, Cookie, X-Client-Token, X-Api-Key)."""
    return is_secret_name(name) or bool(_HEADER_EXTRA.search(name))


def _literal_forms(secrets: Iterable[str | None]) -> list[str]:
    """Every secret in the spellings it may take in a request or log line, longest first."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        secret = str(secret)
        forms.add(secret)
        forms.add(quote(secret, safe=""))
        forms.add(quote_plus(secret, safe=""))
        forms.add(json.dumps(secret)[1:-1])
    return sorted(forms, key=len, reverse=True)


def redact_text(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every known secret value and every secret-looking pair (auth schemes,
    JSON "password": "...", query `token=...`) replaced by ***."""
    if not text:
        return text
    for form in _literal_forms(secrets):
        text = text.replace(form, MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    text = _SCHEME_TOKEN.sub(_mask_scheme_token, text)
    text = _JSON_STRING_PAIR.sub(_mask_json_pair, text)
    text = _JSON_SCALAR_PAIR.sub(
        lambda m: f'"{m.group(1)}"{m.group(2)}"{MASK}"' if is_secret_name(m.group(1)) else m.group(0), text
    )
    return _KV_PAIR.sub(lambda m: f"{m.group(1)}={MASK}" if is_secret_name(m.group(1)) else m.group(0), text)


def _mask_scheme_token(m: re.Match[str]) -> str:
    if m.group(1).lower() in _SURE_SCHEMES or _CREDENTIAL_LIKE.search(m.group(3)):
        return f"{m.group(1)}{m.group(2)}{MASK}"
    return m.group(0)


def _mask_json_pair(m: re.Match[str]) -> str:
    if not is_secret_name(m.group(1)) or m.group(3) in ("", MASK):
        return m.group(0)
    return f'"{m.group(1)}"{m.group(2)}"{MASK}{m.group(4)}'


def redact_header_value(name: str, value: str, secrets: Iterable[str | None] = ()) -> str:
    """One header's value as it may be shown; keeps an auth scheme word ("Bearer ***") for diagnosis."""
    if is_secret_header(name):
        scheme, sep, rest = value.partition(" ")
        if sep and rest and scheme.isascii() and scheme.replace("-", "").isalpha():
            return f"{scheme} {MASK}"
        return MASK
    return redact_text(value, secrets)


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], secrets: Iterable[str | None] = ()
) -> dict[str, str]:
    """A plain dict of the headers with secret values blanked; repeated headers are joined with ", "."""
    secrets = tuple(secrets)
    if hasattr(headers, "multi_items"):
        items = headers.multi_items()  # httpx.Headers keeps repeated headers such as Set-Cookie
    elif isinstance(headers, Mapping):
        items = headers.items()
    else:
        items = headers
    out: dict[str, str] = {}
    for name, value in items:
        shown = redact_header_value(name, value, secrets)
        out[name] = f"{out[name]}, {shown}" if name in out else shown
    return out


def redact_url(url: str | Any, secrets: Iterable[str | None] = ()) -> str:
    """The URL with its password, secret-named query parameters and known secrets blanked;
    everything else is kept exactly as written."""
    text = str(url)
    try:
        parts = urlsplit(text)
    except ValueError:
        return redact_text(text, secrets)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, colon, _password = userinfo.partition(":")
        netloc = f"{user}:{MASK}@{hostport}" if colon else f"{user}@{hostport}"
    query = "&".join(_redact_query_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    rebuilt = urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    for form in _literal_forms(secrets):
        rebuilt = rebuilt.replace(form, MASK)
    return rebuilt


def _redact_query_pair(pair: str) -> str:
    name, eq, _value = pair.partition("=")
    # as for headers, any mention of key/auth/token... counts: a masked harmless parameter costs little
    return f"{name}={MASK}" if eq and is_secret_header(name) else pair


def redact_json(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A copy of a parsed JSON value with secret-named fields blanked (null stays null, to show
    "not set") and known secrets blanked inside every string."""
    return _redact_json(value, tuple(secrets))


def _redact_json(value: Any, secrets: tuple[str | None, ...]) -> Any:
    if isinstance(value, Mapping):
        return {
            key: MASK if item is not None and is_secret_name(str(key)) else _redact_json(item, secrets)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [_redact_json(item, secrets) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    return value


def redact_body(body: bytes | str | None, secrets: Iterable[str | None] = (), limit: int = 2048) -> str:
    """A request or reply body as it may be logged: JSON blanked field by field, any other text
    blanked by `redact_text`, then cut to `limit` characters (redacted first: no secret is cut in half)."""
    if not body:
        return ""
    secrets = tuple(secrets)
    # Bound the work on huge bodies; the margin keeps a secret near the cut whole.
    head = body[: limit * 64]
    text = head.decode("utf-8", errors="replace") if isinstance(head, bytes) else head
    with contextlib.suppress(ValueError):
        text = json.dumps(redact_json(json.loads(text), secrets), ensure_ascii=False)
    text = redact_text(text, secrets)
    if len(text) > limit:
        return f"{text[:limit]}… (cut; {len(body)} in all)"
    return text
