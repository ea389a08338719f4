"""Lookup values go in as few requests as fit: one reply page each, and a query string servers accept."""

from __future__ import annotations

import itertools
from urllib.parse import urlencode

from erpsync_gui.connectors.rest_lookup import LOOKUP_QUERY_MAX, value_chunks


def test_a_batch_of_short_values_is_one_lookup():
    ids = [str(n) for n in range(10_000, 10_200)]
    assert list(value_chunks("external_id", ids, 500)) == [ids]


def test_a_lower_limit_splits_sooner():
    ids = [str(n) for n in range(10_000, 10_200)]  # 18 characters each: external_id=10000&
    assert [len(c) for c in value_chunks("external_id", ids, 500, budget=2048)] == [113, 87]


def test_no_lookup_asks_for_more_than_one_page():
    chunks = list(value_chunks("id", [str(n) for n in range(250)], 100))
    assert [len(c) for c in chunks] == [100, 100, 50]


def test_long_values_are_split_so_each_query_stays_under_the_limit_and_none_is_lost():
    emails = [f"someone.with.a.long.name.{n}@a-company-with-a-long-domain.example.com" for n in range(400)]
    chunks = list(value_chunks("email", emails, 500))
    assert len(chunks) > 1 and [v for c in chunks for v in c] == emails
    for chunk in chunks:
        assert len(urlencode([("email", v) for v in chunk])) <= LOOKUP_QUERY_MAX
    # each chunk is as full as the limit lets it be
    for chunk, after in itertools.pairwise(chunks):
        assert len(urlencode([("email", v) for v in [*chunk, after[0]]])) > LOOKUP_QUERY_MAX


def test_one_value_longer_than_the_limit_still_goes_alone():
    huge = "x" * (LOOKUP_QUERY_MAX + 10)
    assert list(value_chunks("code", ["a", huge, "b"], 500)) == [["a"], [huge], ["b"]]
