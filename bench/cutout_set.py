"""A deterministic synthetic set for judging cutouts: rendered products, exact alpha.

Every sample is drawn at three times its size and reduced, so the alpha of each
edge pixel is the exact share of the pixel the product covers. The photo is
``alpha * product + (1 - alpha) * background``; a product's shadow darkens the
floor only, so it is never part of the true alpha. Glass has a partial alpha in
its body and a nearly opaque rim and base.

Categories: studio, holes, thin, white-on-white, dark-on-dark, glass, border,
several, tiny, huge, textured, cluttered (scikit-image's bundled photos as
backdrops). Sizes run from 400 to 2000 px on the longer side.

``python bench/cutout_set.py [folder]`` writes the set as PNG files (photo,
alpha) plus a manifest, into a cache folder by default; the images are never
committed.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SET_VERSION = 1
SUPERSAMPLE = 3
CATEGORIES = (
    "studio",
    "holes",
    "thin",
    "white-on-white",
    "dark-on-dark",
    "glass",
    "border",
    "several",
    "tiny",
    "huge",
    "textured",
    "cluttered",
)
PALETTE = (
    (200, 40, 45),
    (40, 90, 180),
    (30, 140, 80),
    (230, 170, 30),
    (120, 60, 150),
    (220, 110, 40),
    (60, 60, 70),
    (170, 120, 80),
)
CLUTTER_PHOTOS = ("astronaut", "coffee", "chelsea", "rocket", "stereo_motorcycle")


@dataclass(frozen=True)
class Sample:
    name: str
    category: str
    photo: Image.Image  # RGB
    alpha: np.ndarray  # float32 in [0, 1], the exact product alpha
    box: tuple[int, int, int, int]  # a seller's rough box around the product


@dataclass
class _Scene:
    """A photo being built: background, then products laid on one by one."""

    width: int
    height: int
    rng: np.random.Generator
    background: np.ndarray  # float32 HxWx3 in 0..255
    alpha: np.ndarray | None = None
    photo: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.alpha = np.zeros((self.height, self.width), np.float32)
        self.photo = self.background.copy()

    def canvas(self) -> tuple[Image.Image, ImageDraw.ImageDraw]:
        """A supersampled blank mask to draw one product on."""
        mask = Image.new("L", (self.width * SUPERSAMPLE, self.height * SUPERSAMPLE))
        return mask, ImageDraw.Draw(mask)

    def lay(
        self,
        mask: Image.Image,
        colour: np.ndarray,
        *,
        shadow: float = 0.35,
    ) -> None:
        """Reduce a drawn mask to exact coverage and put the product on the photo."""
        alpha = np.asarray(mask.reduce(SUPERSAMPLE), np.float32) / 255.0
        if shadow > 0:
            self._cast_shadow(alpha, shadow)
        a = alpha[..., None]
        self.photo = a * colour + (1 - a) * self.photo
        self.alpha = alpha + (1 - alpha) * self.alpha

    def _cast_shadow(self, alpha: np.ndarray, strength: float) -> None:
        """A soft shadow on the floor: the product's footprint, offset and blurred."""
        side = max(self.width, self.height)
        shift = max(2, side // 60)
        footprint = np.zeros_like(alpha)
        footprint[shift:, shift // 2 :] = alpha[:-shift, : alpha.shape[1] - shift // 2]
        image = Image.fromarray(np.round(footprint * 255).astype(np.uint8), "L")
        blurred = image.filter(ImageFilter.GaussianBlur(side / 80))
        darkening = strength * np.asarray(blurred, np.float32)[..., None] / 255.0
        covered = self.alpha[..., None]
        self.photo = self.photo * (1 - darkening * (1 - covered))

    def finish(self, name: str, category: str, pad: float = 0.04) -> Sample:
        noise = self.rng.normal(0, 2.0, self.photo.shape).astype(np.float32)
        pixels = np.clip(np.round(self.photo + noise), 0, 255).astype(np.uint8)
        return Sample(
            name=name,
            category=category,
            photo=Image.fromarray(pixels, "RGB"),
            alpha=self.alpha.astype(np.float32),
            box=_rough_box(self.alpha, pad, self.rng),
        )


def _rough_box(
    alpha: np.ndarray, pad: float, rng: np.random.Generator
) -> tuple[int, int, int, int]:
    rows, cols = np.nonzero(alpha >= 0.5)
    height, width = alpha.shape
    side = max(cols.max() - cols.min(), rows.max() - rows.min())
    margins = [round(side * pad * rng.uniform(0.6, 1.4)) + 2 for _ in range(4)]
    return (
        max(0, int(cols.min()) - margins[0]),
        max(0, int(rows.min()) - margins[1]),
        min(width, int(cols.max()) + 1 + margins[2]),
        min(height, int(rows.max()) + 1 + margins[3]),
    )


# Backgrounds ---------------------------------------------------------------


def studio_background(
    width: int, height: int, rng: np.random.Generator, base: float | None = None
) -> np.ndarray:
    """A seamless sweep: a soft vertical gradient with a faint tint."""
    level = base if base is not None else rng.uniform(200, 245)
    tint = rng.uniform(-8, 8, 3)
    ramp = np.linspace(1.0, 0.88, height, dtype=np.float32)[:, None, None]
    colour = np.clip(level + tint, 0, 255).astype(np.float32)
    return np.broadcast_to(colour * ramp, (height, width, 3)).copy()


def textured_background(
    width: int, height: int, rng: np.random.Generator, kind: int
) -> np.ndarray:
    """Wood grain, woven fabric, or a scikit-image texture (brick, grass, gravel)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    side = max(width, height)
    if kind == 0:
        wobble = 6 * np.sin(x / side * 9 + rng.uniform(0, 6))
        grain = np.sin((y + wobble) / side * 140) * 0.5 + 0.5
        base = np.array([170, 120, 75], np.float32)
        return base * (0.75 + 0.3 * grain[..., None])
    if kind == 1:
        period = side / rng.uniform(60, 120)
        weave = np.sign(np.sin(x / period * math.pi)) * np.sign(
            np.sin(y / period * math.pi)
        )
        base = np.array(PALETTE[int(rng.integers(len(PALETTE)))], np.float32)
        return np.clip(base * 0.6 + 60 + 18 * weave[..., None], 0, 255)
    from skimage import data

    gray = getattr(data, ("brick", "grass", "gravel")[kind % 3])()
    image = Image.fromarray(gray).resize((width, height), Image.Resampling.BICUBIC)
    tint = np.array([1.0, 0.95, 0.85], np.float32) * rng.uniform(0.8, 1.1)
    return np.asarray(image, np.float32)[..., None] * tint


def cluttered_background(
    width: int, height: int, rng: np.random.Generator, index: int
) -> np.ndarray:
    """A real photo from scikit-image, cropped to the frame's shape."""
    from skimage import data

    photo = getattr(data, CLUTTER_PHOTOS[index % len(CLUTTER_PHOTOS)])()
    if isinstance(photo, tuple):
        photo = photo[0]
    image = Image.fromarray(photo).convert("RGB")
    scale = max(width / image.width, height / image.height)
    size = (math.ceil(image.width * scale), math.ceil(image.height * scale))
    image = image.resize(size, Image.Resampling.BICUBIC)
    left = int(rng.integers(0, image.width - width + 1))
    top = int(rng.integers(0, image.height - height + 1))
    return np.asarray(image.crop((left, top, left + width, top + height)), np.float32)


# Products ------------------------------------------------------------------


def shaded(
    scene: _Scene,
    colour: tuple[int, int, int] | np.ndarray,
    box: tuple[float, float, float, float],
    label: bool = False,
) -> np.ndarray:
    """A product's colour: cylinder-like shading across its box, maybe a label."""
    x0, y0, x1, y1 = box
    x = np.arange(scene.width, dtype=np.float32)
    across = np.clip((x - x0) / max(x1 - x0, 1.0), 0, 1)
    light = 0.72 + 0.38 * np.clip(np.sin(across * math.pi), 0, 1) ** 0.7
    highlight = np.exp(-(((across - 0.3) / 0.06) ** 2)) * 0.25
    profile = (light + highlight)[None, :, None]
    rgb = np.clip(np.asarray(colour, np.float32) * profile, 0, 255)
    rgb = np.broadcast_to(rgb, (scene.height, scene.width, 3)).copy()
    if label:
        top = int(y0 + (y1 - y0) * 0.45)
        bottom = int(y0 + (y1 - y0) * 0.7)
        rgb[top:bottom, int(x0) : int(x1)] = (245, 240, 225)
        rgb[top + (bottom - top) // 3 : bottom - (bottom - top) // 3] *= 0.35
    return rgb


def _s(values: tuple[float, ...] | list[float]) -> list[float]:
    return [v * SUPERSAMPLE for v in values]


def draw_bottle(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    w = h * 0.36
    mask, draw = scene.canvas()
    body = (cx - w / 2, cy - h * 0.25, cx + w / 2, cy + h / 2)
    draw.rounded_rectangle(_s(body), radius=w * 0.2 * SUPERSAMPLE, fill=255)
    shoulder = (cx - w / 2, cy - h * 0.38, cx + w / 2, cy - h * 0.12)
    draw.ellipse(_s(shoulder), fill=255)
    neck = (cx - w * 0.16, cy - h / 2, cx + w * 0.16, cy - h * 0.3)
    draw.rectangle(_s(neck), fill=255)
    scene.lay(
        mask,
        shaded(scene, colour, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), True),
    )


def draw_box(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    w = h * scene.rng.uniform(0.6, 1.3)
    depth = h * 0.15
    mask, draw = scene.canvas()
    points = [
        (cx - w / 2, cy - h / 2 + depth),
        (cx - w / 2 + depth, cy - h / 2),
        (cx + w / 2, cy - h / 2),
        (cx + w / 2, cy + h / 2 - depth),
        (cx + w / 2 - depth, cy + h / 2),
        (cx - w / 2, cy + h / 2),
    ]
    draw.polygon([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=255)
    scene.lay(
        mask,
        shaded(scene, colour, (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2), True),
    )


def draw_mug(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A mug whose handle leaves an open hole."""
    w = h * 0.8
    mask, draw = scene.canvas()
    body = (cx - w / 2, cy - h / 2, cx + w / 2 - h * 0.25, cy + h / 2)
    draw.rounded_rectangle(_s(body), radius=h * 0.06 * SUPERSAMPLE, fill=255)
    handle = (
        cx + w / 2 - h * 0.45,
        cy - h * 0.28,
        cx + w / 2 + h * 0.08,
        cy + h * 0.22,
    )
    draw.ellipse(_s(handle), outline=255, width=round(h * 0.08 * SUPERSAMPLE))
    scene.lay(mask, shaded(scene, colour, body))


def draw_ring(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A ring or a roll of tape: a thick annulus with a large hole."""
    mask, draw = scene.canvas()
    box = (cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2)
    thickness = h * scene.rng.uniform(0.1, 0.22)
    draw.ellipse(_s(box), outline=255, width=round(thickness * SUPERSAMPLE))
    scene.lay(mask, shaded(scene, colour, box))


def draw_cable(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A charging cable in loose loops, a few pixels wide."""
    rng = scene.rng
    mask, draw = scene.canvas()
    t = np.linspace(0, 2 * math.pi * rng.uniform(1.6, 2.6), 600)
    radius = h * 0.28
    x = cx + radius * np.cos(t) + t / t[-1] * h * 0.4 - h * 0.2
    y = cy + radius * 0.8 * np.sin(t * rng.uniform(0.9, 1.1))
    width = max(3.0, h * rng.uniform(0.008, 0.015))
    points = [
        (float(a) * SUPERSAMPLE, float(b) * SUPERSAMPLE)
        for a, b in zip(x, y, strict=True)
    ]
    draw.line(points, fill=255, width=round(width * SUPERSAMPLE), joint="curve")
    plug = (x[-1] - width * 2, y[-1] - width * 5, x[-1] + width * 2, y[-1] + width)
    draw.rectangle(_s(plug), fill=255)
    scene.lay(
        mask, shaded(scene, colour, (cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2))
    )


def draw_chain(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A necklace chain: small open links along a hanging curve."""
    rng = scene.rng
    mask, draw = scene.canvas()
    link = max(8.0, h * rng.uniform(0.03, 0.05))
    t = np.linspace(-1, 1, int(h * 2.2 / link))
    x = cx + t * h * 0.45
    y = cy - h * 0.3 + (t**2) * h * 0.6
    stroke = max(2, round(link * 0.22 * SUPERSAMPLE))
    for i, (a, b) in enumerate(zip(x, y, strict=True)):
        if i % 2:
            box = (a - link * 0.35, b - link * 0.6, a + link * 0.35, b + link * 0.6)
        else:
            box = (a - link * 0.6, b - link * 0.35, a + link * 0.6, b + link * 0.35)
        draw.ellipse(_s(box), outline=255, width=stroke)
    scene.lay(
        mask, shaded(scene, colour, (cx - h / 2, cy - h / 2, cx + h / 2, cy + h / 2))
    )


def draw_pen(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A pen lying at an angle: long and a few percent of its length wide."""
    angle = scene.rng.uniform(-0.9, 0.9)
    width = max(4.0, h * scene.rng.uniform(0.025, 0.045))
    dx, dy = math.cos(angle) * h / 2, math.sin(angle) * h / 2
    mask, draw = scene.canvas()
    points = [(cx - dx, cy - dy), (cx + dx, cy + dy)]
    draw.line(_s_points(points), fill=255, width=round(width * SUPERSAMPLE))
    clip = [
        (cx - dx * 0.6, cy - dy * 0.6),
        (cx - dx * 0.2 + width, cy - dy * 0.2 + width),
    ]
    draw.line(_s_points(clip), fill=255, width=round(width * 0.4 * SUPERSAMPLE))
    scene.lay(
        mask,
        shaded(scene, colour, (cx - abs(dx), cy - abs(dy), cx + abs(dx), cy + abs(dy))),
    )


def draw_bag(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A handbag with a thin strap arching over it."""
    w = h * 0.9
    mask, draw = scene.canvas()
    body = (cx - w / 2, cy - h * 0.05, cx + w / 2, cy + h / 2)
    draw.rounded_rectangle(_s(body), radius=h * 0.06 * SUPERSAMPLE, fill=255)
    strap = (cx - w * 0.38, cy - h / 2, cx + w * 0.38, cy + h * 0.3)
    width = max(3.0, h * scene.rng.uniform(0.012, 0.025))
    draw.arc(_s(strap), 180, 360, fill=255, width=round(width * SUPERSAMPLE))
    scene.lay(mask, shaded(scene, colour, body))


def draw_glass(scene: _Scene, cx: float, cy: float, h: float, colour) -> None:
    """A tumbler or wine glass: see-through body, nearly opaque rim and base."""
    mask, draw = scene.canvas()
    rim = max(3.0, h * 0.02) * SUPERSAMPLE
    if scene.rng.random() < 0.5:
        w = h * 0.6
        body = [(cx - w / 2, cy - h / 2), (cx + w / 2, cy - h / 2)]
        body += [(cx + w * 0.4, cy + h / 2), (cx - w * 0.4, cy + h / 2)]
        draw.polygon(_s_points(body), fill=80, outline=235, width=round(rim))
        base = (cx - w * 0.4, cy + h * 0.4, cx + w * 0.4, cy + h / 2)
        draw.rectangle(_s(base), fill=225)
    else:
        w = h * 0.5
        bowl = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h * 0.1)
        draw.ellipse(_s(bowl), fill=80, outline=235, width=round(rim))
        draw.rectangle(_s((cx - w / 2, cy - h / 2, cx + w / 2, cy - h * 0.35)), fill=0)
        draw.line(
            _s_points([(cx - w * 0.47, cy - h * 0.35), (cx + w * 0.47, cy - h * 0.35)]),
            fill=235,
            width=round(rim),
        )
        stem = (cx - h * 0.02, cy + h * 0.08, cx + h * 0.02, cy + h * 0.45)
        draw.rectangle(_s(stem), fill=215)
        foot = (cx - w * 0.35, cy + h * 0.43, cx + w * 0.35, cy + h / 2)
        draw.ellipse(_s(foot), fill=225)
    tint = np.array([215, 228, 232], np.float32)
    scene.lay(mask, np.broadcast_to(tint, (scene.height, scene.width, 3)), shadow=0.12)


def _s_points(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]


SOLID_PRODUCTS: tuple[Callable[..., None], ...] = (draw_bottle, draw_box, draw_mug)


# Categories ----------------------------------------------------------------


def _frame(rng: np.random.Generator) -> tuple[int, int]:
    longer = int(rng.choice([640, 1000, 1400, 2000]))
    shorter = int(longer * rng.choice([1.0, 0.75, 0.8]))
    return (longer, shorter) if rng.random() < 0.5 else (shorter, longer)


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return PALETTE[int(rng.integers(len(PALETTE)))]


def _studio(rng, index, width, height) -> _Scene:
    return _Scene(width, height, rng, studio_background(width, height, rng))


def make_studio(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    draw = (draw_bottle, draw_box)[index % 2]
    side = min(width, height)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.5, 0.75), _colour(rng))
    return scene


def make_holes(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    draw = (draw_mug, draw_ring)[index % 2]
    side = min(width, height)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.45, 0.65), _colour(rng))
    return scene


def make_thin(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    draw = (draw_cable, draw_chain, draw_pen, draw_bag)[index % 4]
    side = min(width, height)
    colour = _colour(rng) if draw is not draw_chain else (190, 160, 60)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.6, 0.8), colour)
    return scene


def make_white_on_white(rng, index, width, height) -> _Scene:
    scene = _Scene(width, height, rng, studio_background(width, height, rng, 246))
    draw = (draw_bottle, draw_box, draw_mug)[index % 3]
    side = min(width, height)
    white = np.array([236, 236, 232]) + rng.uniform(-6, 6, 3)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.5, 0.7), white)
    return scene


def make_dark_on_dark(rng, index, width, height) -> _Scene:
    scene = _Scene(width, height, rng, studio_background(width, height, rng, 34))
    draw = (draw_bottle, draw_box, draw_mug)[index % 3]
    side = min(width, height)
    dark = np.array([48, 46, 52]) + rng.uniform(-6, 6, 3)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.5, 0.7), dark)
    return scene


