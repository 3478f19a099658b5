"""Placement, shadows and the final composite.

The product's own pixels are never altered: the photo and its mask are scaled
separately, edge colours are cleaned only where the mask is below 255, and the
product is laid over the scene with a plain alpha composite. Wherever the
scaled mask is fully opaque, the output equals the scaled photo exactly.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from PIL import Image, ImageChops, ImageFilter

from lite_app.cutout import Cutout, decontaminate

logger = logging.getLogger(__name__)

# Keep the product this far from the canvas edges (share of the side).
EDGE_MARGIN = 0.03
# Shadows are drawn at most this many times smaller than the canvas.
SHADOW_MAX_SHRINK = 4


@dataclass(frozen=True)
class Placement:
    """How the product sits on the canvas; every field has a sensible default."""

    scale: float = (
        0.75  # the product's longer side, as a share of the shorter canvas side
    )
    offset_x: float = 0.0  # share of canvas width, positive is right
    offset_y: float = 0.0  # share of canvas height, positive is down
    shadow: float = 0.6  # 0 no shadow, 1 strongest
    reflection: bool = False


@dataclass(frozen=True)
class PlacedProduct:
    """The scaled product and where its top-left corner lands on the canvas."""

    photo: Image.Image  # RGB, scaled and edge-cleaned
    mask: Image.Image  # L, same size
    position: tuple[int, int]


def scaled_product(
    cutout: Cutout, canvas_size: tuple[int, int], scale: float
) -> tuple[Image.Image, Image.Image]:
    """Crop the product to its box and scale photo and mask to their canvas size."""
    x0, y0, x1, y1 = cutout.bbox
    box_width, box_height = x1 - x0, y1 - y0
    limit = enlargement(cutout.bbox, canvas_size, scale)
    size = (max(1, round(box_width * limit)), max(1, round(box_height * limit)))
    photo = _resized(cutout.photo.crop(cutout.bbox), size)
    mask = _resized(cutout.mask.crop(cutout.bbox), size)
    return photo, mask


def enlargement(
    bbox: tuple[int, int, int, int], canvas_size: tuple[int, int], scale: float
) -> float:
    """How many times the product's box is scaled to take its place on the canvas."""
    x0, y0, x1, y1 = bbox
    box_width, box_height = x1 - x0, y1 - y0
    width, height = canvas_size
    return min(
        scale * min(width, height) / max(box_width, box_height),
        (1 - 2 * EDGE_MARGIN) * width / box_width,
        (1 - 2 * EDGE_MARGIN) * height / box_height,
    )


