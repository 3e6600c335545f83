"""What the data model report says, read from the code: asset definitions, Pandera contracts,
the source contract and the analyses' SQL. Nothing here is typed by hand except the rules
that relate a fact column to a dimension (see ``references``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import dagster as dg
import duckdb
import polars as pl

from chu_platform.defs.tags import SOURCE_TAG

LAYERS = ("raw", "bronze", "silver", "gold", "marts", "ops")
MODELLED = ("silver", "gold")


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    nullable: bool
    unique: bool = False
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Asset:
    key: str
    layer: str
    table: str
    description: str
    partitioning: str | None
    upstream: tuple[str, ...]
    source: str | None
    checks: tuple[tuple[str, bool, str], ...]  # (name, blocking, description)
    columns: tuple[Column, ...] = ()
    columns_from: str = ""
    table_rules: tuple[str, ...] = ()

    @property
    def grain(self) -> str:
        return self.description.split("\n")[0].strip()


@dataclass(frozen=True)
class Relation:
    parent: str
    child: str
    column: str
    parent_column: str


@dataclass
class Catalogue:
    assets: dict[str, Asset]
    care_tables: dict[str, tuple[Column, ...]]
    care_keys: dict[str, tuple[str, ...]]
    care_relations: tuple[Relation, ...]
    files: dict[str, tuple[str, ...]]
    triggers: tuple[tuple[str, str, str, str, str], ...]  # (name, kind, when, default status, description)
    star_relations: tuple[Relation, ...] = field(default_factory=tuple)

    def layer(self, layer: str) -> list[Asset]:
        return [a for a in self.assets.values() if a.layer == layer]


def load_definitions() -> dg.Definitions:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from chu_platform.definitions import defs
    return defs


def _partitioning(partitions: dg.PartitionsDefinition | None) -> str | None:
    if partitions is None:
        return None
    keys = partitions.get_partition_keys()
    if isinstance(partitions, dg.StaticPartitionsDefinition) and keys and all(k.isdigit() and len(k) == 4 for k in keys):
        return f"yearly (key `YYYY`) from {keys[0]} to the current year"
    return type(partitions).__name__


def _rule(check) -> str | None:
    stats = check.statistics or {}
    name = check.name
    if name == "isin":
        values = list(stats.get("allowed_values", []))
        if len(values) <= 6:
            return "in " + ", ".join(f"`{v}`" for v in values)
        return f"one of {len(values)} reference codes"
    if name == "str_matches":
        return f"matches `{stats.get('pattern')}`"
    if name == "in_range":
        return f"{stats.get('min_value')}–{stats.get('max_value')}"
    symbols = {"greater_than_or_equal_to": "≥", "greater_than": ">", "less_than_or_equal_to": "≤",
               "less_than": "<", "equal_to": "="}
    if name in symbols:
        return f"{symbols[name]} {next(iter(stats.values()))}"
    return name


def _pandera_columns(model) -> tuple[tuple[Column, ...], tuple[str, ...]]:
    schema = model.to_schema()
    columns = tuple(
        Column(name, str(col.dtype), bool(col.nullable), bool(col.unique),
               tuple(r for r in (_rule(c) for c in col.checks) if r))
        for name, col in schema.columns.items()
    )
    return columns, tuple(c.name for c in schema.checks)


def _frame_columns(schema: pl.Schema, nullable: bool = True) -> tuple[Column, ...]:
    return tuple(Column(name, str(dtype), nullable) for name, dtype in schema.items())


def _reference_dimensions() -> dict[str, pl.Schema]:
    """The dimensions built from calendars and shipped reference data (no Pandera contract)."""
    from chu_platform.layers.gold.reference_dims import build_dim_date, build_dim_geography

    return {"dim_date": build_dim_date(2000, 2000).schema, "dim_geography": build_dim_geography().schema}


def _aggregate_schemas(gold: dict[str, pl.Schema]) -> dict[str, pl.Schema]:
    """Each pre-aggregate's columns: its SQL run on empty gold tables of the contract's types,
    framed as ``aggregates.compute`` frames it (``year`` first, the fingerprint last)."""
    from chu_platform.layers.marts.aggregates import AGGREGATES, INPUTS, parameters
    from chu_platform.layers.marts.periods import Period

    con = duckdb.connect()
    for table, schema in gold.items():
        empty = pl.DataFrame(schema=schema)
        con.register(f"{table}_empty", empty.to_arrow())
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {table}_empty")
    values = {**Period.year(2000).params(), "establishment": None, "diagnosis": None}
    schemas = {}
    for name, aggregate in AGGREGATES.items():
        arrow = con.sql(aggregate.build, params={p: values[p] for p in parameters(aggregate.build)}).to_arrow_table()
        frame = pl.from_arrow(arrow)
        framed = frame.select(pl.lit(2000, dtype=pl.Int32).alias("year"), pl.all().exclude("year"),
                              pl.lit("").alias(INPUTS))
        schemas[aggregate.table] = framed.schema
    return schemas


def build_catalogue(defs: dg.Definitions | None = None) -> Catalogue:
    from chu_platform.schemas import sources
    from chu_platform.generate import care_db
    from chu_platform.schemas.gold import GOLD_MODELS
    from chu_platform.schemas.silver import SILVER_MODELS

    defs = defs or load_definitions()
    graph = defs.resolve_asset_graph()
    contracts = {("silver", t): m for t, m in SILVER_MODELS.items()} | {("gold", t): m for t, m in GOLD_MODELS.items()}
    gold_schemas: dict[str, pl.Schema] = {}
    shapes: dict[tuple[str, str], tuple[tuple[Column, ...], str, tuple[str, ...]]] = {}
    for (layer, table), model in contracts.items():
        columns, rules = _pandera_columns(model)
        shapes[layer, table] = (columns, f"Pandera contract `{model.__module__}.{model.__name__}`", rules)
        if layer == "gold":
            gold_schemas[table] = pl.Schema({n: c.dtype.type for n, c in model.to_schema().columns.items()})
    for table, schema in _reference_dimensions().items():
        columns = _frame_columns(schema)
        shapes["gold", table] = (columns, "the builder in `chu_platform.layers.gold.reference_dims` (no Pandera contract)", ())
        gold_schemas[table] = schema
    for table, schema in _aggregate_schemas(gold_schemas).items():
        shapes["gold", table] = (_frame_columns(schema),
                                 "the analysis SQL of `chu_platform.layers.marts.aggregates` run on the gold contracts", ())

    assets: dict[str, Asset] = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        layer, table = key.path[0], key.path[-1]
        checks = tuple(sorted(
            (ck.name, bool(graph.get_check_spec(ck).blocking), graph.get_check_spec(ck).description or "")
            for ck in node.check_keys
        ))
        columns, columns_from, rules = shapes.get((layer, table), ((), "", ()))
        assets[key.to_user_string()] = Asset(
            key=key.to_user_string(), layer=layer, table=table, description=node.description or "",
            partitioning=_partitioning(node.partitions_def),
            upstream=tuple(sorted(p.to_user_string() for p in node.parent_keys)),
            source=node.tags.get(SOURCE_TAG), checks=checks, columns=columns,
            columns_from=columns_from, table_rules=rules,
        )

    care_tables = {
        table: tuple(Column(c, care_db.column_type(table, c), c not in care_db.PRIMARY_KEYS.get(table, ()),
                            False) for c in columns)
        for table, columns in sources.CARE_TABLES.items()
    }
    care_relations = tuple(
        Relation(parent=target, child=table, column=", ".join(cols), parent_column=", ".join(target_cols))
        for table, cols, target, target_cols in care_db.FOREIGN_KEYS
    )
    files = {
        sources.ESTABLISHMENT_FILE: sources.ESTABLISHMENT_COLUMNS,
        "etalab-cs1100507-stock-YYYYMMDD-HHMM.csv (structureet lines)": sources.FINESS_STRUCTUREET_FIELDS,
        "etalab-cs1100507-stock-YYYYMMDD-HHMM.csv (geolocalisation lines)": sources.FINESS_GEOLOCALISATION_FIELDS,
        sources.PROFESSIONAL_FILE: sources.PROFESSIONAL_COLUMNS,
        sources.ACTIVITY_FILE: sources.ACTIVITY_COLUMNS,
        sources.HOSPITALISATION_FILE: sources.HOSPITALISATION_COLUMNS,
        "resultats-esatis48h-mco-open-data-YYYY.csv / .xlsx": sources.ESATIS_COLUMNS,
        "deces-YYYY.txt (fixed width) / deces-YYYY.csv (INSEE CSV)": tuple(
            f"{n} ({a}–{b})" for n, a, b in sources.DEATHS_FIXED_WIDTH),
        sources.DEATHS_CHU_FILE: sources.DEATHS_CHU_COLUMNS,
    }
    catalogue = Catalogue(assets, care_tables, dict(care_db.PRIMARY_KEYS), care_relations, files, _triggers(defs))
    catalogue.star_relations = references(catalogue)
    return catalogue


def _key_column(asset: Asset) -> str | None:
    for column in asset.columns:
        if column.name.endswith("_key") and column.unique:
            return column.name
    return {"dim_date": "date_key", "dim_geography": "departement_code"}.get(asset.table)


def references(catalogue: Catalogue) -> tuple[Relation, ...]:
    """Star-schema relations, by the naming rules the gold tables follow: a column named like a
    dimension's key joins that dimension; ``date*_key`` columns join ``dim_date``; the geography
    codes (``departement_code``, ``region_code``) join ``dim_geography``."""
    gold = {a.table: a for a in catalogue.layer("gold")}
    dims = {t: _key_column(a) for t, a in gold.items() if t.startswith("dim_")}
    by_key = {key: t for t, key in dims.items() if key and key != "departement_code"}
    relations = []
    for table, asset in gold.items():
        if not (table.startswith("fact_") or table.startswith("dim_")):
            continue
        for column in asset.columns:
            name = column.name
            parent = by_key.get(name)
            if parent == table:
                continue
            if parent is None and name.startswith("date") and name.endswith("_key"):
                parent = "dim_date"
            geography = "departement_code" if "departement_code" in {c.name for c in asset.columns} else "region_code"
            if parent is None and name == geography and table != "dim_geography":
                parent = "dim_geography"
            if parent and parent in gold:
                parent_column = "date_key" if parent == "dim_date" else name
                relations.append(Relation(parent, table, name, parent_column))
    return tuple(relations)


def _first_sentence(text: str | None) -> str:
    words = " ".join((text or "").split())
    end = words.find(". ")
    return words if end < 0 else words[: end + 1]


def _triggers(defs: dg.Definitions) -> tuple[tuple[str, str, str, str, str], ...]:
    """The sensors and schedules that start runs on their own, as the daemon sees them."""
    rows = [
        (s.name, "sensor", f"every {s.minimum_interval_seconds} s", s.default_status.value.lower(),
         _first_sentence(s.description))
        for s in defs.sensors or ()
    ]
    rows += [
        (s.name, "schedule", f"`{s.cron_schedule}` ({s.execution_timezone or 'UTC'})",
         s.default_status.value.lower(), _first_sentence(s.description))
        for s in defs.schedules or ()
    ]
    return tuple(sorted(rows))
