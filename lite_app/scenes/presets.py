"""Rendered scene presets: skies, studio sweeps, surfaces and plain colours.

Every preset is painted with numpy from a seed, so no model is needed. Each one
is drawn at a small working resolution (smooth noise upscaled, float32) and
then enlarged once with Pillow, which keeps a 1000x1000 scene to a few tens of
milliseconds. Same scene id, params, size and seed give identical pixels.

All presets share one params schema: ``color`` and ``accent`` (hex
``#RRGGBB``), ``brightness`` and ``warmth`` (numbers from -0.5 to 0.5, a final
tone shift: lighter or darker, warmer orange or cooler blue). What the two
colours paint in each preset:

    cloud-sky           color: the sky            accent: the clouds
    studio-white, -gray color: the lit paper      accent: the shade it fades to
    pastel-gradient     color: one end            accent: the other end
    sunset              color: the horizon glow   accent: the sky high up
    marble              color: the stone          accent: the veins
    wood-table          color: the wood           accent: the wall behind
    solid               color: everything         accent: unused
"""

from __future__ import annotations

import argparse
import functools
import logging
import math
import numbers
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from lite_app.config import settings
from lite_app.errors import LookInvalid

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (160, 160)
MAX_SIDE = 8192
NUMBER_RANGE = (-0.5, 0.5)
PARAM_NAMES = ("color", "accent", "brightness", "warmth")
_PARAM_LABELS_KO = {
    "color": "주 색상",
    "accent": "보조 색상",
    "brightness": "밝기",
    "warmth": "색온도",
}
_HEX_COLOR = re.compile(r"#[0-9A-Fa-f]{6}")

Array = np.ndarray


@dataclass(frozen=True)
class ScenePreset:
    """A scene the app can paint without a model, and its default params
    (shared: read them, or copy them before changing anything)."""

    id: str
    name_ko: str
    name_en: str
    defaults: dict[str, object]
    has_floor: bool
    glossy: bool


@dataclass(frozen=True)
class Scene:
    """A painted scene, ready for a product to be placed on it.

    ``floor_y`` is where the product's bottom stands, as a share of the height
    (None means centre the product). Scenes are cached and shared: treat
    ``image`` as read-only and copy it before drawing on it.
    """

    image: Image.Image
    floor_y: float | None
    glossy: bool
    preset_id: str


def _preset(
    scene_id: str,
    name_ko: str,
    name_en: str,
    color: str,
    accent: str,
    *,
    has_floor: bool = False,
    glossy: bool = False,
) -> ScenePreset:
    defaults: dict[str, object] = {
        "color": color,
        "accent": accent,
        "brightness": 0.0,
        "warmth": 0.0,
    }
    return ScenePreset(scene_id, name_ko, name_en, defaults, has_floor, glossy)


# Ordered: the first one is the default scene.
PRESETS: dict[str, ScenePreset] = {
    preset.id: preset
    for preset in (
        _preset("cloud-sky", "구름 하늘", "Cloudy sky", "#5E9BD8", "#FFFFFF"),
        _preset(
            "studio-white",
            "화이트 스튜디오",
            "White studio",
            "#FAFAFA",
            "#C4C7CC",
            has_floor=True,
        ),
        _preset(
            "studio-gray",
            "그레이 스튜디오",
            "Gray studio",
            "#A9ABAE",
            "#55585D",
            has_floor=True,
        ),
        _preset(
            "pastel-gradient",
            "파스텔 그라데이션",
            "Pastel gradient",
            "#F9CFE0",
            "#BFD8F6",
        ),
        _preset("sunset", "노을", "Sunset", "#FF9E4A", "#3E3F82"),
        _preset(
            "marble",
            "대리석",
            "Marble",
            "#F1EFEB",
            "#8C8F94",
            has_floor=True,
            glossy=True,
        ),
        _preset(
            "wood-table",
            "원목 테이블",
            "Wood table",
            "#A8703F",
            "#E6E0D6",
            has_floor=True,
        ),
        _preset("solid", "단색", "Solid colour", "#FFFFFF", "#FFFFFF"),
    )
}
DEFAULT_SCENE = "cloud-sky"

# Where the product's bottom stands in floor scenes, as a share of the height.
_FLOOR_Y = {"studio-white": 0.8, "studio-gray": 0.8, "marble": 0.8, "wood-table": 0.8}


