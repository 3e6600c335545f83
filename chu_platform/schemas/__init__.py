"""Pandera (polars backend) contracts of every silver and gold table."""
