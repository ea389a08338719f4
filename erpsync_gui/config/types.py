"""Value types shared by the configuration models: names, seconds, URLs and ids, each with its bound.

A name that becomes part of a request path or a SQL identifier is an identifier here, never free text:
`../../etc` or `company; DROP TABLE` cannot get through to a connector.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field, StringConstraints
from pydantic.fields import FieldInfo

from erpsync_gui.entities import ENTITIES

#: an entity's name on a system: a table, module, model or path segment ("tblclients", "party.party", "Accounts")
RemoteName = Annotated[str, StringConstraints(
    pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$", max_length=100)]
#: a field of a record as a connector names it ("company", "CustomerRef.value", "Zoho $currency_symbol")
FieldName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*$",
                                             max_length=100)]
#: a word of a fixed vocabulary (an entity of the product, an option key)
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,59}$")]
PositiveInt = Annotated[int, Field(ge=1, le=2**31 - 1)]
if TYPE_CHECKING:
    # a type checker reads only a written-out Literal; the catalogue is data, so to it the name is text
    EntityName: TypeAlias = str
else:
    #: an entity of the product's catalogue ("clients", "product_groups" ...)
    EntityName = Literal[tuple(ENTITIES)]


def seconds_range(low: float, high: float, what: str = "a number of seconds") -> FieldInfo:
    """The bound of a finite number of seconds from `low` to `high`, for `Annotated[float, seconds_range(...)]`
    (1e308 and inf are refused, never overflow later)."""
    bound: FieldInfo = Field(ge=low, le=high, allow_inf_nan=False, description=f"{what} from {low:g} to {high:g}")
    return bound


_USERINFO = re.compile(r"^[a-z][a-z0-9+.-]*://[^/@]*@", re.IGNORECASE)


def no_password_in_url(url: str) -> str:
    """A URL carrying a password would land in the state database, in `status` and in an export."""
    parts = urlsplit(url)
    if parts.password is not None:
        raise ValueError("the URL carries a password: take it out and store it with `erpsync secret set` "
                         "(or the window's password field); it then lives in the OS keyring")
    return url


def http_url(url: str) -> str:
    """An http(s) URL with a host and no user name or password in it."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http:// or https:// URL with a host")
    if _USERINFO.match(text):
        raise ValueError("the URL carries a user name or password: put the user name in the endpoint's "
                         "username option and store the password with `erpsync secret set`")
    return text


HttpUrl = Annotated[str, StringConstraints(max_length=2000), AfterValidator(http_url)]
