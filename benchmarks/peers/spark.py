"""The eight questions in Spark SQL, local mode: what the Databricks-style projects run.

Spark reads the same Parquet files as we do (each Delta table's current files, the ``year``
partition recovered from the folder names), once per query as a lakehouse job does; the
session is started before any timing so its ~10 s start-up is not counted.
"""

from __future__ import annotations

import polars as pl

from benchmarks.peers.sql import TABLES, render
from chu_platform.lib import delta_store

NAME = "spark"


class SparkEngine:
    def __init__(self, gold: dict[str, str], cores: int = 2, driver_memory: str = "4g") -> None:
        from pyspark.sql import SparkSession

        self.spark = (
            SparkSession.builder.master(f"local[{cores}]")
            .appName("chu-bench")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", str(cores * 2))
            .config("spark.driver.memory", driver_memory)
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
        self.spark.sparkContext.setLogLevel("ERROR")
        needed = sorted({table for tables in TABLES.values() for table in tables})
        for name in needed:
            uri = gold[name]
            files = delta_store.current_files(uri)
            frame = self.spark.read.option("basePath", uri).parquet(*files)
            frame.createOrReplaceTempView(name)

    def version(self) -> str:
        return f"Spark {self.spark.version} local"

    def run(self, name: str, params: dict[str, int]) -> pl.DataFrame:
        result = self.spark.sql(render(name, params))
        columns = result.columns
        rows = [tuple(row) for row in result.collect()]
        return pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)

    def close(self) -> None:
        self.spark.stop()
