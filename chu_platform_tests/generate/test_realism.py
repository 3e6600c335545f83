"""The shapes the analyses should feel: seasonality, age effects, national death volumes,
skewed diagnoses. Checked on the generated data itself, independently of the generator."""

import csv
import datetime as dt
from collections import Counter

import pytest

from chu_platform.schemas import sources
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



@pytest.fixture(scope="module")
def many_stays() -> list[tuple[str, dt.date, int, float]]:
    """(patient, admission, days, age at admission) of the stays of 20,000 generated patients over
    2018-2021 (about 6,000 stays: enough that monthly and weekday shares are not noise)."""
    from chu_platform.generate import _day, catalogues, establishments, hospitalisations, patients

    people = patients.build(3, 20_000, _day(2022))
    birth = dict(zip(people["Id_patient"].to_list(), people["birth_day"].to_list()))
    frame, _ = hospitalisations.build(3, list(YEARS), people, establishments.build(3, 100).hospitals,
                                      catalogues.diagnoses(3, 200), 0.0)
    return [(str(p), dt.date(1970, 1, 1) + dt.timedelta(days=int(d)), int(n), (int(d) - birth[p]) / 365.25)
            for p, d, n in frame.select("Id_patient", "day", "Jour_Hospitalisation").iter_rows()]


def test_stays_follow_french_mco_length_months_and_weekdays(many_stays):
    """The figures of hospital_activity's docstring: mean length of a full MCO stay 5.5 days
    (national DMS, sourced) with a long right tail (assumption); August at about 0.81 of the other
    months (assumption derived from an elective-surgery figure) under a winter peak; a weekend day
    at about 0.57 of a weekday (England, nearest figure found)."""
    lengths = sorted(days for _, _, days, _ in many_stays)
    mean, median, p90 = sum(lengths) / len(lengths), lengths[len(lengths) // 2], lengths[int(0.9 * len(lengths))]
    assert 5.2 <= mean <= 5.8
    assert median < mean and p90 >= 2 * median
    months = Counter(day.month for _, day, _, _ in many_stays)
    assert months[1] > 1.15 * months[8]
    others = sum(months[m] for m in range(1, 13) if m != 8) / 11
    assert 0.70 <= months[8] / others <= 0.90
    weekdays = Counter(day.isoweekday() for _, day, _, _ in many_stays)
    weekend_day = (weekdays[6] + weekdays[7]) / 2
    weekday = sum(weekdays[d] for d in range(1, 6)) / 5
    assert 0.50 <= weekend_day / weekday <= 0.64


def test_readmissions_within_30_days_match_the_65_and_over_rate(many_stays):
    """14.7 % of the stays of patients aged 65+ followed by another stay within 30 days
    (France 2010, the sourced sub-population figure); fewer under 65 (assumed age slope)."""
    admissions: dict[str, list[dt.date]] = {}
    for patient, day, _, _ in many_stays:
        admissions.setdefault(patient, []).append(day)
    readmitted = {True: [], False: []}
    for patient, day, days, age in many_stays:
        followed = any(1 <= (other - (day + dt.timedelta(days=days))).days <= 30 for other in admissions[patient])
        readmitted[age >= 65].append(followed)
    old = sum(readmitted[True]) / len(readmitted[True])
    young = sum(readmitted[False]) / len(readmitted[False])
    assert 0.125 <= old <= 0.17
    assert young < old
