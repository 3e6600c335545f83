"""Benchmarks: measured, never asserted in the test suite. Run with `make bench` or
`uv run python -m benchmarks [NAME ...]`; each module ``bench_<name>.py`` has ``main(argv)``."""