def list_presets() -> list[ScenePreset]:
    """Every preset, the default first."""
    return list(PRESETS.values())


def thumbnail_path(scene_id: str) -> Path:
    """Where the preset's 160x160 thumbnail lives among the app's assets."""
    _preset_for(scene_id)
    return settings().assets_dir / "scenes" / f"{scene_id}.png"


def checked_params(
    scene_id: str, params: Mapping[str, object] | None
) -> dict[str, object]:
    """The preset's defaults overlaid with ``params``, each one validated.

    Colours come back as upper-case ``#RRGGBB`` and numbers as floats.
    """
    preset = _preset_for(scene_id)
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        raise LookInvalid(
            "장면 옵션 형식이 올바르지 않습니다.",
            "Scene options must be a set of names and values.",
        )
    unknown = sorted(str(key) for key in params if key not in PARAM_NAMES)
    if unknown:
        names = ", ".join(unknown)[:80]
        raise LookInvalid(
            f"알 수 없는 장면 옵션입니다: {names}",
            f"Unknown scene option: {names}. Scenes take color, accent, "
            "brightness and warmth.",
            unknown=unknown,
        )
    merged = {**preset.defaults, **params}
    return {
        "color": _checked_color(merged["color"], "color"),
        "accent": _checked_color(merged["accent"], "accent"),
        "brightness": _checked_number(merged["brightness"], "brightness"),
        "warmth": _checked_number(merged["warmth"], "warmth"),
    }


def render_scene(
    scene_id: str,
    size: tuple[int, int],
    params: Mapping[str, object] | None = None,
    seed: int = 0,
) -> Scene:
    """Paint a preset at ``size`` (width, height).

    Results are cached, so a scene reused across a batch is painted once; the
    returned scene is shared, and its image must not be changed in place.
    """
    checked = checked_params(scene_id, params)
    width, height = _checked_size(size)
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise LookInvalid(
            "시드 값은 0 이상의 정수여야 합니다.",
            f"The seed must be a whole number of 0 or more, got {seed!r}.",
        )
    key = tuple(sorted(checked.items()))
    return _render_cached(scene_id, (width, height), key, int(seed))


def write_thumbnails(folder: Path | None = None) -> list[Path]:
    """Write a 160x160 PNG for every preset; return the files written.

    Each scene is painted at three times the size and reduced, so the
    thumbnail shows the detail a full-size scene has.
    """
    folder = folder if folder is not None else thumbnail_path(DEFAULT_SCENE).parent
    folder.mkdir(parents=True, exist_ok=True)
    large = (THUMBNAIL_SIZE[0] * 3, THUMBNAIL_SIZE[1] * 3)
    written = []
    for preset in PRESETS.values():
        image = render_scene(preset.id, large).image
        path = folder / f"{preset.id}.png"
        image.resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS).save(path, optimize=True)
        written.append(path)
    logger.info("wrote %d scene thumbnails to %s", len(written), folder)
    return written


# --- validation -----------------------------------------------------------


def _preset_for(scene_id: object) -> ScenePreset:
    preset = PRESETS.get(scene_id) if isinstance(scene_id, str) else None
    if preset is None:
        shown = str(scene_id)[:40]
        raise LookInvalid(
            f"없는 장면입니다: {shown}. 장면 목록에서 골라 주세요.",
            f"There is no scene called {shown!r}; pick one from the scene list.",
            scene=shown,
        )
    return preset


def _checked_color(value: object, name: str) -> str:
    if not isinstance(value, str) or not _HEX_COLOR.fullmatch(value):
        shown = str(value)[:20]
        raise LookInvalid(
            f"{_PARAM_LABELS_KO[name]}은 #FFAA00 같은 색상 코드여야 합니다 "
            f"(받은 값: {shown}).",
            f"The scene {name} must be a colour code like #FFAA00, got {shown!r}.",
        )
    return value.upper()


def _checked_number(value: object, name: str) -> float:
    low, high = NUMBER_RANGE
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not is_number or not low <= float(value) <= high:  # also refuses NaN
        shown = str(value)[:20]
        raise LookInvalid(
            f"{_PARAM_LABELS_KO[name]} 값은 {low:g}에서 {high:g} 사이의 숫자여야 "
            f"합니다 (받은 값: {shown}).",
            f"The scene {name} must be a number from {low:g} to {high:g}, "
            f"got {shown!r}.",
        )
    return float(value)


