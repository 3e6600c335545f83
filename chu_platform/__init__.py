"""CHU Platform.

Polars allocates through its own jemalloc, which by default hands freed pages back to the
system within a fraction of a second; a pipeline that builds and drops frames of hundreds
of MB year after year then faults the same memory in again and again (7.8 M page faults and
38 s of system time in a scale-1 ``chu run``; 2.6 M and 18 s with pages kept 30 s). Set here,
before anything imports Polars, so every entry point (``chu``, the Dagster code server,
its run workers) gets it; an explicit ``_RJEM_MALLOC_CONF`` wins.
"""

import os

os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:30000,muzzy_decay_ms:30000")
