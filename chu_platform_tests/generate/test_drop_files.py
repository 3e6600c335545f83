"""Every file of the drop parses back with an independent reader to the manifest's counts,
defects included, and is recognised by the source contract."""

import csv
import datetime as dt
import hashlib
import io

import polars as pl

from chu_platform import reference
from chu_platform.schemas import sources
from chu_platform.generate.geography import REGION_VARIANTS
from chu_platform_tests.generate.conftest import YEARS


def read_rows(path, encoding: str, delimiter: str = ";") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle, delimiter=delimiter))


def lines_where(rows: list[list[str]], predicate, first_line: int = 2) -> list[int]:
    return [number for number, row in enumerate(rows, start=first_line) if predicate(row)]


def test_only_recognised_files_with_matching_hashes(drop):
    landing, manifest = drop
    on_disk = sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file())
    assert on_disk == sorted(f.path for f in manifest.files) and on_disk
    for entry in manifest.files:
        recognised = sources.recognise(entry.path)
        assert recognised is not None, entry.path
        payload = (landing / entry.path).read_bytes()
        assert hashlib.sha256(payload).hexdigest() == entry.sha256
        assert len(payload) == entry.bytes
    kinds = {(sources.recognise(f.path).entity, sources.recognise(f.path).year) for f in manifest.files}
    assert {("deaths", y) for y in YEARS} <= kinds
    assert {("satisfaction", y) for y in YEARS} <= kinds
    assert {("establishments", None), ("finess", None), ("professionals", None),
            ("professional_activities", None), ("hospitalisations", None)} <= kinds
    assert manifest.file("satisfaction/2020/resultats-esatis48h-mco-open-data-2020.xlsx").encoding == "xlsx"


def test_plain_csv_files_count_and_locate_wrong_field_counts(drop):
    landing, manifest = drop
    layouts = {
        sources.ESTABLISHMENT_FILE: sources.ESTABLISHMENT_COLUMNS,
        sources.PROFESSIONAL_FILE: sources.PROFESSIONAL_COLUMNS,
        sources.ACTIVITY_FILE: sources.ACTIVITY_COLUMNS,
        sources.HOSPITALISATION_FILE: sources.HOSPITALISATION_COLUMNS,
    }
    total_wrong = 0
    for name, columns in layouts.items():
        entry = manifest.file(name)
        rows = read_rows(landing / name, entry.encoding)
        assert tuple(rows[0]) == columns
        assert len(rows) - 1 == entry.data_lines
        wrong = lines_where(rows[1:], lambda r, n=len(columns): len(r) != n)
        assert wrong == entry.defects.get("wrong_field_count", {}).get("lines", [])
        total_wrong += len(wrong)
    assert total_wrong > 0


def test_hospitalisation_dates_and_stays(drop):
    landing, manifest = drop
    entry = manifest.file(sources.HOSPITALISATION_FILE)
    rows = read_rows(landing / sources.HOSPITALISATION_FILE, "ascii")[1:]

    def impossible(row):
        try:
            dt.datetime.strptime(row[5], "%d/%m/%Y")
            return False
        except ValueError:
            return True

    well_formed = [r for r in rows if len(r) == 7]
    bad_dates = lines_where(rows, lambda r: len(r) == 7 and impossible(r))
    assert bad_dates == entry.defects["impossible_date"]["lines"]
    assert all(int(r[6]) >= 1 for r in well_formed)
    assert all(r[2].startswith("F") and len(r[2]) == 10 for r in well_formed)
    years = {dt.datetime.strptime(r[5], "%d/%m/%Y").year for r in well_formed if not impossible(r)}
    assert years == set(YEARS)
    assert len({r[0] for r in rows}) == len(rows)


def test_finess_extract_layout_and_geography(drop):
    landing, manifest = drop
    entry = next(f for f in manifest.files if sources.recognise(f.path).entity == "finess")
    rows = read_rows(landing / entry.path, "utf-8")
    assert rows[0][:2] == ["finess", "etalab"]
    stamp = sources.FINESS_FILE_RE.match(entry.path).group("stamp")
    assert rows[0][3] == f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
    structure = [r for r in rows[1:] if r[0] == "structureet"]
    geoloc = [r for r in rows[1:] if r[0] == "geolocalisation"]
    assert len(structure) + len(geoloc) == entry.data_lines == len(rows) - 1
    assert all(len(r) == len(sources.FINESS_STRUCTUREET_FIELDS) for r in structure)
    assert all(len(r) == len(sources.FINESS_GEOLOCALISATION_FIELDS) for r in geoloc)
    assert any('"' in r[4] for r in structure) or len(structure) < 40
    overseas = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9F": "976"}
    assert structure
    for row in structure:
        finess, departement = row[1], row[13]
        expected = overseas.get(departement, departement)
        if finess.startswith("97"):
            prefix = "97" + finess[3]
        elif finess.startswith("9805"):
            prefix = "976"
        else:
            prefix = finess[:2]
        assert prefix == expected, row
    establishments = read_rows(landing / sources.ESTABLISHMENT_FILE, "utf-8")
    header = establishments[0]
    sites = {r[header.index("finess_site")] for r in establishments[1:] if len(r) == len(header)}
    assert sites <= {r[1] for r in structure}


