"""Parsers on small hand-written files holding every defect kind."""

import io

import polars as pl
import pytest

from chu_platform.schemas import sources
from chu_platform.layers.bronze import deaths, finess, satisfaction
from chu_platform.layers.bronze.headed_csv import parse_headed
from chu_platform.layers.bronze.lines import split_lines
from chu_platform.layers.bronze.parsed import SourceFormatError


def fixed_line(name="DUPONT*JEAN PIERRE/", sex="1", born="19400101", place="75056", commune="PARIS",
               country="", died="20190312", death_place="75056", act="123") -> str:
    fields = [(name, 80), (sex, 1), (born, 8), (place, 5), (commune, 30), (country, 30), (died, 8),
              (death_place, 5), (act, 9)]
    return "".join(value.ljust(width) for value, width in fields)


def test_split_lines_numbers_every_physical_line_and_sets_aside_bad_utf8():
    lines = split_lines(b"\xef\xbb\xbfa\r\nb\xff\n\nlast")
    assert lines.total == 4
    assert lines.frame.drop("has_control").to_dicts() == [
        {"_source_row": 1, "line": "a"}, {"_source_row": 3, "line": ""}, {"_source_row": 4, "line": "last"},
    ]
    assert lines.undecodable == [(2, "b\\xff")]


def test_split_lines_reads_cp1252_when_the_file_is_not_utf8():
    lines = split_lines("Côte;Île\n".encode("cp1252") + b"\x81\n", "utf-8|cp1252")
    assert lines.encoding == "cp1252"
    assert lines.frame.get_column("line").to_list() == ["Côte;Île", "\x81"]


def test_fixed_width_slices_fields_and_rejects_each_defect():
    good = fixed_line()
    text = "\n".join([
        good,
        good[:150],                              # truncated
        good + "EXTRA",                          # over-long with content
        good + "   ",                            # over-long padding only: accepted
        "",                                      # blank
        good[:10] + "\x00" + good[11:],          # stray control byte
    ]).encode() + b"\n" + good[:20].encode() + b"\xfe" + good[21:].encode() + b"\n"
    parsed = deaths.parse_fixed(split_lines(text))
    assert parsed.lines_read == 7
    assert parsed.rows.height == 2
    assert parsed.rows.row(0, named=True) == {
        "_source_row": 1, "nomprenom": "DUPONT*JEAN PIERRE/", "sexe": "1", "datenaiss": "19400101",
        "lieunaiss": "75056", "commnaiss": "PARIS", "paysnaiss": "", "datedeces": "20190312",
        "lieudeces": "75056", "actedeces": "123",
    }
    reasons = dict(zip(parsed.rejects["line_number"], parsed.rejects["reason"]))
    assert reasons[2] == "truncated line: 150 characters, expected 176"
    assert reasons[3] == "over-long line: 181 characters, expected 176"
    assert reasons[5] == "blank line"
    assert reasons[6].startswith("control byte")
    assert reasons[7].startswith("bytes not valid utf-8")
    assert set(reasons) == {2, 3, 5, 6, 7}


def test_insee_csv_quoted_with_semicolons_and_doubled_quotes():
    header = ";".join(f'"{c}"' for c in deaths.COLUMNS)
    row = '"MARTIN*ANNE ""NANOU""/";"2";"19300101";"01004";"AMBERIEU";"";"20200101";"01004";"7"'
    short = '"MARTIN*ANNE/";"2"'
    broken = '"MARTIN*ANNE/;"2";"19300101";"01004";"AMBERIEU";"";"20200101";"01004";"7'
    parsed = deaths.parse_insee_csv(split_lines("\n".join([header, row, short, broken]).encode()))
    assert parsed.notes["header"] == "true"
    assert parsed.lines_read == 3
    assert parsed.rows.get_column("nomprenom").to_list() == ['MARTIN*ANNE "NANOU"/']
    assert parsed.rejects.get_column("line_number").to_list() == [3, 4]
    assert parsed.rejects.get_column("reason")[0] == "expected 9 fields separated by ';', found 2"


def test_chu_deaths_file_maps_to_register_names_and_splits_by_death_year():
    text = (
        "nom,prenom,sexe,date_naissance,code_lieu_naissance,lieu_naissance,pays_naissance,date_deces,"
        "code_lieu_deces,numero_acte_deces\n"
        "DURAND,LUC,1,1950-02-03,75056,PARIS,FRANCE,2019-05-06,69123,12\n"
        "DURAND,EVE,2,1951-02-03,75056,PARIS,FRANCE,06/07/2020,69123,13\n"
        "DURAND,ZOE,2,1952-02-03,75056,PARIS,FRANCE,inconnue,69123,14\n"
        "DURAND,TOO,MANY,FIELDS,1,2,3,4,5,6,7\n"
    ).encode()
    lines = split_lines(text)
    parsed = deaths.parse_chu_csv(lines, "deces.csv")
    assert deaths.chu_years(parsed) == {2019, 2020}
    y2019 = deaths.split_by_death_year(parsed, lines, 2019)
    y2020 = deaths.split_by_death_year(parsed, lines, 2020)
    assert y2019.rows.get_column("nomprenom").to_list() == ["DURAND*LUC/"]
    assert y2019.rejects.height == 0
    assert y2020.rows.get_column("datedeces").to_list() == ["06/07/2020"]
    # The undated row and the malformed one are reported once, in the file's latest year.
    assert y2020.rejects.get_column("line_number").to_list() == [4, 5]
    assert y2019.lines_read + y2020.lines_read == 4


