"""Silver: typed, conformed, deduplicated and pseudonymised business entities (pure Polars)."""
