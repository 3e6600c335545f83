"""Deployment: settings and their defaults, the pseudonymisation key, the Dagster instance, the services."""