def make_glass(rng, index, width, height) -> _Scene:
    scene = _Scene(width, height, rng, studio_background(width, height, rng, 150))
    side = min(width, height)
    draw_glass(scene, width / 2, height / 2, side * rng.uniform(0.55, 0.75), None)
    return scene


def make_border(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    side = min(width, height)
    h = side * rng.uniform(0.9, 1.2)
    cy = height / 2 + h * (0.25 if index % 2 else -0.25)
    draw = SOLID_PRODUCTS[index % 3]
    draw(scene, width / 2 + side * rng.uniform(-0.1, 0.1), cy, h, _colour(rng))
    return scene


def make_several(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    count = 2 + index % 3
    side = min(width, height)
    for i in range(count):
        draw = SOLID_PRODUCTS[(index + i) % 3]
        cx = width * (i + 0.5) / count
        draw(scene, cx, height * 0.55, side * 0.75 / count + side * 0.1, _colour(rng))
    return scene


def make_tiny(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    side = min(width, height)
    draw = (draw_bottle, draw_box, draw_mug, draw_ring)[index % 4]
    cx = width * rng.uniform(0.3, 0.7)
    cy = height * rng.uniform(0.3, 0.7)
    draw(scene, cx, cy, side * rng.uniform(0.12, 0.2), _colour(rng))
    return scene


def make_huge(rng, index, width, height) -> _Scene:
    scene = _studio(rng, index, width, height)
    mask, draw = scene.canvas()
    margin = min(width, height) * rng.uniform(0.01, 0.025)
    box = (margin, margin, width - margin, height - margin)
    draw.rounded_rectangle(
        _s(box), radius=min(width, height) * 0.08 * SUPERSAMPLE, fill=255
    )
    scene.lay(mask, shaded(scene, _colour(rng), box, True), shadow=0)
    return scene


def make_textured(rng, index, width, height) -> _Scene:
    background = textured_background(width, height, rng, index)
    scene = _Scene(width, height, rng, background)
    draw = (draw_bottle, draw_box, draw_mug, draw_ring, draw_bag)[index % 5]
    side = min(width, height)
    draw(scene, width / 2, height / 2, side * rng.uniform(0.5, 0.7), _colour(rng))
    return scene


def make_cluttered(rng, index, width, height) -> _Scene:
    background = cluttered_background(width, height, rng, index)
    scene = _Scene(width, height, rng, background)
    draw = (draw_bottle, draw_box, draw_mug)[index % 3]
    side = min(width, height)
    cx = width * rng.uniform(0.3, 0.7)
    cy = height * rng.uniform(0.35, 0.65)
    draw(scene, cx, cy, side * rng.uniform(0.3, 0.5), _colour(rng))
    return scene


MAKERS: dict[str, Callable[..., _Scene]] = {
    "studio": make_studio,
    "holes": make_holes,
    "thin": make_thin,
    "white-on-white": make_white_on_white,
    "dark-on-dark": make_dark_on_dark,
    "glass": make_glass,
    "border": make_border,
    "several": make_several,
    "tiny": make_tiny,
    "huge": make_huge,
    "textured": make_textured,
    "cluttered": make_cluttered,
}


def make_sample(category: str, index: int, seed: int = 0) -> Sample:
    """One sample, the same every time for the same category, index and seed."""
    offset = CATEGORIES.index(category)
    rng = np.random.default_rng([seed, offset, index])
    width, height = _frame(rng)
    scene = MAKERS[category](rng, index, width, height)
    return scene.finish(f"{category}-{index:02d}", category)


def build_set(per_category: int = 5, seed: int = 0) -> list[Sample]:
    return [
        make_sample(category, index, seed)
        for category in CATEGORIES
        for index in range(per_category)
    ]


def default_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"sporky-cutout-set-v{SET_VERSION}"


def load_set(
    per_category: int = 5, seed: int = 0, folder: Path | None = None
) -> list[Sample]:
    """The set from its cache folder, written there first if missing."""
    folder = folder or default_folder()
    manifest_path = folder / f"manifest-{per_category}-{seed}.json"
    if not manifest_path.exists():
        save_set(build_set(per_category, seed), folder, manifest_path)
    manifest = json.loads(manifest_path.read_text())
    return [_read_sample(folder, entry) for entry in manifest]


def save_set(samples: list[Sample], folder: Path, manifest_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for sample in samples:
        sample.photo.save(folder / f"{sample.name}.png")
        alpha16 = np.round(sample.alpha * 65535).astype(np.uint16)
        Image.fromarray(alpha16).save(folder / f"{sample.name}-alpha.png")
        manifest.append(
            {"name": sample.name, "category": sample.category, "box": list(sample.box)}
        )
    manifest_path.write_text(json.dumps(manifest, indent=1))


def _read_sample(folder: Path, entry: dict) -> Sample:
    photo = Image.open(folder / f"{entry['name']}.png").convert("RGB")
    alpha16 = np.asarray(Image.open(folder / f"{entry['name']}-alpha.png"))
    return Sample(
        name=entry["name"],
        category=entry["category"],
        photo=photo,
        alpha=(alpha16.astype(np.float32) / 65535).astype(np.float32),
        box=tuple(entry["box"]),
    )


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else default_folder()
    samples = load_set(folder=folder)
    for sample in samples:
        share = float((sample.alpha >= 0.5).mean())
        print(f"{sample.name:22s} {sample.photo.size} product share {share:.3f}")
    print(f"{len(samples)} samples in {folder}")


if __name__ == "__main__":
    main()
