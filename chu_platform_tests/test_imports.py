"""What the platform imports at run time does not depend on the benchmarks' packages."""

import subprocess
import sys


def test_pandera_does_not_import_pyspark_pandas(tmp_path):
    """With pyspark installed (the bench group), loading the schemas must not import
    pyspark.pandas: a stand-in package that fails loudly when imported proves it is not."""
    package = tmp_path / "pyspark"
    (package / "pandas").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "pandas" / "__init__.py").write_text("raise RuntimeError('pyspark.pandas imported')\n")
    probe = "import sys, chu_platform.schemas.silver, chu_platform.schemas.gold; print('pyspark.pandas' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False" and "pyspark" not in done.stderr


def test_definitions_load_without_pandas():
    """Every Dagster run process loads the definitions: pandera's pandas API (pandas, about a
    second of CPU) is not loaded with them, the Polars contracts still validate (and reject),
    and pandas stays importable for code that wants it."""
    probe = (
        "import sys, chu_platform.definitions\n"
        "print('pandas' in sys.modules)\n"
        "import polars as pl, pandera.errors\n"
        "import pandera.polars as pa\n"
        "class S(pa.DataFrameModel):\n"
        "    x: int = pa.Field(ge=0)\n"
        "S.validate(pl.DataFrame({'x': [1]}))\n"
        "try:\n"
        "    S.validate(pl.DataFrame({'x': [-1]}))\n"
        "    print('accepted')\n"
        "except pandera.errors.SchemaError:\n"
        "    print('rejected')\n"
        "import pandas\n"
        "print(pandas.DataFrame({'x': [1]}).shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "rejected", "(1,", "1)"]
