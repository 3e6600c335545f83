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
