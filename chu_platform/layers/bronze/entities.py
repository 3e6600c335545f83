"""The bronze tables fed by delivered files: which files feed each and how they are read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chu_platform.schemas import sources
from chu_platform.layers.bronze import deaths, finess, satisfaction
from chu_platform.layers.bronze.headed_csv import parse_headed
from chu_platform.layers.bronze.lines import split_lines
from chu_platform.layers.bronze.parsed import Parsed
from chu_platform.schemas.sources import bronze_column


@dataclass(frozen=True)
class FileEntity:
    """``recognised_as``: the ``Recognised.entity`` of the files it reads; ``partitioned``:
    one table partition per file year."""

    name: str
    source: str
    recognised_as: str
    partitioned: bool
    columns: tuple[str, ...]
    parse: Callable[[bytes, str, str], Parsed]
    description: str


def _headed(columns: tuple[str, ...]) -> Callable[[bytes, str, str], Parsed]:
    def parse(data: bytes, file: str, fmt: str) -> Parsed:
        return parse_headed(split_lines(data, "utf-8|cp1252"), columns, file)

    return parse


def _finess(entity: str) -> Callable[[bytes, str, str], Parsed]:
    def parse(data: bytes, file: str, fmt: str) -> Parsed:
        return finess.parse_finess(split_lines(data, "utf-8|cp1252"), entity, file)

    return parse


def _satisfaction(data: bytes, file: str, fmt: str) -> Parsed:
    if fmt.endswith("_xlsx"):
        return satisfaction.parse_xlsx(data, file)
    return satisfaction.parse_csv(split_lines(data, "utf-8|cp1252"), file)


def parse_deaths(data: bytes, file: str, fmt: str) -> Parsed:
    if fmt == "insee_fixed":
        return deaths.parse_fixed(split_lines(data, "utf-8"))
    if fmt == "insee_csv":
        return deaths.parse_insee_csv(split_lines(data, "utf-8"))
    return deaths.parse_chu_csv(split_lines(data, "utf-8|cp1252"), file)


def _names(columns) -> tuple[str, ...]:
    return tuple(bronze_column(c) for c in columns)


FILE_ENTITIES: dict[str, FileEntity] = {
    e.name: e
    for e in (
        FileEntity("establishments", "establishments", "establishments", False,
                   _names(sources.ESTABLISHMENT_COLUMNS), _headed(sources.ESTABLISHMENT_COLUMNS),
                   "One row per establishment line of etablissement_sante.csv, as received."),
        FileEntity("finess_establishments", "establishments", "finess", False,
                   sources.FINESS_STRUCTUREET_FIELDS[1:], _finess("finess_establishments"),
                   "One row per FINESS 'structureet' line of the latest etalab extract, as received."),
        FileEntity("finess_geolocations", "establishments", "finess", False,
                   sources.FINESS_GEOLOCALISATION_FIELDS[1:], _finess("finess_geolocations"),
                   "One row per FINESS 'geolocalisation' line of the latest etalab extract, as received."),
        FileEntity("professionals", "professionals", "professionals", False,
                   _names(sources.PROFESSIONAL_COLUMNS), _headed(sources.PROFESSIONAL_COLUMNS),
                   "One row per line of professionnel_sante.csv, as received."),
        FileEntity("professional_activities", "professionals", "professional_activities", False,
                   _names(sources.ACTIVITY_COLUMNS), _headed(sources.ACTIVITY_COLUMNS),
                   "One row per line of activite_professionnel_sante.csv (professional x establishment), as received."),
        FileEntity("hospitalisations", "hospitalisations", "hospitalisations", False,
                   _names(sources.HOSPITALISATION_COLUMNS), _headed(sources.HOSPITALISATION_COLUMNS),
                   "One row per line of Hospitalisations.csv (one stay), as received."),
        FileEntity("satisfaction", "satisfaction", "satisfaction", True,
                   tuple(satisfaction.COLUMNS), _satisfaction,
                   "One row per establishment line of the HAS e-Satis 48h MCO results of the file's year, as received."),
        FileEntity("deaths", "deaths", "deaths", True,
                   (*deaths.COLUMNS, "_format"), parse_deaths,
                   "One row per line of the deaths register files of the partition's year (INSEE fixed width, "
                   "INSEE CSV, CHU deces.csv by death year), as received."),
    )
}