def test_establishment_postal_codes_match_communes(drop):
    landing, _ = drop
    rows = read_rows(landing / sources.ESTABLISHMENT_FILE, "utf-8")
    header = rows[0]
    pairs = set(reference.communes().select("code_commune_insee", "code_postal").iter_rows())
    checked = 0
    for row in rows[1:]:
        if len(row) != len(header):
            continue
        record = dict(zip(header, row, strict=True))
        assert (record["code_commune"], record["code_postal"]) in pairs
        assert record["identifiant_organisation"] == "F" + record["finess_site"]
        checked += 1
    assert checked > 0


def _valid_date(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d")
        return True
    except ValueError:
        return False


def test_fixed_width_deaths_parse_back_with_their_defects(drop):
    landing, manifest = drop
    previous: set[bytes] = set()
    for year in YEARS:
        entry = manifest.file(f"deces/deces-{year}.txt")
        raw = (landing / entry.path).read_bytes()
        assert raw.endswith(b"\n")
        lines = raw[:-1].split(b"\n")
        assert len(lines) == entry.data_lines
        numbered = list(enumerate(lines, start=1))
        defects = {kind: found["lines"] for kind, found in entry.defects.items()}
        width = sources.DEATHS_LINE_WIDTH
        assert [n for n, line in numbered if len(line) < width] == defects.get("truncated_line", [])
        assert [n for n, line in numbered if len(line) > width] == defects.get("overlong_line", [])

        def stray(line: bytes) -> bool:
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                return True
            return any(ord(ch) < 32 for ch in text)

        assert [n for n, line in numbered if stray(line)] == defects.get("stray_bytes", [])
        clean = [(n, line.decode("ascii")) for n, line in numbered if len(line) == width and not stray(line)]
        fields = {name: (start - 1, end) for name, start, end in sources.DEATHS_FIXED_WIDTH}

        def field(text, name):
            start, end = fields[name]
            return text[start:end].strip()

        assert [n for n, t in clean if not _valid_date(field(t, "datedeces"))] == defects.get("impossible_date", [])
        unknown = [n for n, t in clean if field(t, "datenaiss")[4:6] == "00" or field(t, "datenaiss")[6:] == "00"]
        assert unknown == defects.get("unknown_date_part", [])
        duplicates = defects.get("duplicate", [])
        # Repeats of last year's lines carry last year's dates too: they are duplicates, not late.
        late = [n for n, t in clean if _valid_date(field(t, "datedeces")) and field(t, "datedeces")[:4] == str(year - 1)
                and n not in duplicates]
        assert late == defects.get("late_declaration", [])
        assert clean
        for n, text in clean:
            assert "*" in field(text, "nomprenom") and field(text, "nomprenom").endswith("/")
            assert field(text, "sexe") in {"1", "2"}
        assert all(lines[n - 1] in previous for n in duplicates)
        if year > YEARS[0]:
            assert duplicates
        previous = set(lines)
    assert sum(manifest.truth["deaths_by_year"].values()) > 0


def test_satisfaction_csv_files(drop):
    landing, manifest = drop
    canonical = set(reference.departements()["region_nom"].to_list())
    variants = {label for labels in REGION_VARIANTS.values() for label in labels}
    for year in YEARS:
        entry = manifest.file(f"satisfaction/{year}/resultats-esatis48h-mco-open-data-{year}."
                              + ("xlsx" if year == 2020 else "csv"))
        if year == 2020:
            frame = pl.read_excel(landing / entry.path, sheet_name="resultats")
            assert tuple(frame.columns) == sources.ESATIS_COLUMNS
            assert frame.height == entry.data_lines
            rows = [[("" if v is None else str(v)) for v in row] for row in frame.iter_rows()]
        else:
            raw = (landing / entry.path).read_bytes()
            rows = list(csv.reader(io.StringIO(raw.decode("cp1252"), newline=""), delimiter=";"))
            assert tuple(rows[0]) == sources.ESATIS_COLUMNS
            rows = rows[1:]
            assert len(rows) == entry.data_lines
            wrong = lines_where(rows, lambda r: len(r) != len(sources.ESATIS_COLUMNS))
            assert wrong == entry.defects.get("wrong_field_count", {}).get("lines", [])
            scored = [r for r in rows if len(r) == 25 and r[8]]
            assert any("," in r[8] for r in scored) and any("." in r[12] for r in scored)
        defects = {kind: found["lines"] for kind, found in entry.defects.items()}
        complete = [(n, r) for n, r in enumerate(rows, start=2) if len(r) == 25]
        assert [n for n, r in complete if r[8] == ""] == defects["unscored_establishment"]
        assert all(r[9] in {"DI", "NR", "NV"} for _, r in complete if r[8] == "")
        assert all(int(float(r[7])) >= 30 for _, r in complete if r[8] != "")
        assert [n for n, r in complete if r[4] not in canonical] == defects["noncanonical_region"]
        assert {r[4] for _, r in complete} <= canonical | variants
