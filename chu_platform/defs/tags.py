"""Tags the definitions and the command line share (definitions never import the CLI)."""

# The bronze assets' tag naming their source.
SOURCE_TAG = "chu/source"
# Assets built only when asked for (the query benchmark), never by ``chu run`` nor ``chu backfill``.
ON_DEMAND_TAG = "chu/on_demand"
# Runs started by ``chu run`` or ``chu backfill`` (value: which): they rebuild every year they
# need themselves, so the late-declarations sensor does not follow them.
RUNNER_TAG = "chu/runner"
