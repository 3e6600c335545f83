"""The shapes the analyses should feel: seasonality, age effects, national death volumes,
skewed diagnoses. Checked on the generated data itself, independently of the generator."""

import csv
import datetime as dt
from collections import Counter

from chu_platform import sources
from chu_platform_tests.generate.conftest import SCALE, YEARS
from chu_platform_tests.generate.test_care_database import query


def test_consultations_follow_seasons_and_opening_days(loaded):
    _, _, dsn = loaded
    by_month = dict(query(dsn, 'SELECT extract(month FROM "Date")::int, count(*) FROM "Consultation" GROUP BY 1'))
    assert by_month[1] > 1.4 * by_month[8]
    by_weekday = dict(query(dsn, 'SELECT extract(isodow FROM "Date")::int, count(*) FROM "Consultation" GROUP BY 1'))
    assert by_weekday.get(7, 0) * 10 < by_weekday[2]


def test_diagnoses_are_skewed(loaded):
    _, _, dsn = loaded
    counts = [n for (n,) in query(dsn, 'SELECT count(*) FROM "Consultation" GROUP BY "Code_diag" ORDER BY 1 DESC')]
    top_tenth = sum(counts[: max(1, len(counts) // 10)])
    assert top_tenth > 0.35 * sum(counts)


def test_hospitalisation_rises_with_age(loaded):
    landing, _, dsn = loaded
    birth = {pid: dt.datetime.strptime(text, "%d/%m/%Y").date() for pid, text in query(dsn, 'SELECT "Id_patient", "Date" FROM "Patient"')}
    with open(landing / sources.HOSPITALISATION_FILE, encoding="ascii", newline="") as handle:
        rows = [r for r in list(csv.reader(handle, delimiter=";"))[1:] if len(r) == 7]
    stays = []
    for row in rows:
        try:
            entry = dt.datetime.strptime(row[5], "%d/%m/%Y").date()
        except ValueError:
            continue
        stays.append(((entry - birth[int(row[1])]).days / 365.25, int(row[6])))
    patients_by_band = Counter("old" if (dt.date(YEARS[0], 7, 1) - b).days / 365.25 >= 65 else
                               "young" if (dt.date(YEARS[0], 7, 1) - b).days / 365.25 < 40 else "mid" for b in birth.values())
    stays_by_band = Counter("old" if age >= 65 else "young" if age < 40 else "mid" for age, _ in stays)
    assert stays_by_band["old"] / patients_by_band["old"] > 1.5 * stays_by_band["young"] / patients_by_band["young"]
    old_length = [n for age, n in stays if age >= 65]
    young_length = [n for age, n in stays if age < 40]
    assert sum(old_length) / len(old_length) > sum(young_length) / len(young_length)


def test_deaths_at_national_volume_and_winter_peak(drop):
    landing, manifest = drop
    for year in YEARS:
        assert 540_000 * SCALE <= manifest.truth["deaths_by_year"][str(year)] <= 700_000 * SCALE
    months = Counter()
    start, end = 154, 162
    for line in (landing / f"deces/deces-{YEARS[1]}.txt").read_bytes().split(b"\n")[:-1]:
        if len(line) == sources.DEATHS_LINE_WIDTH:
            months[line[start + 4:end - 2]] += 1
    assert months[b"01"] > 1.15 * months[b"08"]
