"""The Service Layer protocol client: reads page by page, reads, creates and patches one entity, and sends
`$batch` changesets, all through the product's HttpClient (whose `session` auth logs in, keeps the
B1SESSION/ROUTEID cookies, logs in again once after a 401 and logs out when it closes).

Paging follows the server: the page size is asked with `Prefer: odata.maxpagesize=N` (or
`B1S-PageSize: N`) and each page names the next with `odata.nextLink` (v1) or `@odata.nextLink` (v2), as
a link relative to the host, to the service root, or absolute on the same server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from erpsync_gui.connectors.sap_b1 import batch
from erpsync_gui.connectors.sap_b1.odata import next_link
from erpsync_gui.connectors.sap_b1.options import SapB1Options
from erpsync_gui.errors import ConfigError, OutcomeUnknownError, PermanentError
from erpsync_gui.http import HttpClient
from erpsync_gui.http.json_reply import decode_json

#: characters OData expects literally in a query string
_SAFE = "$',()"
MAX_PAGES = 1_000_000


def service_root(url: str, version: str | None) -> tuple[str, str]:
    """(version, service root URL ending in /) from the endpoint URL, with /b1s/<version>/ added when
    the URL names only the server."""
    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError) as exc:
        raise ConfigError(f"the SAP Business One URL {url!r} is not valid: {exc}") from None
    parts = [p for p in parsed.path.split("/") if p]
    if len(parts) >= 2 and parts[-2] == "b1s" and parts[-1] in ("v1", "v2"):
        if version and version != parts[-1]:
            raise ConfigError(f"the URL names Service Layer {parts[-1]} but the options say {version}",
                              hint="remove the version option or change the URL")
        found = parts[-1]
    else:
        found = version or "v2"
        parts += ["b1s", found]
    return found, str(parsed.copy_with(path="/" + "/".join(parts) + "/", query=None, fragment=None))


@dataclass(frozen=True)
class Entity:
    """One entity as the Service Layer sent it, with the reply's ETag header when there was one."""

    raw: Mapping[str, Any]
    etag: str | None


def etag_of(raw: Mapping[str, Any], header: str | None) -> str | None:
    value = raw.get("@odata.etag") or raw.get("odata.etag") or header
    return str(value) if value else None


class ServiceLayer:
    """The calls the connector makes, relative to one service root."""

    def __init__(self, http: HttpClient, root: str, options: SapB1Options, version: str) -> None:
        self.http = http
        self.root = httpx.URL(root)
        self.options = options
        self.version = version

    def url(self, path: str, params: Mapping[str, str] | None = None) -> str:
        query = f"?{urlencode(params, safe=_SAFE, quote_via=quote)}" if params else ""
        return str(self.root.join(path)) + query

    def _json(self, response: httpx.Response, what: str) -> Any:
        return decode_json(response, "SAP Business One", what)

    def _page_header(self, size: int) -> dict[str, str]:
        if self.options.page_size_header == "b1s":
            return {"B1S-PageSize": str(size)}
        return {"Prefer": f"odata.maxpagesize={size}"}

    def _follow(self, link: str) -> str:
        """The absolute URL of a next link; PermanentError when it leaves the server."""
        target = self.root.join(link)
        if (target.scheme, target.host, target.port) != (self.root.scheme, self.root.host, self.root.port):
            raise PermanentError(f"SAP Business One sent a next link to another server ({target.host})")
        return str(target)

    def pages(self, entity_set: str, params: Mapping[str, str], size: int, what: str) -> Iterator[list[dict]]:
        """Every page of a collection read, as lists of raw entities, following the server's next links."""
        url: str | None = self.url(entity_set, params)
        headers = self._page_header(size)
        followed: set[str] = set()
        while url is not None:
            response = self.http.get(url, headers=headers)
            body = self._json(response, what)
            items = body.get("value") if isinstance(body, dict) else None
            if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                raise PermanentError(f"malformed reply from SAP Business One for {what} at "
                                     f"{response.request.url.copy_with(query=None)}: no list of entities",
                                     status=response.status_code)
            yield items
            link = next_link(body)
            url = self._follow(link) if link else None
            if url is not None:
                if url in followed or len(followed) > MAX_PAGES:
                    raise PermanentError(f"SAP Business One sent the same next link twice for {what}")
                followed.add(url)

    def get(self, path: str, what: str) -> Entity:
        response = self.http.get(self.url(path))
        raw = self._json(response, what)
        if not isinstance(raw, dict):
            raise PermanentError(f"malformed reply from SAP Business One for {what}: not an entity")
        return Entity(raw, response.headers.get("ETag"))

    def create(self, entity_set: str, body: Mapping[str, Any], what: str) -> Entity:
        response = self.http.post(self.url(entity_set), json=dict(body))
        raw = self._json(response, what)
        if not isinstance(raw, dict):
            raise PermanentError(f"malformed reply from SAP Business One for {what}: not an entity")
        return Entity(raw, response.headers.get("ETag"))

    def patch(self, path: str, body: Mapping[str, Any], etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else None
        self.http.patch(self.url(path), json=dict(body), headers=headers)

    def delete(self, path: str, etag: str | None) -> None:
        headers = {"If-Match": etag} if etag else None
        self.http.delete(self.url(path), headers=headers)

    def batch(self, requests: Sequence[batch.SubRequest], what: str) -> batch.Reply:
        """One changeset of `requests`; a reply that cannot be read is an OutcomeUnknownError (the changeset
        may have been applied)."""
        content_type, body = batch.build(requests)
        response = self.http.post(self.url("$batch"), content=body,
                                  headers={"Content-Type": content_type, "Accept": "multipart/mixed"})
        try:
            return batch.parse(response.headers.get("Content-Type", ""), response.content)
        except batch.BatchFormatError as exc:
            raise OutcomeUnknownError(f"malformed reply from SAP Business One for {what} ($batch): {exc}",
                                      status=response.status_code,
                                      hint="the records are looked up by their keys before they are sent again"
                                      ) from None

    def path(self, entity_set: str) -> str:
        """The path from the host on, as batch requests name their target."""
        return self.root.join(entity_set).raw_path.decode()
