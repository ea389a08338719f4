"""Backoff with full jitter: each wait is a random share of its ceiling (min(cap, base * 2**attempt)), so
clients that failed together do not come back together. A seeded random source makes the waits exact."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from erpsync_gui.errors import RetryableError
from erpsync_gui.http import HttpClient, HttpSettings
from erpsync_gui.http.retry import backoff_delay
from tests.unit.http_fakes import FakeServer, Reply

SEED = 2026
CEILINGS = [1.0, 2.0, 4.0, 4.0, 4.0]  # base 1 s, doubled per retry, capped at 4 s


def _shares(n: int) -> list[float]:
    source = random.Random(SEED)
    return [source.random() for _ in range(n)]


def test_each_wait_is_the_random_share_of_its_ceiling() -> None:
    source = random.Random(SEED)
    waits = [backoff_delay(attempt, 1.0, 4.0, source.random) for attempt in range(5)]

    assert waits == [c * share for c, share in zip(CEILINGS, _shares(5), strict=True)]
    assert all(w < c for w, c in zip(waits, CEILINGS, strict=True))  # never simply the ceiling
    assert len({round(w / c, 9) for w, c in zip(waits, CEILINGS, strict=True)}) == 5  # a new share each time


def test_a_share_outside_zero_to_one_is_held_to_the_ceiling() -> None:
    assert backoff_delay(1, 1.0, 4.0, lambda: 1.5) == 2.0
    assert backoff_delay(1, 1.0, 4.0, lambda: -0.5) == 0.0
    assert backoff_delay(200, 1.0, 30.0, lambda: 0.5) == 15.0  # a huge attempt number still ends at the cap


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment would swallow requests meant for 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as srv:
        yield srv


def test_the_client_sleeps_the_jittered_waits(server: FakeServer) -> None:
    server.script("/x", Reply(500))
    sleeps: list[float] = []
    settings = HttpSettings(server.url, timeout=0.5, retries=4, backoff_base=1.0, backoff_max=4.0)
    client = HttpClient(settings, sleep=sleeps.append, jitter=random.Random(SEED).random)
    with client, pytest.raises(RetryableError):
        client.get("/x")

    assert sleeps == [c * share for c, share in zip(CEILINGS[:4], _shares(4), strict=True)]
    assert len(server.seen("/x")) == 5
