"""HAS e-Satis 48h MCO results, one folder per year, as the CHU's FTP holds them: CP1252,
``;``, decimal comma for the global score and the recommendation rate but dot elsewhere (as
in the real 2019 file), empty scores below 30 answers, non-canonical region labels, and
2020 delivered only as ``.xlsx``."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import polars as pl
import xlsxwriter

from chu_platform.schemas import sources
from chu_platform.generate import delimited
from chu_platform.generate.geography import REGION_VARIANTS
from chu_platform.generate.manifest import FileEntry, Rates, write_file
from chu_platform.generate.streams import pick_lines, stream, without

FIRST_YEAR = 2016
XLSX_YEARS = (2020,)
CLASS_THRESHOLDS = ((77.3, "A"), (74.0, "B"), (70.7, "C"))
# Sub-score offsets from the global score (real files: nurses best rated, meals worst).
SUB_SCORES = (("accueil", 1.0), ("PECinf", 8.0), ("PECmed", 6.0), ("chambre", -2.0), ("repas", -10.0), ("sortie", -9.0))
_RANK = {"A": 4, "B": 3, "C": 2, "D": 1}


def relative_path(year: int) -> str:
    ext = "xlsx" if year in XLSX_YEARS else "csv"
    return f"satisfaction/{year}/resultats-esatis48h-mco-open-data-{year}.{ext}"


def classement(score: pl.Expr) -> pl.Expr:
    expr = pl.when(score >= CLASS_THRESHOLDS[0][0]).then(pl.lit(CLASS_THRESHOLDS[0][1]))
    for threshold, label in CLASS_THRESHOLDS[1:]:
        expr = expr.when(score >= threshold).then(pl.lit(label))
    return expr.otherwise(pl.lit("D"))


def year_frame(seed: int, year: int, hospitals: pl.DataFrame, rates: Rates, previous: dict[str, str]) -> tuple[pl.DataFrame, dict[str, np.ndarray]]:
    """One row per participating site (typed: floats, ints, nulls); the rows of each defect."""
    site_rng = stream(seed, "satisfaction-sites")
    n = hospitals.height
    quality = site_rng.normal(73.5, 3.2, n)
    size = np.exp(site_rng.normal(np.log(140), 0.7, n))
    rng = stream(seed, f"satisfaction-{year}")
    present = rng.random(n) < 0.92
    frame = hospitals.filter(pl.Series(present))
    m = frame.height
    score = np.clip(quality[present] + rng.normal(0, 1.2, m), 40, 95)
    answers = np.maximum(30, (size[present] * rng.lognormal(0, 0.2, m)).astype(np.int64))
    unscored = pick_lines(rng, np.arange(m), rates.unscored_establishment)
    status = np.full(m, "", dtype=object)
    status[unscored] = rng.choice(np.array(["DI", "NR", "NV"]), size=len(unscored), p=[0.7, 0.15, 0.15])
    scored = status == ""
    answers = np.where(status == "DI", rng.integers(1, 30, m), answers)
    variant_rows = pick_lines(rng, np.arange(m), rates.noncanonical_region)
    variants = frame["region_code"].to_list()
    labels = frame["region_nom"].to_list()
    noncanonical = []
    for row in variant_rows.tolist():
        options = REGION_VARIANTS.get(variants[row])
        if options:
            labels[row] = options[int(rng.integers(0, len(options)))]
            noncanonical.append(row)
    typed = pl.DataFrame({
        "finess": frame["finess_etablissement_juridique"],
        "rs_finess": frame["raison_sociale_site"].str.replace("CENTRE HOSPITALIER", "CH"),
        "finess_geo": frame["finess_site"], "rs_finess_geo": frame["raison_sociale_site"],
        "region": labels,
        "participation": np.where(rng.random(m) < 0.85, "1- Obligatoire", "2- Facultatif"),
        "Depot": np.where(status == "NR", "2- Non", "1- Oui"),
        "score": np.where(scored, np.round(score, 2), np.nan),
        "answers": np.where(status == "NR", 0, answers), "scored": scored, "status": status,
        "reco": np.round(np.clip(45 + (score - 73) * 2.5 + rng.normal(0, 4, m), 5, 95), 1),
        **{f"off_{name}": np.round(np.clip(score + offset + rng.normal(0, 2.5, m), 20, 100), 2) for name, offset in SUB_SCORES},
    }).with_columns(pl.col("score").fill_nan(None))
    cls = pl.when(pl.col("scored")).then(classement(pl.col("score"))).otherwise(pl.col("status"))
    prev = pl.col("finess_geo").replace_strict(previous, default="", return_dtype=pl.String)
    evolution = (
        pl.when(~pl.col("scored")).then(pl.lit(None, pl.String))
        .when(~prev.is_in(list(_RANK))).then(pl.lit("4-Non calculable"))
        .when(pl.col("rank") > prev.replace_strict(_RANK, default=0, return_dtype=pl.Int64)).then(pl.lit("3-Amélioration"))
        .when(pl.col("rank") < prev.replace_strict(_RANK, default=0, return_dtype=pl.Int64)).then(pl.lit("1-Diminution"))
        .otherwise(pl.lit("2-Stable"))
    )
    n_rep = pl.when(pl.col("scored")).then(pl.col("answers")).otherwise(pl.lit(None, pl.Int64))
    out = typed.with_columns(cls.alias("classement")).with_columns(
        pl.col("classement").replace_strict(_RANK, default=0, return_dtype=pl.Int64).alias("rank")
    ).select(
        "finess", "rs_finess", "finess_geo", "rs_finess_geo", "region", "participation", "Depot",
        n_rep.alias("nb_rep_score_all_rea_ajust"), pl.col("score").alias("score_all_rea_ajust"),
        "classement", evolution.alias("evolution"),
        *[expr for name, _ in SUB_SCORES for expr in (
            n_rep.alias(f"nb_rep_score_{name}_rea_ajust"),
            pl.when(pl.col("scored")).then(pl.col(f"off_{name}")).otherwise(None).alias(f"score_{name}_rea_ajust"))],
        pl.when(pl.col("scored")).then(pl.col("reco")).otherwise(None).alias("taux_reco_brut"),
        pl.when(pl.col("scored")).then((pl.col("answers") * pl.col("reco") / 100).round(0).cast(pl.Int64)).otherwise(None).alias("nb_reco_brut"),
    ).sort(["finess", "finess_geo"], maintain_order=True)
    order = out.with_row_index("row")  # rows after sorting, to locate the defects
    marks = typed.with_row_index("orig").select("finess_geo", "orig")
    located_rows = order.join(marks, on="finess_geo", how="left", maintain_order="left")["orig"].to_numpy()
    position = np.empty(m, dtype=np.int64)
    position[located_rows] = np.arange(m)
    defects = {"unscored_establishment": np.sort(position[unscored]), "noncanonical_region": np.sort(position[np.array(noncanonical, dtype=np.int64)])}
    return out, defects


def csv_text(frame: pl.DataFrame) -> pl.Series:
    """Text cells as the 2019 file writes them: decimal comma for two columns, dot elsewhere."""
    comma = {"score_all_rea_ajust", "taux_reco_brut"}
    text = frame.select(
        (pl.col(c).cast(pl.String).str.replace(".", ",", literal=True) if c in comma else pl.col(c).cast(pl.String)).alias(c)
        for c in frame.columns
    )
    return delimited.lines_of(text)


def write(landing, seed: int, years: list[int], hospitals: pl.DataFrame, rates: Rates) -> list[FileEntry]:
    entries: list[FileEntry] = []
    previous: dict[str, str] = {}
    for year in sorted(y for y in years if y >= FIRST_YEAR):
        frame, rows = year_frame(seed, year, hospitals, rates, previous)
        previous = dict(zip(frame["finess_geo"].to_list(), frame["classement"].to_list(), strict=True))
        located = {kind: (r + 2).tolist() for kind, r in rows.items()}
        relative = relative_path(year)
        if year in XLSX_YEARS:
            buffer = io.BytesIO()
            workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
            # A fixed creation date keeps the workbook byte-identical from run to run.
            workbook.set_properties({"created": dt.datetime(year + 1, 3, 1)})
            frame.select(sources.ESATIS_COLUMNS).write_excel(workbook, worksheet="resultats", autofilter=False)
            workbook.close()
            entries.append(write_file(landing, relative, buffer.getvalue(), data_lines=frame.height, encoding="xlsx", defects=located))
            continue
        rng = stream(seed, f"satisfaction-lines-{year}")
        eligible = without(np.arange(frame.height), *rows.values())
        lines, wrong = delimited.wrong_field_count(csv_text(frame.select(sources.ESATIS_COLUMNS)), rng, rates.wrong_field_count, 2, eligible=eligible)
        located["wrong_field_count"] = wrong
        payload = delimited.text(delimited.header_of(sources.ESATIS_COLUMNS), lines).encode(sources.ESATIS_ENCODING)
        entries.append(write_file(landing, relative, payload, data_lines=frame.height, encoding=sources.ESATIS_ENCODING, defects=located))
    return entries