def _checked_size(size: object) -> tuple[int, int]:
    fits = (
        isinstance(size, Sequence)
        and len(size) == 2
        and all(
            isinstance(side, numbers.Integral)
            and not isinstance(side, bool)
            and 1 <= side <= MAX_SIDE
            for side in size
        )
    )
    if not fits:
        raise LookInvalid(
            f"장면 크기는 한 변이 1~{MAX_SIDE} 픽셀이어야 합니다.",
            f"A scene must be 1 to {MAX_SIDE} pixels on each side, got {size!r}.",
        )
    return int(size[0]), int(size[1])  # type: ignore[index]


# --- rendering ------------------------------------------------------------

Painter = Callable[[np.random.Generator, tuple[int, int], Array, Array], Array]


@functools.lru_cache(maxsize=16)
def _render_cached(
    scene_id: str,
    size: tuple[int, int],
    params_key: tuple[tuple[str, object], ...],
    seed: int,
) -> Scene:
    started = time.perf_counter()
    image = _painted(scene_id, size, dict(params_key), seed)
    logger.debug(
        "painted scene %s at %dx%d in %.1f ms",
        scene_id,
        *size,
        (time.perf_counter() - started) * 1000.0,
    )
    preset = PRESETS[scene_id]
    return Scene(image, _FLOOR_Y.get(scene_id), preset.glossy, scene_id)


def _painted(
    scene_id: str, size: tuple[int, int], params: dict[str, object], seed: int
) -> Image.Image:
    """Paint at the preset's working resolution, tone it, enlarge it once."""
    painter, work_limit = _PAINTINGS[scene_id]
    shape = _work_shape(size, work_limit)
    color, accent = _rgb(params["color"]), _rgb(params["accent"])
    rgb = painter(np.random.default_rng(seed), shape, color, accent)
    rgb = _toned(rgb, float(params["brightness"]), float(params["warmth"]))
    pixels = _to_bytes(rgb)
    if pixels.shape[:2] == (1, 1):
        return Image.new("RGB", size, tuple(int(v) for v in pixels[0, 0]))
    image = Image.fromarray(pixels, "RGB")
    if image.size != size:
        # Bilinear: as good as bicubic at these enlargements, and cheaper.
        image = image.resize(size, Image.Resampling.BILINEAR)
    return image


def _work_shape(size: tuple[int, int], limit: int) -> tuple[int, int]:
    """(rows, cols) to paint at: the size, shrunk so its longer side fits
    limit, and never under 16 pixels a side (a tiny scene is painted larger
    and reduced)."""
    width, height = size
    scale = min(1.0, limit / max(width, height))
    least = min(16, limit)
    return max(least, round(height * scale)), max(least, round(width * scale))


def _rgb(hex_color: object) -> Array:
    text = str(hex_color)
    values = [int(text[i : i + 2], 16) for i in (1, 3, 5)]
    return np.array(values, dtype=np.float32) / 255.0


