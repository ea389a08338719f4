"""Proof suites that print their figures: faults, crashes, concurrency, secrets, every connector.

CI runs them at a quick size through pytest; `python -m tests.reliability [--full]` runs every suite (and the
model-based test and the configuration fuzz suite) and prints one table.
"""
