"""The lake on an S3-compatible object store: one reading of the environment for every engine.

``CHU_LAKE_URI=s3://bucket/prefix`` puts the lake on S3 (or MinIO, Ceph, moto...). deltalake
and Polars read the standard ``AWS_*`` variables themselves (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``, ``AWS_REGION``, ``AWS_ENDPOINT_URL`` for a
store other than AWS, ``AWS_ALLOW_HTTP=true`` for a plain-HTTP endpoint); DuckDB does not, so
``attach_duckdb`` hands it the same values. Credentials never go through Dagster run
configuration: they stay in the environment of the processes that need them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

import duckdb

_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION",
         "AWS_ENDPOINT_URL", "AWS_ALLOW_HTTP")


def s3_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``AWS_*`` variables set in ``environ`` (the process environment by default)."""
    env = os.environ if environ is None else environ
    settings = {key: env[key] for key in _KEYS if env.get(key)}
    settings.setdefault("AWS_REGION", env.get("AWS_DEFAULT_REGION") or "us-east-1")
    return settings


def attach_duckdb(con: duckdb.DuckDBPyConnection, uri: str, environ: Mapping[str, str] | None = None) -> None:
    """Let ``con`` read the ``s3://`` files of a lake at ``uri``; nothing to do for a local lake.

    DuckDB's own ``httpfs`` extension when it is installed (a machine with Internet access
    installs it on first use), else an ``s3fs`` filesystem registered on the connection.
    """
    if not uri.startswith("s3://"):
        return
    settings = s3_settings(environ)
    endpoint = urlparse(settings.get("AWS_ENDPOINT_URL", ""))
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error:
        import s3fs

        con.register_filesystem(s3fs.S3FileSystem(
            key=settings.get("AWS_ACCESS_KEY_ID"), secret=settings.get("AWS_SECRET_ACCESS_KEY"),
            token=settings.get("AWS_SESSION_TOKEN"), endpoint_url=settings.get("AWS_ENDPOINT_URL"),
            client_kwargs={"region_name": settings["AWS_REGION"]},
        ))
        return
    fields = {"TYPE": "s3", "REGION": settings["AWS_REGION"]}
    if "AWS_ACCESS_KEY_ID" in settings:
        fields |= {"KEY_ID": settings["AWS_ACCESS_KEY_ID"], "SECRET": settings.get("AWS_SECRET_ACCESS_KEY", "")}
    if "AWS_SESSION_TOKEN" in settings:
        fields["SESSION_TOKEN"] = settings["AWS_SESSION_TOKEN"]
    if endpoint.netloc:
        fields |= {"ENDPOINT": endpoint.netloc, "URL_STYLE": "path"}
    listed = ", ".join(f"{key} '{value.replace(chr(39), chr(39) * 2)}'" for key, value in fields.items())
    use_ssl = "false" if endpoint.scheme == "http" else "true"
    con.execute(f"CREATE OR REPLACE SECRET chu_lake ({listed}, USE_SSL {use_ssl})")