def _to_bytes(rgb: Array) -> Array:
    return (np.clip(rgb, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


# Added per unit of warmth: warm lifts red and lowers blue, cool the reverse.
_WARM_SHIFT = np.array([0.16, 0.03, -0.2], dtype=np.float32)


def _toned(rgb: Array, brightness: float, warmth: float) -> Array:
    """The final tone shift: warmth moves toward orange or blue, brightness
    lifts toward white (positive) or scales toward black (negative)."""
    if warmth:
        rgb = rgb + warmth * _WARM_SHIFT
    if brightness > 0:
        rgb = rgb + brightness * (1.0 - rgb)
    elif brightness < 0:
        rgb = rgb * (1.0 + brightness)
    return np.clip(rgb, 0.0, 1.0)


def _mix(a: Array, b: Array, t: Array | float) -> Array:
    """Blend from a (t=0) to b (t=1); t broadcasts over colour channels."""
    if isinstance(t, np.ndarray) and t.ndim == 2:
        t = t[..., None]
    return a + (b - a) * t


def _smoothstep(edge0: float, edge1: float, x: Array) -> Array:
    t = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _axes(shape: tuple[int, int]) -> tuple[Array, Array]:
    """Row and column coordinates, 0 at the top/left and 1 at the bottom/right,
    shaped to broadcast: (rows, 1) and (1, cols)."""
    rows, cols = shape
    y = np.linspace(0.0, 1.0, rows, dtype=np.float32)[:, None]
    x = np.linspace(0.0, 1.0, cols, dtype=np.float32)[None, :]
    return y, x


# --- noise ----------------------------------------------------------------


def _noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: float,
    stretch: float = 1.0,
) -> Array:
    """Smooth value noise in about 0..1: a random lattice enlarged bicubically.

    ``cells`` counts lattice cells across the shorter side, so a scene keeps
    its look at every size; ``stretch`` > 1 draws features wider than tall.
    """
    rows, cols = shape
    short = min(rows, cols)
    down = cells * rows / short
    across = cells * cols / short / stretch
    # Two spare lattice points on every side keep the edges as smooth as the
    # middle: every pixel has all four of its neighbours in each direction.
    lattice = rng.random((math.ceil(down) + 4, math.ceil(across) + 4), np.float32)
    if lattice.shape[0] > _FEW_POINTS:
        box = (2.0, 2.0, 2.0 + across, 2.0 + down)
        enlarged = Image.fromarray(lattice, "F").resize(
            (cols, rows), Image.Resampling.BICUBIC, box=box
        )
        return np.asarray(enlarged)
    # A coarse lattice enlarges faster as two small weighted sums (the same
    # bicubic weights Pillow uses), done by einsum in one thread, not by BLAS.
    column_weights = _cubic_weights(rows, down, lattice.shape[0])
    row_weights = _cubic_weights(cols, across, lattice.shape[1]).T
    wide = np.einsum("ij,jk->ik", lattice, row_weights, optimize=False)
    return np.einsum("ij,jk->ik", column_weights, wide, optimize=False)


# Lattices with more rows than this are enlarged by Pillow instead.
_FEW_POINTS = 40


@functools.lru_cache(maxsize=64)
def _cubic_weights(pixels: int, span: float, points: int) -> Array:
    """(pixels, points) weights that sample ``span`` lattice cells, starting two
    points in, at each pixel's centre with the Catmull-Rom cubic (the same
    kernel as Pillow's bicubic)."""
    centres = 1.5 + (np.arange(pixels, dtype=np.float64) + 0.5) * (span / pixels)
    gap = np.abs(centres[:, None] - np.arange(points, dtype=np.float64)[None, :])
    near = ((1.5 * gap - 2.5) * gap) * gap + 1.0
    far = ((-0.5 * gap + 2.5) * gap - 4.0) * gap + 2.0
    weights = np.where(gap < 1.0, near, np.where(gap < 2.0, far, 0.0))
    weights = weights.astype(np.float32)
    weights.flags.writeable = False
    return weights


def _fbm(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: float,
    octaves: int,
    gain: float = 0.5,
    stretch: float = 1.0,
) -> Array:
    """Several octaves of noise, each twice as fine and ``gain`` as strong,
    recentred and stretched so most values fall in 0..1."""
    total = np.zeros(shape, dtype=np.float32)
    amplitude, weight, power = 1.0, 0.0, 0.0
    for octave in range(octaves):
        total += amplitude * _noise(rng, shape, cells * 2**octave, stretch)
        weight += amplitude
        power += amplitude * amplitude
        amplitude *= gain
    # Averaging octaves narrows the spread; widen it back to a single octave's.
    spread = weight / math.sqrt(power)
    return (total / weight - 0.5) * spread + 0.5


# --- cloud sky ------------------------------------------------------------

_WHITE = np.ones(3, dtype=np.float32)


def _paint_cloud_sky(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A blue sky, deeper at the top and hazy at the horizon, with cumulus
    clouds: billowy noise gathered into heaps with flat bases, bright where
    the sun reaches them and grey where cloud lies between them and the sun."""
    y, _ = _axes(shape)
    zenith = color * 0.8
    horizon = _mix(color, _WHITE, 0.6)
    sky = _mix(zenith, horizon, y**1.3)
    sky = _mix(sky, _mix(accent, horizon, 0.3), _haze(rng, shape))
    density = _cloud_density(rng, shape)
    light = _sunlight(density)
    shade = _mix(accent, color, 0.55) * 0.78
    cloud = _mix(shade, accent, light)
    cover = _smoothstep(0.0, 0.45, density)
    return _mix(sky, cloud, cover)


def _haze(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    """Faint streaks of high, thin cloud: wide noise, mostly below zero."""
    streaks = _fbm(rng, shape, 3.0, 2, gain=0.5, stretch=3.0)
    return _smoothstep(0.6, 1.0, streaks) * 0.3


def _cloud_density(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    """Cloud density in 0..1: heaped puffs give each cumulus its outline,
    several octaves of billowy noise give it its lumps and ragged edges."""
    rows, cols = shape
    # The heaps are smooth, so they are drawn at half size and enlarged.
    heap = np.zeros((max(8, rows // 2), max(8, cols // 2)), dtype=np.float32)
    count = int(rng.integers(4, 7))
    # Spread the clouds across the sky: one to each slice of its width.
    for index in range(count):
        across = (index + rng.uniform(0.15, 0.85)) / count * 1.2 - 0.1
        _add_cloud(rng, heap, across, rng.uniform(0.2, 0.95))
    heap = _resized(heap, (cols, rows))
    detail = _fbm(rng, shape, 6.0, 4, gain=0.6)
    billows = (np.abs(detail - 0.5) * 2.0 - 0.3) * 0.9
    # Lumps grow out of the heaps a little, never out of open sky.
    billows *= 0.4 + 0.6 * _smoothstep(0.0, 0.2, heap)
    return np.clip(heap * 1.3 - 0.35 + billows, 0.0, 1.0)


def _add_cloud(
    rng: np.random.Generator, heap: Array, across: float, down: float
) -> None:
    """Heap puffs into one cumulus centred at ``across`` with its base at
    ``down`` (shares of the width and height): a row of big puffs on a flat
    base, the middle ones bigger, each crowned with smaller puffs along its
    upper rim. Clouds lower in the frame are farther away, so smaller."""
    rows, cols = heap.shape
    center_x, base_y = across * cols, down * rows
    distance = 1.25 - 0.75 * base_y / rows
    half_width = rng.uniform(0.16, 0.34) * min(rows, cols) * distance
    count = int(rng.integers(5, 8))
    for index in range(count):
        offset = (index + rng.uniform(0.2, 0.8)) / count * 2.0 - 1.0
        dome = math.sqrt(max(0.0, 1.0 - offset * offset))
        radius = half_width * rng.uniform(0.28, 0.38) * (0.55 + 0.75 * dome)
        puff_x = center_x + offset * half_width
        puff_y = base_y - radius * rng.uniform(0.4, 0.7)
        _add_puff(heap, (puff_x, puff_y, radius), base_y)
        for _ in range(int(rng.integers(1, 4))):
            angle = rng.uniform(-2.7, -0.45)
            reach = radius * rng.uniform(0.5, 0.75)
            crown = (
                puff_x + reach * math.cos(angle),
                puff_y + reach * math.sin(angle),
                radius * rng.uniform(0.35, 0.6),
            )
            _add_puff(heap, crown, base_y)


def _add_puff(heap: Array, puff: tuple[float, float, float], base_y: float) -> None:
    """Raise a rounded puff (1 in its middle, 0 at its rim), fading out just
    below the cloud's base line so the cloud sits on a flat bottom."""
    center_x, center_y, radius = puff
    rows, cols = heap.shape
    top, left = max(int(center_y - radius), 0), max(int(center_x - radius), 0)
    bottom = min(int(min(center_y + radius, base_y + 0.2 * radius)) + 2, rows)
    right = min(int(center_x + radius) + 2, cols)
    if top >= bottom or left >= right:
        return
    y = np.arange(top, bottom, dtype=np.float32)[:, None]
    x = np.arange(left, right, dtype=np.float32)[None, :]
    spread = ((x - center_x) ** 2 + (y - center_y) ** 2) / (radius * radius)
    bulge = np.maximum(1.0 - spread, 0.0)
    bulge *= np.clip((base_y - y) / (0.3 * radius) + 0.5, 0.0, 1.0)
    window = heap[top:bottom, left:right]
    np.maximum(window, bulge, out=window)


def _sunlight(density: Array) -> Array:
    """How much sunlight reaches each point (0..1): the sun is high and a
    little to the left, so cloud above and to the left casts shade. Worked
    out at a third of the size and softened, as light in a cloud scatters."""
    rows, cols = density.shape
    small = _resized(density, (max(1, cols // 3), max(1, rows // 3)))
    step = max(1, round(0.01 * min(small.shape)))
    depth = np.zeros_like(small)
    for k in range(1, 11):
        depth += _shifted(small, k * step, k * step // 2)
    light = 0.2 + 0.8 * np.exp(-depth * 0.25)
    softer = _resized(light, (max(1, cols // 6), max(1, rows // 6)))
    return _resized(softer, (cols, rows))


def _shifted(field: Array, down: int, right: int) -> Array:
    """field moved down and right by whole pixels; the gap left is empty."""
    rows, cols = field.shape
    moved = np.zeros_like(field)
    if down < rows and right < cols:
        moved[down:, right:] = field[: rows - down, : cols - right]
    return moved


def _resized(field: Array, size: tuple[int, int]) -> Array:
    """A float field resized smoothly to size (width, height)."""
    image = Image.fromarray(np.ascontiguousarray(field, dtype=np.float32), "F")
    return np.asarray(image.resize(size, Image.Resampling.BICUBIC))


# --- studio sweeps ---------------------------------------------------------

_SWEEP_COVE_Y = 0.6


def _paint_studio(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A seamless paper sweep: the wall curves into the floor, the light is
    brightest just behind the product and falls off to the edges and top.
    ``color`` is the lit paper, ``accent`` the shade it falls off toward."""
    y, x = _axes(shape)
    wall = 0.72 + 0.22 * _smoothstep(0.0, _SWEEP_COVE_Y, y)
    floor = 1.0 - 0.1 * _smoothstep(_FLOOR_Y["studio-white"], 1.15, y)
    # The cove: a soft band where the paper bends from upright to flat.
    bend = _smoothstep(_SWEEP_COVE_Y - 0.12, _SWEEP_COVE_Y + 0.1, y)
    light = wall + (floor - wall) * bend
    across = (x - 0.5) * 2.0
    light = light - (0.3 - 0.18 * bend) * across * across
    glow = np.exp(-(across * across * 0.8 + ((y - 0.62) * 2.2) ** 2))
    light = np.clip(light + 0.06 * glow, 0.0, 1.0)
    return _mix(accent, color, light)


# --- pastel gradient ------------------------------------------------------


def _paint_pastel(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A soft diagonal blend from ``color`` to ``accent`` with a few large,
    faint glows of lighter colour drifting over it."""
    y, x = _axes(shape)
    rows, cols = shape
    angle = rng.uniform(0.35, 0.75) * math.pi
    along = (x - 0.5) * math.cos(angle) * cols / max(shape) + (y - 0.5) * math.sin(
        angle
    ) * rows / max(shape)
    rgb = _mix(color, accent, _smoothstep(-0.55, 0.55, along))
    for index in range(3):
        center_x, center_y = rng.uniform(0.0, 1.0), rng.uniform(0.0, 1.0)
        reach = rng.uniform(0.25, 0.45)
        spread = ((x - center_x) ** 2 + (y - center_y) ** 2) / (reach * reach)
        tint = _mix(color if index % 2 else accent, _WHITE, 0.55)
        rgb = _mix(rgb, tint, 0.45 * np.exp(-spread))
    return rgb


# --- sunset ---------------------------------------------------------------


def _paint_sunset(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A dusk sky: ``accent`` high up, warming through rose to ``color`` at the
    horizon, a low glowing sun and thin bands of cloud lit from below."""
    y, x = _axes(shape)
    rows, cols = shape
    short = min(shape)
    rose = _mix(_mix(accent, color, 0.5), np.array([0.95, 0.55, 0.6], np.float32), 0.35)
    high = _mix(accent, rose, _smoothstep(0.0, 0.55, y))
    sky = _mix(high, color, _smoothstep(0.4, 0.95, y))
    sun_x, sun_y = rng.uniform(0.3, 0.7), rng.uniform(0.66, 0.76)
    distance = np.sqrt(
        ((x - sun_x) * cols / short) ** 2 + ((y - sun_y) * rows / short) ** 2
    )
    sun_color = np.array([1.0, 0.93, 0.75], np.float32)
    glow = 0.75 * np.exp(-distance / 0.07) + 0.4 * np.exp(-distance / 0.3)
    sky = _mix(sky, sun_color, np.clip(glow, 0.0, 1.0))
    # Long thin streaks of cloud, lower ones closer together.
    bands = _fbm(rng, shape, 5.0, 4, gain=0.5, stretch=10.0)
    streaks = _smoothstep(0.6, 0.78, bands) * _smoothstep(0.1, 0.5, y)
    lit = np.exp(-distance / 0.45)
    cloud = _mix(_mix(accent, rose, 0.55), _mix(color, sun_color, 0.6), lit)
    sky = _mix(sky, cloud, streaks * 0.8)
    disc = _smoothstep(0.045, 0.04, distance)
    return _mix(sky, np.array([1.0, 0.97, 0.88], np.float32), disc)


# --- surfaces: marble and wood --------------------------------------------

_MARBLE_EDGE_Y = 0.52
_WOOD_EDGE_Y = 0.56


def _paint_marble(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A polished white marble slab seen at a low angle before a plain wall:
    ``color`` is the stone, ``accent`` its veins."""
    rows, cols = shape
    edge = round(rows * _MARBLE_EDGE_Y)
    texture_shape = (max(2, round((rows - edge) * 1.3)), cols)
    tone, veins = _in_perspective(_marble_texture(rng, texture_shape), rows - edge)
    depth = np.linspace(0.0, 1.0, rows - edge, dtype=np.float32)[:, None]
    # Polished stone mirrors the bright wall at grazing angles, near the back.
    sheen = 0.18 * (1.0 - depth) ** 3
    stone = _mix(color * tone[..., None], accent, veins)
    slab = _mix(stone, _WHITE, sheen)
    wall = _soft_wall(rng, (edge, cols), _mix(color, accent, 0.08))
    return np.concatenate([wall, slab], axis=0)


def _marble_texture(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    """Stone as two layers, the stone's tone and how much vein colour shows:
    cloudy patches, bold veins meandering along one direction with a soft
    halo, and sparse hairline veins crossing them."""
    y, x = _axes(shape)
    scale = np.float32(max(shape) / min(shape))
    clouds = _fbm(rng, shape, 2.0, 3)
    along = (x * 0.83 + y * 0.56) * scale
    bold = _veins(along * 2.4 + _turbulence(rng, shape, 1.5, 4, 0.45) * 2.2)
    patches = _fbm(rng, shape, 1.5, 2)
    strength = _smoothstep(0.35, 0.65, patches)
    across = (x * 0.62 - y * 0.78) * scale
    hairline = _veins(across * 7.0 + _turbulence(rng, shape, 3.0, 3, 0.6) * 3.0)
    hairline_mask = _smoothstep(0.42, 0.22, patches)
    halo = bold * bold * bold
    core = (halo * bold * bold) ** 2
    thread = (hairline * hairline * hairline) ** 8
    veins = halo * 0.2 * strength + core * (0.12 + 0.83 * strength * strength)
    veins = np.minimum(veins + thread * hairline_mask * 0.35, 1.0)
    tone = 0.965 + 0.07 * (clouds - 0.5)
    return np.stack([tone, veins])


def _turbulence(
    rng: np.random.Generator,
    shape: tuple[int, int],
    cells: float,
    octaves: int,
    gain: float,
) -> Array:
    """Octaves of folded noise (its distance from the middle), in 0..1: the
    creases make the sharp turns that veins and flames take."""
    total = np.zeros(shape, dtype=np.float32)
    amplitude, weight = 1.0, 0.0
    for octave in range(octaves):
        total += amplitude * np.abs(_noise(rng, shape, cells * 2**octave) - 0.5)
        weight += amplitude
        amplitude *= gain
    return total * (2.0 / weight)


def _veins(phase: Array) -> Array:
    """1 along the lines where sin(pi * phase) is 0, falling off beside them."""
    return 1.0 - np.abs(np.sin(phase * np.float32(math.pi)))


def _paint_wood_table(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """A wooden tabletop of long boards seen at a low angle, before a softly
    lit wall: ``color`` is the wood, ``accent`` the wall."""
    rows, cols = shape
    edge = round(rows * _WOOD_EDGE_Y)
    texture_shape = (max(2, round((rows - edge) * 1.3)), cols)
    tone = _in_perspective(_wood_texture(rng, texture_shape)[None], rows - edge)[0]
    depth = np.linspace(0.0, 1.0, rows - edge, dtype=np.float32)[:, None]
    table = color * (tone * (1.0 - 0.18 * depth**2))[..., None]
    wall = _soft_wall(rng, (edge, cols), accent)
    return np.concatenate([wall, table], axis=0)


def _wood_texture(rng: np.random.Generator, shape: tuple[int, int]) -> Array:
    """The tone of flat-sawn boards running left to right. Each board is cut
    from a log at some depth from its heart, so its growth rings show as long
    stripes and arches; fine fibres run along it, a dark seam between."""
    rows, _ = shape
    y, x = _axes(shape)
    count = 4
    place = y * count  # which board, and where across it
    board = np.minimum(place.astype(np.int32), count - 1)
    across = place - np.floor(place) - 0.5
    heart = rng.uniform(-0.6, 0.6, count).astype(np.float32)[board]
    cut = rng.uniform(0.2, 0.8, count).astype(np.float32)[board]
    taper = rng.uniform(-0.6, 0.6, count).astype(np.float32)[board]
    drift = _fbm(rng, shape, 1.0, 2, stretch=4.0) - 0.5
    depth = cut + taper * x + drift * 0.5
    radius = np.sqrt((across - heart) ** 2 + depth**2)
    wobble = _fbm(rng, shape, 4.0, 3, stretch=5.0)
    rings = (radius * 18.0 + wobble * 1.2 + heart * 3.0) % 1.0
    latewood = _smoothstep(0.6, 0.75, rings) * (1.0 - _smoothstep(0.85, 1.0, rings))
    fibres = _fbm(rng, shape, 24.0, 2, gain=0.6, stretch=16.0) - 0.5
    tones = rng.uniform(0.88, 1.08, count).astype(np.float32)[board]
    tone = tones * (1.0 - 0.24 * latewood + 0.2 * fibres)
    seam = np.abs(place - np.round(place)) * (rows / count)
    return tone * (0.5 + 0.5 * _smoothstep(0.5, 2.0, seam))


def _in_perspective(layers: Array, rows: int) -> Array:
    """Lay flat layers (layer, row, column) down as a floor seen at a low
    angle: far rows are squeezed toward the top, near rows spread out."""
    source_rows = layers.shape[1]
    near = np.linspace(0.0, 1.0, rows, dtype=np.float32)
    # Distance along the floor grows as 1 / (screen drop below the horizon).
    distance = 1.0 / (near + 0.5)
    share = (distance[0] - distance) / (distance[0] - distance[-1])
    position = share * (source_rows - 1)
    floor = np.floor(position)
    weight = (position - floor)[:, None]
    lower = floor.astype(np.int32)
    upper = np.minimum(lower + 1, source_rows - 1)
    return layers[:, lower] * (1.0 - weight) + layers[:, upper] * weight


def _soft_wall(rng: np.random.Generator, shape: tuple[int, int], color: Array) -> Array:
    """A plain wall out of focus: light pooling in the middle, a faint
    blotchiness, darker toward the top corners and in the corner it makes
    with the surface below."""
    y, x = _axes(shape)
    across = (x - 0.5) * 2.0
    light = 0.9 + 0.1 * y - 0.1 * across * across - 0.06 * y**12
    blotches = _noise(rng, shape, 1.5)
    light = light + 0.04 * (blotches - 0.5)
    return color * light[..., None]


# --- solid ----------------------------------------------------------------


def _paint_solid(
    rng: np.random.Generator, shape: tuple[int, int], color: Array, accent: Array
) -> Array:
    """One flat colour, painted as a single pixel and filled."""
    return color.reshape(1, 1, 3)


# Each preset's painter and the longer side it paints at.
_PAINTINGS: dict[str, tuple[Painter, int]] = {
    "cloud-sky": (_paint_cloud_sky, 256),
    "studio-white": (_paint_studio, 200),
    "studio-gray": (_paint_studio, 200),
    "pastel-gradient": (_paint_pastel, 128),
    "sunset": (_paint_sunset, 256),
    "marble": (_paint_marble, 420),
    "wood-table": (_paint_wood_table, 420),
    "solid": (_paint_solid, 1),
}


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m lite_app.scenes.presets --thumbnails``: redraw thumbnails."""
    parser = argparse.ArgumentParser(
        prog="python -m lite_app.scenes.presets",
        description="Draw the 160x160 thumbnail of every scene preset.",
    )
    parser.add_argument(
        "--thumbnails", action="store_true", help="write the thumbnails"
    )
    parser.add_argument(
        "--folder", type=Path, default=None, help="where to write (assets/scenes)"
    )
    args = parser.parse_args(argv)
    if not args.thumbnails:
        parser.print_help(sys.stderr)
        return 2
    for path in write_thumbnails(args.folder):
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
