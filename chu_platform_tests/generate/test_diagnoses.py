"""Diagnoses are real CIM-10 code/label pairs: every code generated means what its label says."""

import csv
from pathlib import Path

from chu_platform.generate import catalogues
from chu_platform_tests.conftest import missing

# The developers' real samples, in ``../shared`` beside the checkout (development and CI only).
REAL_SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "real_samples" / "chu_hospitalisations" / "Hospitalisations.csv"


def test_every_generated_code_carries_its_reference_label():
    reference = dict(catalogues.reference_diagnoses().iter_rows())
    drawn = catalogues.diagnoses(7, 300)
    assert drawn.height == 300 and drawn["Code_diag"].n_unique() == 300
    assert all(reference[code] == label for code, label in drawn.iter_rows())
    assert catalogues.diagnoses(7, 300).equals(drawn)
    assert catalogues.diagnoses(7, 10**6).height == len(reference)


def test_the_reference_is_the_real_sample_s_pairs():
    if not REAL_SAMPLE.exists():
        missing(f"{REAL_SAMPLE} (developers' real samples) is absent")
    with open(REAL_SAMPLE, encoding="ascii", newline="") as handle:
        real = {r["Code_diagnostic"]: r["Suite_diagnostic_consultation"] for r in csv.DictReader(handle, delimiter=";")}
    assert dict(catalogues.reference_diagnoses().iter_rows()) == real
