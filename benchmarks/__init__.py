"""Side-by-side benchmarks of goalplan against the eventsourcing library and plain sqlite3.

Run from the repository root with ``python -m benchmarks [--quick] [--json FILE]``; see
docs/performance.md. Not part of the test suite.
"""
