"""The pure logic of each layer: Polars functions from raw files to marts, no Dagster."""
