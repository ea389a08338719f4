"""The time left of a run, at the rate of its recent work only: a slow start or a slow side fades out."""

from __future__ import annotations

from collections import deque


class RateWindow:
    """Samples of (time, records processed); the rate is taken over the last `seconds` of them."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._samples: deque[tuple[float, int]] = deque()

    def clear(self) -> None:
        self._samples.clear()

    def eta(self, now: float, processed: int, total: int | None) -> float | None:
        """Seconds left at the rate observed over the window; None when unknown."""
        samples = self._samples
        samples.append((now, processed))
        while len(samples) > 2 and now - samples[1][0] >= self.seconds:
            samples.popleft()
        if total is None or processed >= total or len(samples) < 2:
            return None
        first_at, before = samples[0]
        elapsed = now - first_at
        if elapsed <= 0 or processed <= before:
            return None
        return (total - processed) * elapsed / (processed - before)
