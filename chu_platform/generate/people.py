"""French people: name pools built once from Faker ``fr_FR``, then sampled with numpy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl
from faker import Faker

from chu_platform.generate.geography import ascii_upper


@dataclass(frozen=True)
class NamePools:
    last: pl.Series
    first_male: pl.Series
    first_female: pl.Series
    street_types: pl.Series
    street_names: pl.Series


@cache
def name_pools() -> NamePools:
    """Faker's French pools, fixed order so that one seed gives one result."""
    fake = Faker("fr_FR")
    person = fake.provider("faker.providers.person")
    address = fake.provider("faker.providers.address")
    lasts = sorted(set(person.last_names))
    # Compound surnames exist in the registers; a few make the pool more French and longer.
    compounds = [f"{a}-{b}" for a, b in zip(lasts[::7], lasts[3::7], strict=False)]
    street_names = sorted({f"{f} {l}" for f, l in zip(person.first_names_male[:40], lasts[:40], strict=False)}
                          | {"de la Gare", "de l'Église", "du Moulin", "de la République", "des Écoles",
                             "du Château", "de la Mairie", "Pasteur", "Jean Jaurès", "Victor Hugo",
                             "du Général de Gaulle", "de Verdun", "des Tilleuls", "du Stade", "de la Paix"})
    return NamePools(
        last=pl.Series(lasts + compounds),
        first_male=pl.Series(sorted(set(person.first_names_male))),
        first_female=pl.Series(sorted(set(person.first_names_female))),
        street_types=pl.Series(["rue", "rue", "rue", "avenue", "boulevard", "chemin", "place", "allée", "impasse", "route"]),
        street_names=pl.Series(street_names),
    )


def sample(pool: pl.Series, rng: np.random.Generator, size: int) -> pl.Series:
    return pool.gather(rng.integers(0, len(pool), size))


def first_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """One first name per person, by sex (``male`` boolean array)."""
    m = sample(name_pools().first_male, rng, len(male))
    f = sample(name_pools().first_female, rng, len(male))
    return pl.select(pl.when(pl.lit(pl.Series(male))).then(pl.lit(m)).otherwise(pl.lit(f))).to_series()


@cache
def register_first_names(male: bool, size: int = 20_000) -> pl.Series:
    """A fixed pool of register-style first-name lists (``JEAN PIERRE``), 1-3 names each,
    upper case without accents; built once, then people draw from it by index."""
    rng = np.random.default_rng(20_240_101 + int(male))
    pools = name_pools()
    pool = pools.first_male if male else pools.first_female
    count = rng.choice([1, 2, 3], size=size, p=[0.35, 0.45, 0.2])
    # Three distinct names per list: a random start and two distinct non-zero steps.
    first = rng.integers(0, len(pool), size)
    step = rng.integers(1, len(pool) // 2, size)
    picks = [first, (first + step) % len(pool), (first + 2 * step + 1) % len(pool)]
    frame = pl.DataFrame({"f1": pool.gather(picks[0]), "f2": pool.gather(picks[1]), "f3": pool.gather(picks[2]), "count": count})
    joined = frame.select(
        pl.when(pl.col("count") == 1).then(pl.col("f1"))
        .when(pl.col("count") == 2).then(pl.concat_str([pl.col("f1"), pl.col("f2")], separator=" "))
        .otherwise(pl.concat_str([pl.col("f1"), pl.col("f2"), pl.col("f3")], separator=" "))
    ).to_series()
    return pl.select(ascii_expr(pl.lit(joined).str.to_uppercase())).to_series()


@cache
def register_last_names() -> pl.Series:
    return name_pools().last.map_elements(ascii_upper, return_dtype=pl.String)


def register_names(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """INSEE register spelling ``NOM*PRENOM1 PRENOM2/``: upper case, no accents, 1-3 first names."""
    n = len(male)
    men, women = register_first_names(True), register_first_names(False)
    frame = pl.DataFrame({
        "last": sample(register_last_names(), rng, n),
        "m": sample(men, rng, n), "f": sample(women, rng, n), "male": male,
    })
    return frame.select(pl.concat_str([
        pl.col("last"), pl.lit("*"), pl.when(pl.col("male")).then(pl.col("m")).otherwise(pl.col("f")), pl.lit("/"),
    ]).alias("nomprenom")).to_series()


_ACCENTS = {"À": "A", "Â": "A", "Ä": "A", "Ç": "C", "É": "E", "È": "E", "Ê": "E", "Ë": "E", "Î": "I",
            "Ï": "I", "Ô": "O", "Ö": "O", "Ù": "U", "Û": "U", "Ü": "U", "Ÿ": "Y", "Œ": "OE", "Æ": "AE"}


def ascii_expr(expr: pl.Expr) -> pl.Expr:
    """Vectorised accent stripping for upper-case French text."""
    return expr.str.replace_many(list(_ACCENTS), list(_ACCENTS.values()))


def french_phone(rng: np.random.Generator, size: int) -> pl.Series:
    """``0X XX XX XX XX`` with mobile (06/07) and regional (01-05) prefixes."""
    prefix = rng.choice(np.array(["01", "02", "03", "04", "05", "06", "07", "09"]), size=size,
                        p=[0.1, 0.1, 0.1, 0.1, 0.1, 0.3, 0.15, 0.05])
    pairs = rng.integers(0, 100, size=(size, 4))
    frame = pl.DataFrame({"p": prefix, **{f"d{i}": pairs[:, i] for i in range(4)}})
    return frame.select(pl.concat_str(
        [pl.col("p")] + [pl.col(f"d{i}").cast(pl.String).str.zfill(2) for i in range(4)], separator=" "
    )).to_series()
