"""Pandera (polars backend) contracts of every silver and gold table."""

import sys

# ``import pandera`` imports pandas (and tries ``pyspark.pandas``, to patch pandas typing for
# pandas-on-Spark) to offer its pandas API at the top level. The platform validates Polars
# frames only, and every Dagster run process imports these contracts: without pandas, loading
# the definitions takes 2.40 s of CPU instead of 3.03 s (medians of 6, docs/benchmarks.md). While pandera loads, both imports fail as "not installed"
# (pandera's own polars-only path); the finder is then removed, so code that does want pandas
# imports it as usual.


class _NotWhilePanderaLoads:
    def find_spec(self, name, path=None, target=None):
        if name in ("pandas", "pyspark.pandas"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


if "pandera" not in sys.modules:
    _finder = _NotWhilePanderaLoads()
    sys.meta_path.insert(0, _finder)
    try:
        import pandera  # noqa: F401
    finally:
        sys.meta_path.remove(_finder)
