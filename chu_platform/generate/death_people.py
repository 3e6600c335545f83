"""The people of the INSEE death register: who died, when, where, at what age.

Ages at death follow a Gompertz-shaped curve, women older than men, with a little infant
mortality; deaths peak in winter. Yearly national volumes are INSEE's (about 600,000),
multiplied by the scale. Records are numbers (days, indices into fixed pools of names,
communes and act numbers), so that millions of them render to text in a few vector steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from chu_platform.schemas import sources
from chu_platform.generate import seasonality
from chu_platform.generate import geography as geo
from chu_platform.generate.people import register_names
from chu_platform.generate.streams import stream, weighted_choice

# Deaths in France (INSEE, rounded); other years default to 600,000.
DEATHS_PER_YEAR = {2014: 559_000, 2015: 594_000, 2016: 593_000, 2017: 606_000, 2018: 610_000, 2019: 613_000,
                   2020: 669_000, 2021: 661_000, 2022: 675_000, 2023: 639_000, 2024: 646_000}

# Birth countries of people born abroad: (INSEE code 99xxx, country, a birth town).
ABROAD = (("99350", "MAROC", "CASABLANCA"), ("99352", "ALGERIE", "ALGER"), ("99351", "TUNISIE", "TUNIS"),
          ("99127", "ITALIE", "NAPLES"), ("99139", "PORTUGAL", "PORTO"), ("99134", "ESPAGNE", "MADRID"),
          ("99109", "ALLEMAGNE", "SARREBRUCK"), ("99131", "BELGIQUE", "LIEGE"), ("99243", "VIET NAM", "HANOI"),
          ("99122", "POLOGNE", "VARSOVIE"), ("99341", "SENEGAL", "DAKAR"), ("99208", "TURQUIE", "ISTANBUL"))

NAME_POOL = 100_000  # per sex; common names repeat in the real register too


def deaths_in(year: int, scale: float) -> int:
    return max(1, round(DEATHS_PER_YEAR.get(year, 600_000) * scale))


def age_at_death_weights(male: bool) -> np.ndarray:
    age = np.arange(111, dtype=np.float64)
    shift = 0.0 if male else 6.0
    hazard = 3e-5 * np.exp(0.095 * (age - shift))
    survivors = np.exp(-np.cumsum(hazard))
    weights = hazard * survivors
    weights[0] += 0.004 * weights.sum()  # infant mortality
    return weights


def fixed(texts: pl.Series, width: int) -> np.ndarray:
    """Strings (ASCII) -> ``(n, width)`` uint8 matrix, cut or space-padded to ``width``."""
    padded = pl.select(pl.lit(texts).str.slice(0, width).str.pad_end(width, " ")).to_series()
    return np.frombuffer(padded.str.join("").item().encode("ascii"), dtype=np.uint8).reshape(-1, width)


@dataclass(frozen=True)
class Pool:
    text: pl.Series
    cells: np.ndarray  # (n, width) uint8


@dataclass(frozen=True)
class Pools:
    names: Pool  # men first (NAME_POOL), then women
    commune_codes: Pool
    commune_names: Pool
    abroad_codes: Pool
    abroad_towns: Pool
    abroad_countries: Pool
    acts: Pool
    birthplaces: np.ndarray  # (places, 65) uint8: lieunaiss + commnaiss + paysnaiss
    birthplace_texts: pl.DataFrame  # the same places as text: lieunaiss, commnaiss, paysnaiss
    corse_alias: np.ndarray  # commune index -> place index of its pre-1976 "20xxx" code, or -1


@cache
def pools() -> Pools:
    """Fixed pools, identical in every run (their content does not depend on the seed)."""
    rng = np.random.default_rng(1_970_001)
    names = pl.concat([register_names(rng, np.ones(NAME_POOL, dtype=bool)), register_names(rng, np.zeros(NAME_POOL, dtype=bool))])
    communes = geo.geography().communes
    towns = communes["commune"].str.replace_all("-", " ")
    acts = pl.Series([str(n) for n in range(1, 3000)] + [f"{p}-{n}" for p in range(1, 20) for n in range(1, 3000, 37)])
    widths = {name: end - start + 1 for name, start, end in sources.DEATHS_FIXED_WIDTH}

    def pool(texts: pl.Series, field: str) -> Pool:
        return Pool(texts, fixed(texts, widths[field]))

    commune_codes, commune_names = pool(communes["code_commune"], "lieunaiss"), pool(towns, "commnaiss")
    abroad_codes = pool(pl.Series([a[0] for a in ABROAD]), "lieunaiss")
    abroad_towns = pool(pl.Series([a[2] for a in ABROAD]), "commnaiss")
    abroad_countries = pool(pl.Series([a[1] for a in ABROAD]), "paysnaiss")
    # Places of birth: every commune, every country, then Corsican communes under the code the
    # register uses for births before 1976, when Corse was one département "20".
    corse = np.flatnonzero(communes["code_commune"].str.contains("^2[AB]").to_numpy())
    corse_codes = pl.concat_str([pl.lit("20"), communes["code_commune"].gather(corse).str.slice(2)], separator="")
    texts = pl.concat([
        pl.DataFrame({"lieunaiss": communes["code_commune"], "commnaiss": towns, "paysnaiss": ""}),
        pl.DataFrame({"lieunaiss": abroad_codes.text, "commnaiss": abroad_towns.text, "paysnaiss": abroad_countries.text}),
        pl.DataFrame({"lieunaiss": pl.select(corse_codes).to_series(), "commnaiss": towns.gather(corse), "paysnaiss": ""}),
    ])
    birthplaces = np.hstack([fixed(texts[c], widths[c]) for c in ("lieunaiss", "commnaiss", "paysnaiss")])
    alias = np.full(len(towns), -1, dtype=np.int64)
    alias[corse] = len(towns) + len(ABROAD) + np.arange(len(corse))
    return Pools(
        names=pool(names, "nomprenom"), commune_codes=commune_codes, commune_names=commune_names,
        abroad_codes=abroad_codes, abroad_towns=abroad_towns, abroad_countries=abroad_countries,
        acts=pool(acts, "actedeces"), birthplaces=birthplaces, birthplace_texts=texts, corse_alias=alias,
    )


def birthplace_index(frame: pl.DataFrame) -> np.ndarray:
    """Row of ``pools().birthplaces`` for each record (commune, country, or Corse before 1976)."""
    p = pools()
    born, abroad = frame["born"].to_numpy(), frame["abroad"].to_numpy()
    place = np.where(born >= 0, born, len(p.commune_codes.text) + abroad)
    old_corse = (born >= 0) & (frame["birth"].to_numpy() < 19760101)
    alias = p.corse_alias[np.maximum(born, 0)]
    return np.where(old_corse & (alias >= 0), alias, place)


def build(seed: int, year: int, count: int) -> pl.DataFrame:
    """``count`` deaths of ``year`` as numbers: ``record`` (unique across years), ``male``,
    ``name`` (pool index), ``birth``/``death`` (yyyymmdd integers), ``born`` (commune index or
    -1), ``abroad`` (country index or -1), ``died`` (commune index), ``act`` (pool index)."""
    rng = stream(seed, f"deaths-{year}")
    g = geo.geography()
    p = pools()
    male = rng.random(count) < 0.5
    age = np.where(male, weighted_choice(rng, age_at_death_weights(True), count),
                   weighted_choice(rng, age_at_death_weights(False), count))
    death_day = seasonality.sample_days(rng, [year], count, seasonality.DEATH_MONTHS, seasonality.ALL_WEEKDAYS)
    birth_day = np.minimum(death_day - (age * 365.25 + rng.integers(0, 365, count)).astype(np.int32), death_day)
    born_dep = g.sample_departements(rng, count)
    born = commune_rows(g, rng, born_dep)
    abroad = np.where(rng.random(count) < 0.09, rng.integers(0, len(ABROAD), count), -1)
    local = commune_rows(g, rng, born_dep)
    anywhere = commune_rows(g, rng, g.sample_departements(rng, count))
    died = np.where((rng.random(count) < 0.55) & (abroad < 0), local, anywhere)
    name = rng.integers(0, NAME_POOL, count) + np.where(male, 0, NAME_POOL)
    act = np.where(rng.random(count) < 0.01, rng.integers(2999, len(p.acts.text), count), rng.integers(0, 2999, count))
    return pl.DataFrame({
        "record": np.int64(year) * 10_000_000 + np.arange(count, dtype=np.int64),
        "male": male, "name": name.astype(np.int32),
        "birth": yyyymmdd(birth_day), "death": yyyymmdd(death_day),
        "born": np.where(abroad < 0, born, -1).astype(np.int32), "abroad": abroad.astype(np.int32),
        "died": died.astype(np.int32), "act": act.astype(np.int32),
    })


def commune_rows(g: geo.Geography, rng: np.random.Generator, departement_index: np.ndarray) -> np.ndarray:
    offsets = g.commune_offsets[departement_index]
    return offsets + np.floor(rng.random(len(departement_index)) * g.commune_counts[departement_index]).astype(np.int64)


def yyyymmdd(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 -> yyyymmdd integers (civil-from-days, H. Hinnant), pure arithmetic."""
    z = days.astype(np.int64) + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return (year * 10_000 + month * 100 + day).astype(np.int32)


