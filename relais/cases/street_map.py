"""The public map of street reports, drawn as SVG on the server: no script, no tile server
unless the town configures one.

Under the points lie map tiles from the server the town names in RELAIS_MAP_TILE_URL (off
by default), or else the town's own plan (TownPlan, with the longitudes and latitudes of
its edges), or else a plain grid. Coordinates are projected with Web Mercator, the projection of map tiles; over a
town's extent a plan drawn in any usual projection lines up with it within a few metres.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.conf import settings

EARTH_RADIUS_M = 6_371_000
WIDTH = 640
MIN_SPAN_DEGREES = 0.004  # about 450 m north-south: a single report is not drawn at street-corner scale
MAX_TILES_ACROSS = 4
MAX_ZOOM = 18


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points on the Earth (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def mercator(lat: float, lon: float) -> tuple[float, float]:
    """Web Mercator, as a fraction of the world (0..1 from west and from north)."""
    lat = max(-85.0511, min(85.0511, lat))
    x = (lon + 180) / 360
    rad = math.radians(lat)
    y = (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2
    return x, y


@dataclass
class MapPoint:
    x: float
    y: float
    url: str
    label: str


@dataclass
class Map:
    width: int
    height: int
    points: list[MapPoint]
    plan_url: str = ""
    tiles: list[dict] = field(default_factory=list)
    grid: list[dict] = field(default_factory=list)
    attribution: str = ""
    outside: int = 0  # reports with coordinates off the town's plan


def _padded(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    west, south, east, north = bounds
    lat_pad = max((north - south) * 0.15, (MIN_SPAN_DEGREES - (north - south)) / 2)
    lon_span = max(east - west, MIN_SPAN_DEGREES * 1.4)
    lon_pad = max((east - west) * 0.15, (lon_span - (east - west)) / 2)
    return west - lon_pad, south - lat_pad, east + lon_pad, north + lat_pad


def build(items: list[tuple[float, float, str, str]], *, plan=None, plan_url: str = "") -> Map | None:
    """The map of `items` (latitude, longitude, link, accessible name): on the town's plan
    when there is one, else around the points (None when no item has coordinates)."""
    located = [i for i in items if i[0] is not None and i[1] is not None]
    if plan is not None:
        bounds = (plan.west, plan.south, plan.east, plan.north)
    elif located:
        lats, lons = [i[0] for i in located], [i[1] for i in located]
        bounds = _padded((min(lons), min(lats), max(lons), max(lats)))
    else:
        return None
    west, south, east, north = bounds
    x0, y0 = mercator(north, west)
    x1, y1 = mercator(south, east)
    span_x, span_y = x1 - x0, y1 - y0
    height = round(WIDTH * span_y / span_x) if span_x > 0 else WIDTH
    height = max(160, min(height, 2 * WIDTH))
    result = Map(width=WIDTH, height=height, points=[])

    def project(lat, lon) -> tuple[float, float]:
        x, y = mercator(lat, lon)
        return round((x - x0) / span_x * WIDTH, 1), round((y - y0) / span_y * height, 1)

    for lat, lon, url, label in located:
        x, y = project(lat, lon)
        if 0 <= x <= WIDTH and 0 <= y <= height:
            result.points.append(MapPoint(x, y, url, label))
        else:
            result.outside += 1
    tile_url = settings.RELAIS.get("MAP_TILE_URL", "")
    if tile_url:  # the town chose tiles: drawn over its plan's extent, or around the points
        result.tiles = _tiles(tile_url, x0, y0, span_x, span_y, height)
        result.attribution = settings.RELAIS.get("MAP_TILE_ATTRIBUTION", "")
    elif plan is not None:
        result.plan_url = plan_url
    if not result.plan_url and not result.tiles:
        step = WIDTH / 8
        result.grid = [{"x1": round(i * step), "y1": 0, "x2": round(i * step), "y2": height} for i in range(1, 8)]
        rows = int(height // step)
        result.grid += [
            {"x1": 0, "y1": round(i * step), "x2": WIDTH, "y2": round(i * step)} for i in range(1, rows + 1)
        ]
    return result


def _tiles(template: str, x0: float, y0: float, span_x: float, span_y: float, height: int) -> list[dict]:
    zoom = 1
    while zoom < MAX_ZOOM and span_x * 2 ** (zoom + 1) <= MAX_TILES_ACROSS:
        zoom += 1
    n = 2**zoom
    tiles = []
    for tx in range(int(x0 * n), int((x0 + span_x) * n) + 1):
        for ty in range(int(y0 * n), int((y0 + span_y) * n) + 1):
            tiles.append(
                {
                    "url": template.replace("{z}", str(zoom)).replace("{x}", str(tx)).replace("{y}", str(ty)),
                    "x": round((tx / n - x0) / span_x * WIDTH, 2),
                    "y": round((ty / n - y0) / span_y * height, 2),
                    "width": round(WIDTH / (span_x * n), 2),
                    "height": round(height / (span_y * n), 2),
                }
            )
    return tiles
