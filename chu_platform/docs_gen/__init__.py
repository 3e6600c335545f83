"""The data model report of the documentation site, generated from the code.

Documentation tooling only: nothing of the platform imports this package.
``python -m chu_platform.docs_gen`` (``make docs-model``) writes ``docs/data-model/``.
"""