@cache
def _four_digits() -> np.ndarray:
    """``"0000"`` .. ``"9999"`` as 10,000 raw 4-byte items."""
    table = np.array([f"{i:04d}" for i in range(10_000)], dtype="S4")
    return table.view("V4")


def date_cells(yyyymmdd: np.ndarray) -> np.ndarray:
    """Dates as integers yyyymmdd -> ``(n, 8)`` uint8 ASCII digits (two table look-ups)."""
    values = yyyymmdd.astype(np.int64)
    out = np.empty((len(values), 2), dtype="V4")
    out[:, 0] = _four_digits()[values // 10_000]
    out[:, 1] = _four_digits()[values % 10_000]
    return out.view(np.uint8).reshape(len(values), 8)


def unknown_date_parts(frame: pl.DataFrame, rng: np.random.Generator, rate: float) -> pl.DataFrame:
    """Blank the day (``00``), or day and month (``0000``), of some birth dates, as the
    register does when the civil status did not know them (column ``unknown_date``)."""
    from chu_platform.generate.streams import pick_lines

    rows = pick_lines(rng, np.arange(frame.height), rate)
    mask = np.zeros(frame.height, dtype=bool)
    mask[rows] = True
    both = rng.random(frame.height) < 0.3
    birth = frame["birth"].to_numpy()
    blanked = np.where(both, birth // 10000 * 10000, birth // 100 * 100)
    return frame.with_columns(pl.Series("birth", np.where(mask, blanked, birth).astype(np.int32)), pl.Series("unknown_date", mask))