def _resized(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Area averaging to shrink, Lanczos to grow (OpenCV, several times PIL's speed)."""
    import cv2

    if image.size == size:
        return image.copy()
    shrinking = size[0] < image.width and size[1] < image.height
    method = cv2.INTER_AREA if shrinking else cv2.INTER_LANCZOS4
    pixels = cv2.resize(np.asarray(image), size, interpolation=method)
    return Image.fromarray(pixels, image.mode)


def place(
    cutout: Cutout,
    canvas_size: tuple[int, int],
    placement: Placement,
    floor_y: float | None,
) -> PlacedProduct:
    """Scale the product, clean its edges and choose where it stands."""
    return _cleaned(_scaled_in_place(cutout, canvas_size, placement, floor_y))


def _scaled_in_place(
    cutout: Cutout,
    canvas_size: tuple[int, int],
    placement: Placement,
    floor_y: float | None,
) -> PlacedProduct:
    """The scaled product where it stands, its edge colours not yet cleaned."""
    photo, mask = scaled_product(cutout, canvas_size, placement.scale)
    position = _position(canvas_size, photo.size, placement, floor_y)
    return PlacedProduct(photo, mask, position)


def _cleaned(product: PlacedProduct) -> PlacedProduct:
    cleaned = decontaminate(np.asarray(product.photo), np.asarray(product.mask))
    return replace(product, photo=Image.fromarray(cleaned, "RGB"))


def _position(
    canvas_size: tuple[int, int],
    product_size: tuple[int, int],
    placement: Placement,
    floor_y: float | None,
) -> tuple[int, int]:
    width, height = canvas_size
    product_width, product_height = product_size
    left = (width - product_width) / 2 + placement.offset_x * width
    if floor_y is None:
        top = (height - product_height) / 2
    else:
        # Stand on the floor line, unless that would push the product off the top.
        top = max(floor_y * height - product_height, EDGE_MARGIN * height)
    top += placement.offset_y * height
    left = min(max(left, 0), width - product_width)
    top = min(max(top, 0), height - product_height)
    return round(left), round(top)


def compose(
    scene: Image.Image,
    product: PlacedProduct,
    placement: Placement,
    *,
    glossy: bool = False,
) -> Image.Image:
    """Lay the product over the scene with its shadows (and a reflection)."""
    shaded = _shaded_scene(scene, product, placement)
    return _with_product(shaded, product, placement, glossy)


def place_and_compose(
    scene: Image.Image,
    cutout: Cutout,
    placement: Placement,
    floor_y: float | None,
    *,
    glossy: bool = False,
) -> Image.Image:
    """:func:`place` and :func:`compose` in one, the shadows drawn meanwhile.

    The shadows need only the scaled mask, so a second thread draws them
    while this one cleans the product's edge colours.
    """
    uncleaned = _scaled_in_place(cutout, scene.size, placement, floor_y)
    shading = _side_work().submit(_shaded_scene, scene, uncleaned, placement)
    product = _cleaned(uncleaned)
    return _with_product(shading.result(), product, placement, glossy)


@lru_cache(maxsize=1)
def _side_work() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="compose")


def _shaded_scene(
    scene: Image.Image, product: PlacedProduct, placement: Placement
) -> Image.Image:
    canvas = scene.convert("RGB")  # a copy: the cached scene stays as it is
    if placement.shadow > 0:
        canvas = _with_shadows(canvas, product, placement.shadow)
    return canvas


def _with_product(
    canvas: Image.Image, product: PlacedProduct, placement: Placement, glossy: bool
) -> Image.Image:
    if placement.reflection and glossy:
        canvas = _with_reflection(canvas, product)
    # Pasting through the mask blends like a composite: where the mask is 255
    # the product's pixels land exactly.
    canvas.paste(product.photo, product.position, product.mask)
    return canvas


def shadow_layer(product: PlacedProduct, canvas_size: tuple[int, int]) -> Image.Image:
    """Darkness to apply (L, 255 darkest): a tight contact shadow and a soft drop.

    Shadows are soft, so they are drawn at a fraction of the canvas size
    (keeping the contact shadow's blur at two pixels or more) and scaled up.
    """
    height = product.mask.height
    factor = max(1, min(SHADOW_MAX_SHRINK, int(height / 80 / 2)))
    small_size = (_shrunk(canvas_size[0], factor), _shrunk(canvas_size[1], factor))
    mask = product.mask.resize(
        (_shrunk(product.mask.width, factor), _shrunk(height, factor)),
        Image.Resampling.BILINEAR,
    )
    left, top = (round(value / factor) for value in product.position)
    small = ImageChops.lighter(
        _contact_shadow(mask, (left, top), small_size),
        _drop_shadow(mask, (left, top), small_size),
    )
    return small.resize(canvas_size, Image.Resampling.BILINEAR)


def _shrunk(side: int, factor: int) -> int:
    return max(1, round(side / factor))


def _contact_shadow(
    mask: Image.Image, position: tuple[int, int], canvas_size: tuple[int, int]
) -> Image.Image:
    """The silhouette squashed flat at the product's foot, tightly blurred."""
    width, height = mask.size
    flat_height = max(2, height // 14)
    contact = mask.resize((width, flat_height), Image.Resampling.BILINEAR)
    layer = Image.new("L", canvas_size, 0)
    layer.paste(contact, (position[0], position[1] + height - flat_height // 2))
    layer = layer.filter(ImageFilter.GaussianBlur(max(1.0, height / 80)))
    return layer.point(lambda value: value * 85 // 100)


def _drop_shadow(
    mask: Image.Image, position: tuple[int, int], canvas_size: tuple[int, int]
) -> Image.Image:
    """The silhouette, nudged down, widely blurred and faint."""
    width, height = mask.size
    layer = Image.new("L", canvas_size, 0)
    layer.paste(mask, (position[0] + width // 40, position[1] + height // 25))
    layer = layer.filter(ImageFilter.GaussianBlur(max(2.0, height / 18)))
    return layer.point(lambda value: value * 45 // 100)


def _with_shadows(
    canvas: Image.Image, product: PlacedProduct, strength: float
) -> Image.Image:
    layer = shadow_layer(product, canvas.size)
    darkness = layer.point(lambda value: round(value * strength))
    canvas.paste((0, 0, 0), None, darkness)  # black, blended in by the darkness
    return canvas


def _with_reflection(canvas: Image.Image, product: PlacedProduct) -> Image.Image:
    """A faint mirror image below the product, fading out, as on a glossy floor."""
    width, height = product.photo.size
    left, top = product.position
    flipped = product.photo.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    fade = np.linspace(0.3, 0.0, height, dtype=np.float32)[:, np.newaxis]
    mirror_mask = np.asarray(
        product.mask.transpose(Image.Transpose.FLIP_TOP_BOTTOM), dtype=np.float32
    )
    alpha = Image.fromarray(np.round(mirror_mask * fade).astype(np.uint8), "L")
    result = canvas.copy()
    result.paste(flipped, (left, top + height), alpha)
    return result
