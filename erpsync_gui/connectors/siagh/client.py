"""The Siagh protocol client: login, the streamed contact list and the form save, over the product's HTTP layer.

Paths (no prefix after the base URL, which must not end in /api): `GeneralApi/LoginUser`,
`api/Sgh/GEN/Gn_Web_Users/GetAll` (GET, the whole list; a POST with a filter body exists too but whether
the server filters is unverified, so it is not used) and `BpmsApi/SaveFormData` (every write).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from erpsync_gui.connectors.siagh.auth import LOGIN_PATH, SiaghAuth, SiaghSession
from erpsync_gui.connectors.siagh.forms import SAVE_PATH, FormReply, read_reply
from erpsync_gui.connectors.siagh.reader import iter_array
from erpsync_gui.errors import AuthError
from erpsync_gui.http import HttpClient

CONTACTS_PATH = "api/Sgh/GEN/Gn_Web_Users/GetAll"


class SiaghClient:
    """Calls of one Siagh server through one HttpClient whose auth is `auth`."""

    def __init__(self, http: HttpClient, auth: SiaghAuth, *, max_contacts: int) -> None:
        self.http = http
        self.auth = auth
        self.max_contacts = max_contacts

    def login(self) -> SiaghSession:
        """Log in now (the auth flow takes the reply as its session) and return what the reply says."""
        self.http.request("POST", LOGIN_PATH, content=self.auth.login_body(),
                          headers={"Content-Type": "application/json", "Accept": "application/json"})
        if self.auth.session is None:
            raise AuthError("Siagh's login answered no session", hint="check the user name and the password")
        return self.auth.session

    def session(self) -> SiaghSession:
        """The current login's reply, logging in first when there is none."""
        return self.auth.session if self.auth.session is not None else self.login()

    def contacts(self) -> Generator[dict[str, Any]]:
        """Every contact row, parsed from the reply as it arrives; the reply is closed when the iterator is."""
        with self.http.stream("GET", CONTACTS_PATH, headers={"Accept": "application/json"}) as response:
            url = str(response.request.url.copy_with(query=None))
            yield from iter_array(response.iter_bytes(), "clients", url, self.max_contacts)

    def save(self, body: dict[str, str], what: str) -> FormReply:
        """One SaveFormData call; the reply's own verdict (every reply is HTTP 200)."""
        response = self.http.request("POST", SAVE_PATH, json=body, headers={"Accept": "application/json"})
        return read_reply(response, what)
