"""Region outlines for the maps, from the GeoJSON shipped in ``chu_platform/reference``.

Metropolitan regions are drawn from their outlines (coordinates rounded to 0.01°, about a
kilometre, which the 5 % simplification is coarser than anyway); the overseas regions,
absent from the file, are square tiles placed in the map's lower-left corner.
"""

from __future__ import annotations

import json
from importlib import resources

REGIONS_FILE = "regions-version-simplifiee.geojson"
# Guadeloupe, Martinique, Guyane, La Réunion, Mayotte: tile centres (lon, lat) in the map.
OVERSEAS_TILES = {"01": (-4.6, 44.2), "02": (-3.2, 44.2), "03": (-4.6, 43.0), "04": (-3.2, 43.0), "06": (-4.6, 41.8)}
TILE_LABELS = {"01": "GUA", "02": "MTQ", "03": "GUF", "04": "REU", "06": "MYT"}
TILE = 0.5


def _rings(geometry: dict) -> list[list[list[float]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return [polygon[0] for polygon in polygons]


def region_shapes() -> dict[str, dict]:
    """``{region code: {"x": [...], "y": [...], "tile": bool}}``: rings separated by ``None``."""
    text = resources.files("chu_platform.reference").joinpath(REGIONS_FILE).read_text(encoding="utf-8")
    shapes = {}
    for feature in json.loads(text)["features"]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for ring in _rings(feature["geometry"]):
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(round(x, 2) for x, _ in ring)
            ys.extend(round(y, 2) for _, y in ring)
        shapes[feature["properties"]["code"]] = {"x": xs, "y": ys, "tile": False}
    for code, (x, y) in OVERSEAS_TILES.items():
        d = TILE / 2
        shapes[code] = {"x": [x - d, x + d, x + d, x - d, x - d], "y": [y - d, y - d, y + d, y + d, y - d], "tile": True,
                        "label": TILE_LABELS[code]}
    return shapes
