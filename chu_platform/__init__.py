"""CHU Platform. Importing it, or any module of it, changes nothing in the process: the entry
points (``chu``, ``make up``, the repository's ``.env`` for ``dagster dev``) set what the
processes they start need (``chu_platform.deploy.settings.apply_defaults``)."""
