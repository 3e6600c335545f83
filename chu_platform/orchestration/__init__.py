"""What a build is: its target, its runs and its failure rule, for `chu run` and `chu backfill`."""
