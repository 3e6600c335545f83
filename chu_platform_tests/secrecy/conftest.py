"""The marts' synthetic gold (small seeded counts, many of them from 1 to 9)."""

from chu_platform_tests.marts.conftest import gold, gold_in_env  # noqa: F401
