"""Who may call the receiver, and how often: an address allow-list and a per-source rate limit."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable


def normalized(address: str) -> str:
    """The address as text, an IPv4-mapped IPv6 address (::ffff:172.16.16.16) as its IPv4 form."""
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed)


class AllowList:
    def __init__(self, networks: Iterable[str]) -> None:
        self._networks = [ipaddress.ip_network(n, strict=False) for n in networks]

    def allows(self, address: str) -> bool:
        try:
            parsed = ipaddress.ip_address(normalized(address))
        except ValueError:
            return False
        return any(parsed.version == net.version and parsed in net for net in self._networks)


class SourceRateLimit:
    """At most `per_minute` calls per source in any rolling minute."""

    def __init__(self, per_minute: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self._clock = clock
        self._calls: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def allow(self, source: str) -> bool:
        now = self._clock()
        with self._lock:
            stamps = self._calls.setdefault(source, deque())
            while stamps and stamps[0] <= now - 60.0:
                stamps.popleft()
            if len(stamps) >= self.per_minute:
                return False
            stamps.append(now)
            if len(self._calls) > 10_000:  # many sources: forget the idle ones
                self._calls = {k: v for k, v in self._calls.items() if v}
            return True
