"""The Payamgostar REST v2 protocol client over the product's HTTP layer.

Every call is a POST with a JSON body, reads included: `crmobject/identity/search` (0-based pages of
{identityId, nickName, customerNo}; identityType 1 = person, 2 = organization), `crmobject/person|organization/
get|create|update` ({"id": ...} to get; create and update answer {"crmId": ...}) and `crmobject/quote/sales/get`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from erpsync_gui.errors import NotFoundError, PermanentError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.json_reply import decode_json

API = "api/v2/crmobject/"
PERSON, ORGANIZATION = 1, 2
KIND_PATHS = {PERSON: "person", ORGANIZATION: "organization"}


class PayamgostarClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def call(self, path: str, body: Mapping[str, Any], what: str) -> Any:
        """POST `body` to `api/v2/crmobject/<path>`; the reply's JSON (PermanentError naming the call if none)."""
        response = self.http.request("POST", API + path, json=dict(body), headers={"Accept": "application/json"})
        return _json(response, what)

    def search(self, page: int, size: int, identity_type: int | None = None, term: str = "") -> list[dict[str, Any]]:
        body: dict[str, Any] = {"pageNumber": page, "pageSize": size, "searchTerm": term}
        if identity_type is not None:
            body["identityType"] = identity_type
        rows = self.call("identity/search", body, "identity search")
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise PermanentError(f"malformed reply from Payamgostar for clients at {API}identity/search: "
                                 "not a list of identities")
        return rows

    def get(self, path: str, record_id: str, what: str) -> dict[str, Any] | None:
        """One record by id; None when this kind of record has no such id."""
        try:
            data = self.call(f"{path}/get", {"id": record_id}, what)
        except NotFoundError:
            return None
        except PermanentError as exc:
            if exc.status in (400, 404):  # which status a wrong kind of id gets is undocumented
                return None
            raise
        if data is None or data == {} or data == "":
            return None
        if not isinstance(data, dict):
            raise PermanentError(f"malformed reply from Payamgostar for {what} at {API}{path}/get: not an object")
        return data

    def write(self, path: str, body: Mapping[str, Any], what: str) -> str:
        """A create or update; the crmId it answers."""
        data = self.call(path, body, what)
        crm_id = data.get("crmId") if isinstance(data, dict) else None
        if not isinstance(crm_id, str) or not crm_id.strip():
            raise PermanentError(f"malformed reply from Payamgostar for {what} at {API}{path}: no crmId")
        return crm_id.strip()


def _json(response: httpx.Response, what: str) -> Any:
    return decode_json(response, "Payamgostar", what, empty=None)

