"""How the assets that read a source over the network retry a transient fault."""

import dagster as dg

# A dropped FTP transfer, a ``421`` or a terminated database connection usually passes within
# seconds, a server restart within half a minute: five retries cover both. Dagster's exponential
# backoff waits (2**n - 1) x delay before retry n: 1, 3, 7, 15 and 31 s, 57 s in all, each
# ±1 s (so the assets of one run do not come back at the same instant). A fault
# that outlasts them fails the run with the last error, which names the server.
SOURCE_RETRY = dg.RetryPolicy(max_retries=5, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
