"""How the assets that read a source over the network retry a transient fault."""

import dagster as dg

# A dropped FTP transfer, a ``421`` or a terminated database connection usually passes within
# seconds, a server restart within half a minute: five retries 1, 2, 4, 8 and 16 s apart
# (±50 %, so the assets of one run do not come back at the same instant) cover both. A fault
# that outlasts them fails the run with the last error, which names the server.
SOURCE_RETRY = dg.RetryPolicy(max_retries=5, delay=1, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)
