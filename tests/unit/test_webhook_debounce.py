"""Debouncing and the receiver's limits, with an injected clock."""

from __future__ import annotations

from erpsync_gui.app.webhooks.debounce import Debouncer
from erpsync_gui.app.webhooks.limits import AllowList, SourceRateLimit, normalized


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_events_close_together_wait_for_one_quiet_time():
    clock = Clock()
    debounce = Debouncer(2.0, clock=clock)
    debounce.add(("clients", "a"), 1)
    clock.now += 1.5
    debounce.add(("clients", "a"), 2)
    clock.now += 1.5
    assert debounce.take_due() == []  # the second event restarted the quiet time
    assert debounce.next_due_in() == 0.5
    clock.now += 0.5
    assert debounce.take_due() == [(("clients", "a"), [1, 2])]
    assert len(debounce) == 0 and debounce.next_due_in() is None


def test_a_record_that_keeps_changing_still_syncs_after_the_longest_wait():
    clock = Clock()
    debounce = Debouncer(2.0, max_wait_s=5.0, clock=clock)
    for n in range(6):
        debounce.add("k", n)
        clock.now += 1.0
    assert debounce.take_due() == [("k", [0, 1, 2, 3, 4, 5])]


def test_touch_extends_only_a_waiting_key():
    clock = Clock()
    debounce = Debouncer(1.0, clock=clock)
    assert not debounce.touch("k")
    debounce.add("k", 1)
    clock.now += 0.9
    assert debounce.touch("k")
    clock.now += 0.9
    assert debounce.take_due() == []


def test_the_allow_list_takes_addresses_networks_and_mapped_ipv6():
    allow = AllowList(["172.16.16.16", "10.0.0.0/8", "::1"])
    assert allow.allows("172.16.16.16") and allow.allows("::ffff:172.16.16.16") and allow.allows("10.9.8.7")
    assert allow.allows("::1")
    assert not allow.allows("172.16.16.17") and not allow.allows("not an address")
    assert normalized("::ffff:127.0.0.1") == "127.0.0.1"


def test_the_rate_limit_counts_per_source_in_a_rolling_minute():
    clock = Clock()
    limit = SourceRateLimit(2, clock=clock)
    assert limit.allow("a") and limit.allow("a") and not limit.allow("a")
    assert limit.allow("b")
    clock.now += 60.0
    assert limit.allow("a")