def test_missing_column_names_file_line_and_expectation():
    text = "Num_Hospitalisation;Id_patient;Code_diagnostic\n1;2;A00\n".encode()
    with pytest.raises(SourceFormatError) as error:
        parse_headed(split_lines(text), sources.HOSPITALISATION_COLUMNS, "drop/Hospitalisations.csv")
    message = str(error.value)
    assert message.startswith("drop/Hospitalisations.csv, line 1: missing column(s) identifiant_organisation")
    assert "date_entree" in message and "re-deliver" in message


def test_headed_csv_matches_columns_by_name_and_rejects_wrong_field_counts():
    header = ";".join(reversed(sources.ACTIVITY_COLUMNS)) + ";commentaire"
    text = f"{header}\nLIBERAL;ORG1;10001;ok\nSALARIE;ORG2\n".encode("cp1252")
    parsed = parse_headed(split_lines(text, "utf-8|cp1252"), sources.ACTIVITY_COLUMNS, "a.csv")
    assert parsed.rows.drop("_source_row").to_dicts() == [
        {"identifiant": "10001", "identifiant_organisation": "ORG1", "mode_exercice": "LIBERAL"}
    ]
    assert parsed.rejects.to_dicts() == [
        {"line_number": 3, "raw_text": "SALARIE;ORG2", "reason": "expected 4 fields separated by ';', found 2"}
    ]
    assert parsed.notes["ignored_columns"] == "commentaire"


def test_finess_lines_go_to_their_record_kind_and_unknown_kinds_are_rejected():
    structure = "structureet;" + ";".join(f"v{i}" for i in range(1, 31)) + ";"
    text = "\n".join([
        "finess;etalab;111;2026-05-12",
        structure,
        "geolocalisation;010000024;870215.2;6571590.1;1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93;2024-01-01",
        "structureet;too;short",
        "nouveautype;x",
    ]).encode()
    lines = split_lines(text)
    establishments = finess.parse_finess(lines, "finess_establishments", "f.csv")
    geolocations = finess.parse_finess(lines, "finess_geolocations", "f.csv")
    assert establishments.rows.height == 1 and establishments.rows["nofinesset"][0] == "v1"
    assert establishments.rejects.get_column("line_number").to_list() == [4, 5]
    assert geolocations.rows.row(0, named=True)["sourcecoordet"] == "1,ATLASANTE,100,IGN,BD_ADRESSE,V2.2,LAMBERT_93"
    assert establishments.lines_read + geolocations.lines_read == lines.total - 1


def test_satisfaction_xlsx_reads_the_results_sheet_and_leaves_absent_columns_null():
    results = pl.DataFrame({"finess": ["010780054", "010780062"], "nb_rep_score_all_rea_ajust": ["120", "45"],
                            "score_all_rea_ajust": ["75,09", "71.2"], "colonne_nouvelle": ["x", "y"]})
    buffer = io.BytesIO()
    import xlsxwriter

    with xlsxwriter.Workbook(buffer) as workbook:
        pl.DataFrame({"variable": ["finess_x"]}).write_excel(workbook, worksheet="lexique")
        results.write_excel(workbook, worksheet="resultats")
    parsed = satisfaction.parse_xlsx(buffer.getvalue(), "resultats-esatis48h-mco-open-data-2020.xlsx")
    assert parsed.rows.columns == ["_source_row", *satisfaction.COLUMNS]
    assert parsed.rows.get_column("score_all_rea_ajust").to_list() == ["75,09", "71.2"]
    assert parsed.rows.get_column("_source_row").to_list() == [2, 3]
    assert parsed.rows.get_column("region").null_count() == 2
    assert parsed.notes["ignored_columns"] == "colonne_nouvelle"


def test_satisfaction_detects_comma_separator():
    text = "finess,rs_finess,nb_rep_score_all_rea_ajust,score_all_rea_ajust\n010780054,CH,120,\"75,09\"\n".encode("cp1252")
    parsed = satisfaction.parse_csv(split_lines(text, "utf-8|cp1252"), "f.csv")
    assert parsed.notes["separator"] == ","
    assert parsed.rows.get_column("score_all_rea_ajust").to_list() == ["75,09"]
