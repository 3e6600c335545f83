"""Pandera (polars backend) contracts of every silver and gold table."""

import sys

# With pandas installed, `import pandera` also tries `import pyspark.pandas` (to patch pandas
# typing for pandas-on-Spark). The platform validates Polars frames only; when the benchmarks'
# pyspark is installed that import costs ~0.7 s and prints a warning in every process. A None
# entry in sys.modules makes it fail as "not installed" while pandera loads, then is removed
# so that code which does want pandas-on-Spark can still import it.
if "pyspark.pandas" not in sys.modules:
    sys.modules["pyspark.pandas"] = None  # type: ignore[assignment]
    try:
        import pandera  # noqa: F401
    finally:
        del sys.modules["pyspark.pandas"]
