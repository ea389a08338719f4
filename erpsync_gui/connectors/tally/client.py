"""The Tally protocol client: one POST of an XML envelope to the server (http://<host>:9000 by default),
the reply read back, through the product's HttpClient. Tally has no authentication for local XML
requests, but a company must be open: a wrong or closed company answers the line error
"Could not set 'SVCurrentCompany' to '<name>'", which becomes a ConfigError naming the company."""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree

from erpsync_gui.connectors.tally import envelope, reply
from erpsync_gui.connectors.tally.options import TallyOptions
from erpsync_gui.errors import ConfigError, PermanentError
from erpsync_gui.http import HttpClient

COMPANY_ERROR = "could not set 'svcurrentcompany'"


class TallyClient:
    def __init__(self, http: HttpClient, options: TallyOptions) -> None:
        self.http = http
        self.options = options
        #: the HTTP Date header of the last reply (Tally's clock, where its server sends one)
        self.last_date: str | None = None

    def _post(self, body: bytes, what: str) -> etree._Element:
        charset = "utf-16" if self.options.encoding == "utf-16" else "utf-8"
        response = self.http.post("", content=body, headers={"Content-Type": f"text/xml;charset={charset}"})
        self.last_date = response.headers.get("Date")
        try:
            root = reply.parse(response.content, response.headers.get("Content-Type", ""))
        except reply.ReplyError as exc:
            raise PermanentError(f"malformed reply from Tally for {what} at {response.request.url}: {exc}",
                                 status=response.status_code) from None
        errors = reply.line_errors(root)
        if any(COMPANY_ERROR in e.lower() for e in errors):
            named = self.options.company or "the active company"
            raise ConfigError(f"Tally could not open the company {named!r}: "
                              f"{next(e for e in errors if COMPANY_ERROR in e.lower())}",
                              hint="open that company in TallyPrime, or correct the company option")
        return root

    def export(self, collection: envelope.Collection, what: str) -> etree._Element:
        """The reply of an export; a line error in it is a PermanentError with Tally's text."""
        root = self._post(envelope.export(collection, self.options.company, self.options.encoding), what)
        errors = reply.line_errors(root)
        if errors:
            raise PermanentError(f"Tally refused the export of {what}: {'; '.join(errors)}", details=errors[0])
        return root

    def import_(self, report: str, objects: Sequence[envelope.ImportObject], what: str) -> reply.ImportResult:
        root = self._post(envelope.import_data(report, objects, self.options.company, self.options.encoding), what)
        try:
            return reply.import_result(root)
        except reply.ReplyError as exc:
            errors = tuple(reply.line_errors(root))
            if errors:  # refused before anything was counted
                return reply.ImportResult(errors=len(errors), line_errors=errors)
            raise PermanentError(f"malformed reply from Tally for {what}: {exc}") from None
