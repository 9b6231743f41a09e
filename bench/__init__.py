"""Benchmarks: figures measured against a baseline of the same run (docs/performance.md)."""
