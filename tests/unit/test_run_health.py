"""A side's health as a run finds it: failures that concern the endpoint mark it, a record's own refusal does
not, an answer clears it, and the connector's local calls say nothing either way."""

from __future__ import annotations

import pytest

from erpsync_gui.app.run_health import WatchedConnector, is_endpoint_failure
from erpsync_gui.errors import (
    AuthError,
    CircuitOpenError,
    NotFoundError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RetryableError,
)
from erpsync_gui.records import Capabilities, Page, Record


class Fake:
    """A connector whose next failure is chosen by the test."""

    def __init__(self) -> None:
        self.fail: Exception | None = None
        self.fail_on_page: Exception | None = None

    def capabilities(self, entity):
        return Capabilities()

    def get_many(self, entity, ids):
        if self.fail is not None:
            raise self.fail
        return {i: Record(i, {}) for i in ids}

    def changes(self, entity, cursor, page_size):
        yield Page((Record("1", {}),))
        if self.fail_on_page is not None:
            raise self.fail_on_page
        yield Page((Record("2", {}),), complete=True)


@pytest.mark.parametrize(("error", "counts"), [
    (RetryableError("connection refused by erp:443"), True),
    (RetryableError("server error", status=503), True),
    (AuthError("401 Unauthorized", status=401), True),
    (CircuitOpenError("5 in a row"), True),
    (QuotaExhaustedError("daily quota"), True),
    (RateLimitedError("429", status=429), False),
    (PermanentError("422 country", status=422), False),
    (NotFoundError("gone", status=404), False),
])
def test_which_failures_speak_of_the_endpoint(error, counts):
    assert is_endpoint_failure(error) is counts


def test_a_failure_marks_the_side_and_an_answer_clears_it():
    fake = Fake()
    watched = WatchedConnector(fake)
    assert not watched.reached and watched.problem is None
    fake.fail = RetryableError("connection refused by erp:443")
    with pytest.raises(RetryableError):
        watched.get_many("clients", ["1"])
    assert watched.problem is fake.fail
    watched.capabilities("clients")  # asks no system: the problem stands
    assert watched.problem is fake.fail and not watched.reached
    fake.fail = None
    assert set(watched.get_many("clients", ["1"])) == {"1"}
    assert watched.reached and watched.problem is None and watched.reached_at is not None


def test_a_refused_record_is_an_answer():
    fake = Fake()
    fake.fail = PermanentError("422: country must be two letters", status=422)
    watched = WatchedConnector(fake)
    with pytest.raises(PermanentError):
        watched.get_many("clients", ["1"])
    assert watched.reached and watched.problem is None


@pytest.mark.parametrize("read_ahead", [False, True])
def test_a_failure_while_paging_is_seen(read_ahead):
    fake = Fake()
    fake.fail_on_page = RetryableError("read timed out")
    watched = WatchedConnector(fake, read_ahead=read_ahead)
    pages = watched.changes("clients", None, 50)
    assert next(pages).records[0].id == "1" and watched.reached
    with pytest.raises(RetryableError):
        next(pages)
    assert watched.problem is fake.fail_on_page
