"""Mask refinement: from the model's 320 px guess to a mask that fits the photo.

U2-Net-p sees every photo at 320 x 320, so a 2000 px photo's product is judged
from a thumbnail: thin cables vanish or fill in, mug handles close, edges sit a
few pixels off. Refinement works on top of any model's probability:

1. Region: the seller's box (if any) is the only place the model looks.
2. Focus: when the product is small in its region, the model runs a second
   time on a padded crop around it, seeing it at a higher resolution.
3. Colour: where the background around the product is plain, the photo
   itself decides what the model could not see. The background's colour is
   estimated around the product; pixels inside the model's mask that match
   it, and that are hemmed in only by thin product material (a cable's
   loops, a chain's links, a handle's hole), become background again. Thick
   material protects what it surrounds, so a white label on a red bottle
   stays. Along the mask's edge each pixel is decided by its own colour, a
   shadow counting as background. Only a clear difference makes a pixel
   product; a pixel between the two keeps the model's value.
   When the model is lost on a product that fills the frame (unsure over a
   wide area, or keeping only its label), and the frame's outer edge shows a
   plain backdrop, what differs from that backdrop is the product.
   The step stands aside on textured or cluttered backgrounds, and when the
   product's colours are close to the background's (white on white), unless
   the product is see-through: clear material (a rim, a base) around a body
   that shows the background faintly tinted. Glass's body then gets its alpha
   from how far its colour has moved from the background's toward that
   material's. On a textured background the model's own mask stays, less its
   separate pieces the model was nowhere sure of: patches of the texture it
   half believed in.
4. Edges: a guided filter with the photo as guide snaps the edge to the
   photo's own edges and gives a soft, exact edge at full resolution.
5. The seller's brush strokes are laid on last.

Confidence checks look at the result and say, in Korean and English, when it
is likely wrong and what to do.

Known limitation: a see-through body's alpha is read from its colour against
a plain background, one material colour for the whole product; on a textured
or cluttered background, or when the model itself was lost and the backdrop
rescue took over, the body gets the model's own guess, which is usually too
opaque. An opaque product that is faint inside a clearly drawn outline (a
pale tray with a dark rim) on a background of nearly its colour is read as
see-through too. The reverse also happens: a glass whose body is tinted so
faintly that it matches the background within its noise, inside a darker rim,
looks like a ring around a hole, and its body is cut away as a hole would be.
A matting model would lift all three; none is available here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

logger = logging.getLogger(__name__)

Box = tuple[int, int, int, int]
Predict = Callable[[Image.Image], np.ndarray]
Warning_ = tuple[str, str]

# A second, closer pass runs when the product's padded box covers less than
# this share of the region's area.
FOCUS_MAX_SHARE = 0.25
FOCUS_PAD = 0.12
FOCUS_THRESHOLD = 0.25
BOX_PAD = 0.03
# With a box, the model sees this share of the box's longer side around it.
BOX_CONTEXT = 0.2
# Colour analysis runs at this longer side; decisions are then made per pixel.
ANALYSIS_SIDE = 360
# A pixel matches the background within this colour distance (0..255), plus
# three times the background's own local spread.
MATCH_DISTANCE = 14.0
MATCH_SPREADS = 3.0
# Shadows: a pixel darker than the background by this range, same hue.
SHADOW_RATIO = (0.6, 0.98)
SHADOW_HUE = 0.04
# The colour step runs only when the product's own colours (the model's
# mask, less what matches the background) stand this far from the
# background's: a white product on white has nothing to tell it by.
MIN_CONTRAST = 45.0
# What the colour step can tell the seller about the product's colours.
SAME_COLOUR, SEE_THROUGH = "same colour", "see-through"
# A product of low contrast is see-through (glass) when clear material runs
# along this share of its outline and this share of its inside is faint.
SEE_THROUGH_RIM = 0.8
SEE_THROUGH_BODY = 0.6
# Below this typical distance the seller hears that the colours are close.
SAME_COLOUR_CONTRAST = 22.0
# Backgrounds with more local spread than this are textured: no colour step.
TEXTURED_SPREAD = 9.0
# The colour step needs this share of a ring around the product (this share
# of the photo's side wide) to look like plain background, or 90% with a
# background as quiet as QUIET_SPREAD ...
MIN_PLAIN_SHARE = 0.95
PLAIN_RING = 0.05
QUIET_SPREAD = 1.5
# ... and a model that is sure of most of its mask.
MAX_UNSURE_SHARE = 0.35
# On a textured background, a separate piece of the mask needs one pixel the
# model is this sure of to stay.
SURE_PEAK = 0.9
# Material thinner than this share of the product's size is "thin".
THIN_SHARE = 0.08
# A background-coloured area inside the mask is cut out when less than this
# share of its rim touches thick product material.
THICK_RIM_SHARE = 0.35
EDGE_BAND_MODEL_PIXELS = 2.0
# A backdrop fills at least this share of the frame's outer edge; the product
# found against it covers this range of the frame, holds this share of the
# model's probability and is at most this many times the model's guess.
BACKDROP_EDGE_SHARE = 0.8
BACKDROP_PRODUCT_SHARE = (0.05, 0.98)
BACKDROP_AGREEMENT = 0.8
BACKDROP_GROWTH = 6.0
# The model counts as lost when its mask is less than this share of that.
RESCUE_SHARE = 0.6
# A probability below CLEAR is background and above SOLID is product; the
# range between is stretched to a soft edge.
CLEAR, SOLID = 0.04, 0.96
GUIDE_RADIUS = 2
GUIDE_EPS = 1e-3
MAX_GUIDE_SIDE = 1200
GUIDE_MIN_FACTOR = 2


@dataclass(frozen=True)
class Refinement:
    """The refined alpha for the whole photo and what the seller should know."""

    alpha: np.ndarray  # float32 HxW in [0, 1]
    warnings: tuple[Warning_, ...]
    passes: int


def refine(
    photo: Image.Image,
    predict: Predict,
    *,
    box: Box | None = None,
    edits: Sequence[dict[str, Any]] = (),
) -> Refinement:
    """The product's alpha for an RGB photo, refined with the photo's own pixels."""
    width, height = photo.size
    region = region_of(box, photo.size)
    crop = photo.crop(region)

    probability, passes = boxed_probability(photo, region, box is not None, predict)
    pixels = np.asarray(crop, np.float32)
    alpha, finding = colour_refined(pixels, probability, crop)
    alpha = snap_edges(pixels, alpha)

    full = np.zeros((height, width), np.float32)
    x0, y0, x1, y1 = region
    full[y0:y1, x0:x1] = alpha
    full = apply_edits(full, edits)
    warnings = confidence_warnings(full, box is not None, finding)
    return Refinement(alpha=full, warnings=warnings, passes=passes)


# 1. Region ------------------------------------------------------------------


def region_of(box: Box | None, size: tuple[int, int]) -> Box:
    """The seller's box, a little padded and kept inside the photo; else all."""
    width, height = size
    if box is None:
        return (0, 0, width, height)
    x0, y0, x1, y1 = box
    pad = round(BOX_PAD * max(x1 - x0, y1 - y0))
    region = (
        max(0, min(x0 - pad, width - 2)),
        max(0, min(y0 - pad, height - 2)),
        min(width, max(x1 + pad, 2)),
        min(height, max(y1 + pad, 2)),
    )
    if region[2] - region[0] < 8 or region[3] - region[1] < 8:
        return (0, 0, width, height)
    return region


def boxed_probability(
    photo: Image.Image, region: Box, boxed: bool, predict: Predict
) -> tuple[np.ndarray, int]:
    """The model's probability over the region.

    A product that fills the model's whole view is often half missed, so with
    a box the model looks twice: at the box, and at the box with some context
    around it. The surer look of the two is kept (a union would also keep the
    texture or clutter the wider look picks up); what lies outside the region
    is dropped. A box costs a second model pass for that.
    """
    if not boxed:
        return focused_probability(photo.crop(region), predict)
    x0, y0, x1, y1 = region
    pad = round(BOX_CONTEXT * max(x1 - x0, y1 - y0))
    width, height = photo.size
    context = (max(0, x0 - pad), max(0, y0 - pad))
    context += (min(width, x1 + pad), min(height, y1 + pad))
    wide, passes = focused_probability(photo.crop(context), predict)
    left, top = x0 - context[0], y0 - context[1]
    wide = wide[top : top + y1 - y0, left : left + x1 - x0]
    tight, more = focused_probability(photo.crop(region), predict)
    chosen = wide if certainty(wide) > certainty(tight) else tight
    return chosen, passes + more


def certainty(probability: np.ndarray) -> float:
    """How sure a look is overall: 1 when every pixel is 0 or 1."""
    return float(np.abs(2.0 * probability - 1.0).mean())


# 2. Focus ---------------------------------------------------------------------


def focused_probability(crop: Image.Image, predict: Predict) -> tuple[np.ndarray, int]:
    """The model's probability at the crop's size, with a closer second look."""
    coarse = predict(crop)
    probability = upsample(coarse, crop.size)
    focus = focus_box(coarse, crop.size)
    if focus is None:
        return probability, 1
    x0, y0, x1, y1 = focus
    # The closer look adds what it sees; what the first pass saw stays, since
    # the crop may have cut off a part the first pass was unsure of.
    fine = upsample(predict(crop.crop(focus)), (x1 - x0, y1 - y0))
    probability[y0:y1, x0:x1] = np.maximum(probability[y0:y1, x0:x1], fine)
    return probability, 2


def focus_box(coarse: np.ndarray, size: tuple[int, int]) -> Box | None:
    """A padded box around the product, when it is small enough to gain."""
    rows, cols = np.nonzero(coarse >= FOCUS_THRESHOLD)
    if rows.size == 0:
        return None
    side_y, side_x = coarse.shape
    width, height = size
    x0, x1 = cols.min() / side_x * width, (cols.max() + 1) / side_x * width
    y0, y1 = rows.min() / side_y * height, (rows.max() + 1) / side_y * height
    pad = FOCUS_PAD * max(x1 - x0, y1 - y0)
    box = (
        max(0, int(x0 - pad)),
        max(0, int(y0 - pad)),
        min(width, int(np.ceil(x1 + pad))),
        min(height, int(np.ceil(y1 + pad))),
    )
    share = (box[2] - box[0]) * (box[3] - box[1]) / (width * height)
    if share > FOCUS_MAX_SHARE or min(box[2] - box[0], box[3] - box[1]) < 16:
        return None
    return box


def settled(probability: np.ndarray) -> np.ndarray:
    """Alpha from a probability: near-certain values settled to 0 or 1."""
    return np.clip((probability - CLEAR) / (SOLID - CLEAR), 0.0, 1.0)


def upsample(probability: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    import cv2

    values = np.ascontiguousarray(probability, np.float32)
    method = cv2.INTER_CUBIC if size[0] >= values.shape[1] else cv2.INTER_AREA
    return np.clip(cv2.resize(values, size, interpolation=method), 0.0, 1.0)


# 3. Colour ----------------------------------------------------------------


def colour_refined(
    pixels: np.ndarray, probability: np.ndarray, photo: Image.Image | None = None
) -> tuple[np.ndarray, str | None]:
    """A hard mask where the photo's colours settle what the model could not.

    ``photo``, when given, is ``pixels`` as an image (its smaller analysis copy
    is then made without a round trip through floats). Returns the mask and
    what the colours tell about the product: SAME_COLOUR, SEE_THROUGH or None.
    """
    mask = probability >= 0.5
    # Where the colour step cannot help, the model's own soft mask stays.
    model_alpha = settled(probability)
    small = _analysis_copy(pixels if photo is None else photo)
    rescued = backdrop_rescue(small, probability, mask)
    if rescued is not None:
        return rescued.astype(np.float32), None
    if is_unsure(probability, mask):
        logger.debug("the model is unsure over a wide area; colour step skipped")
        return model_alpha, None
    small_mask = _resize_bool(mask, small.shape[1::-1])
    background = background_estimate(small, small_mask)
    if background is None:
        return model_alpha, None
    colour, spread = background
    if spread > TEXTURED_SPREAD:
        logger.debug("background is textured (spread %.1f)", spread)
        return settled(without_unsure_pieces(probability)), None

    matches = matches_colour(small, colour, spread) | shadow_of(small, colour)
    plain = plain_share(small, small_mask, spread)
    if plain < MIN_PLAIN_SHARE and not (plain >= 0.9 and spread <= QUIET_SPREAD):
        logger.debug("background around the product is not plain")
        return model_alpha, None
    contrast, typical = product_contrast(small, colour, small_mask, matches)
    material = None
    if contrast < MIN_CONTRAST:
        material = see_through_material(small, colour, spread, small_mask, matches)
        if material is None:
            logger.debug("product contrast %.0f is low; colour step skipped", contrast)
            return model_alpha, SAME_COLOUR if typical < SAME_COLOUR_CONTRAST else None
        logger.debug("see-through product: its body's alpha from its colour")
    carve = carve_regions(small_mask, matches)

    # At full size, only around the mask: nothing changes further out.
    radius = band_radius(pixels.shape)
    window = window_around(mask, radius + 2)
    if window is None:
        return mask.astype(np.float32), None
    x0, y0, x1, y1 = window
    part = pixels[y0:y1, x0:x1]
    size = (x1 - x0, y1 - y0)
    source = _source_box(window, pixels.shape, small.shape)
    part_colour = _resize_float(colour, size, source)
    part_carve = _resize_float(carve.astype(np.float32), size, source) >= 0.5
    distance = colour_distance(part, part_colour)
    tolerance = MATCH_DISTANCE + MATCH_SPREADS * spread
    shadow = shadow_of(part, part_colour)
    background = (distance <= tolerance) | shadow
    # Only a clear difference makes a pixel product; one between the two (a
    # soft shadow's rim) keeps the model's own value, or on a see-through
    # product how far its colour has moved toward the clear material's.
    distinct = (distance > 2 * tolerance) & ~shadow
    part_mask = mask[y0:y1, x0:x1]
    if material is None:
        soft = model_alpha[y0:y1, x0:x1]
    else:
        soft = see_through_alpha(part, part_colour, material)
    decided = np.where(part_mask & distinct, 1.0, np.where(part_mask, soft, 0.0))
    decided = np.where(part_mask & part_carve & background, 0.0, decided)

    # Along the model's edge its own guess is a few pixels off: the colour
    # decides there, a shadow counting as background.
    band = dilate(part_mask, radius) & ~erode(part_mask, radius)
    decided = np.where(band & background, 0.0, decided)
    decided = np.where(band & distinct, 1.0, decided)
    result = mask.astype(np.float32)
    result[y0:y1, x0:x1] = decided
    return result, None if material is None else SEE_THROUGH


def without_unsure_pieces(probability: np.ndarray) -> np.ndarray:
    """The probability less the separate pieces the model was nowhere sure of.

    On a textured background the model half believes in patches of the
    texture (inside a bag's handle, between a product's legs): pieces of the
    mask apart from the product, without one pixel at SURE_PEAK. They go,
    with the soft fringe nearer to them than to a kept piece. When no piece
    is sure, all stay.
    """
    import cv2

    count, labels = cv2.connectedComponents(
        (probability >= 0.5).astype(np.uint8), connectivity=8
    )
    if count <= 2:
        return probability
    sure = np.zeros(count, bool)
    sure[np.unique(labels[probability >= SURE_PEAK])] = True
    sure[0] = False
    if not sure.any() or sure[1:].all():
        return probability
    pieces = labels > 0
    kept = sure[labels]
    dropped = pieces & ~kept
    to_kept = cv2.distanceTransform((~kept).astype(np.uint8), cv2.DIST_L2, 3)
    to_dropped = cv2.distanceTransform((~dropped).astype(np.uint8), cv2.DIST_L2, 3)
    fringe = ~pieces & (to_dropped < to_kept)
    return np.where(dropped | fringe, 0.0, probability).astype(np.float32)


def see_through_material(
    pixels: np.ndarray,
    colour: np.ndarray,
    spread: float,
    mask: np.ndarray,
    matches: np.ndarray,
) -> np.ndarray | None:
    """The colour of a see-through product's clear material, or None.

    Glass or clear plastic shows the background through its body, a little
    tinted: most of the mask's inside is neither the background's colour nor
    clearly different from it, while clear material (a rim, a base, a label)
    runs along most of the mask's outline. A product of its own colour close
    to the background's has no such outline.
    """
    inside = erode(mask, 2)
    if inside.sum() < 20:
        return None
    distance = colour_distance(pixels, colour)
    tolerance = MATCH_DISTANCE + MATCH_SPREADS * spread
    distinct = (distance > 2 * tolerance) & ~shadow_of(pixels, colour)
    faint = ~matches & ~distinct
    outline = mask & ~inside
    rim = float(dilate(distinct, 2)[outline].mean())
    body = float(faint[inside].mean())
    # The model's edge may sit just inside the rim.
    material = dilate(mask, 2) & distinct
    if rim < SEE_THROUGH_RIM or body < SEE_THROUGH_BODY or not material.any():
        return None
    return np.median(pixels[material], axis=0).astype(np.float32)


def see_through_alpha(
    pixels: np.ndarray, background: np.ndarray, material: np.ndarray
) -> np.ndarray:
    """How far each pixel's colour has moved from the background's toward the
    clear material's: a see-through body's share of covering what is behind it.
    """
    moved = np.zeros(pixels.shape[:2], np.float32)
    span = np.zeros(pixels.shape[:2], np.float32)
    for channel in range(3):
        toward = material[channel] - background[..., channel]
        moved += (pixels[..., channel] - background[..., channel]) * toward
        span += toward * toward
    return np.clip(moved / np.maximum(span, 1.0), 0.0, 1.0)


def backdrop_product(pixels: np.ndarray) -> np.ndarray | None:
    """What is not the plain backdrop that the frame's outer edge shows, or None.

    The backdrop's colour is fitted as a plane in x and y to the outermost
    pixels; the backdrop is every matching pixel connected to them. The answer
    is 1 where the product clearly differs from the backdrop, 0.5 where it
    differs only a little, 0 on the backdrop.
    """
    height, width = pixels.shape[:2]
    edge = np.zeros((height, width), bool)
    edge[:2], edge[-2:], edge[:, :2], edge[:, -2:] = True, True, True, True
    ys, xs = np.nonzero(edge)
    design = np.stack([np.ones_like(xs), xs / width, ys / height], axis=1).astype(
        np.float32
    )
    values = pixels[ys, xs]
    keep = np.ones(len(xs), bool)
    for _ in range(3):
        coefficients, *_ = np.linalg.lstsq(design[keep], values[keep], rcond=None)
        residual = np.abs(design @ coefficients - values).max(axis=1)
        keep = residual <= max(float(np.percentile(residual, 60)), 1.0) * 2
    spread = float(np.median(residual[keep]))
    plain = residual <= MATCH_DISTANCE + MATCH_SPREADS * QUIET_SPREAD
    if plain.mean() < BACKDROP_EDGE_SHARE or spread > QUIET_SPREAD * 3:
        return None
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    plane = np.stack([np.ones_like(x), x / width, y / height], axis=2) @ coefficients
    shadow = shadow_of(pixels, plane)
    distance = colour_distance(pixels, plane)
    tolerance = MATCH_DISTANCE + MATCH_SPREADS * spread
    matches = (distance <= tolerance) | shadow
    labels, _ = label_regions(matches)
    touching = np.unique(labels[edge & matches])
    backdrop = np.isin(labels, touching[touching > 0])
    share = 1.0 - float(backdrop.mean())
    if not BACKDROP_PRODUCT_SHARE[0] <= share <= BACKDROP_PRODUCT_SHARE[1]:
        return None
    # 1 is clearly product, 0 backdrop, 0.5 neither (a see-through body).
    clear = (distance > 2 * tolerance) & ~shadow
    return np.where(backdrop, 0.0, np.where(clear, 1.0, 0.5)).astype(np.float32)


def backdrop_rescue(
    small: np.ndarray, probability: np.ndarray, mask: np.ndarray
) -> np.ndarray | None:
    """The product against a plain backdrop, where the model got lost.

    A model unsure over a wide area, or one that kept only a part (a label) of
    what clearly differs from the backdrop, is replaced by the colour's answer,
    as long as that answer holds most of what the model saw.
    """
    product = backdrop_product(small)
    if product is None:
        return None
    full = _resize_float(product, probability.shape[::-1])
    kept = full >= 0.5
    if not agrees_with_model(kept, probability):
        return None
    if not (is_unsure(probability, mask) or mask.sum() < RESCUE_SHARE * kept.sum()):
        return None
    logger.debug("model mask replaced by the product against the backdrop")
    return np.where(
        full >= 0.75, 1.0, np.where(full <= 0.25, 0.0, settled(probability))
    )


def agrees_with_model(product: np.ndarray, probability: np.ndarray) -> bool:
    """Whether a product found by colour holds most of what the model saw,
    without being much larger than the model's own uncertain guess."""
    mass = float(probability.sum())
    if mass <= 0:
        return False
    inside = float(probability[product].sum()) / mass
    guess = max(int((probability > 0.15).sum()), 1)
    return inside >= BACKDROP_AGREEMENT and product.sum() <= BACKDROP_GROWTH * guess


def is_unsure(probability: np.ndarray, mask: np.ndarray) -> bool:
    """Whether much of what the model kept, it kept with middling probability."""
    middling = int(((probability > 0.15) & (probability < 0.85)).sum())
    return middling > MAX_UNSURE_SHARE * max(int(mask.sum()), 1)


def plain_share(pixels: np.ndarray, mask: np.ndarray, spread: float) -> float:
    """The share of a ring around the mask that looks like plain background.

    Each ring pixel is compared with the background's mean over a wide window
    (a twentieth of the photo's side): a sweep or a gradient passes, a
    texture or a cluttered room does not.
    """
    outer = max(2, round(PLAIN_RING * max(mask.shape)))
    ring = dilate(mask, outer) & ~dilate(mask, 2)
    if not ring.any():
        return 0.0
    import cv2

    pixels = np.ascontiguousarray(pixels, np.float32)
    weight = (~dilate(mask, 2)).astype(np.float32)
    # Per-channel arithmetic in OpenCV, as in background_estimate.
    weighted = box_mean(cv2.multiply(pixels, cv2.merge([weight] * 3)), outer)
    norm = np.maximum(box_mean(weight, outer), 1e-6)
    wide = cv2.divide(weighted, cv2.merge([norm] * 3))
    plain = matches_colour(pixels, wide, spread) | shadow_of(pixels, wide)
    return float(plain[ring].mean())


def window_around(mask: np.ndarray, margin: int) -> Box | None:
    """The mask's bounding box grown by ``margin``, inside the array."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return None
    height, width = mask.shape
    return (
        max(0, int(cols[0]) - margin),
        max(0, int(rows[0]) - margin),
        min(width, int(cols[-1]) + 1 + margin),
        min(height, int(rows[-1]) + 1 + margin),
    )


def _source_box(
    window: Box, full_shape: tuple[int, ...], small_shape: tuple[int, ...]
) -> tuple[float, float, float, float]:
    """The window in the coordinates of the smaller analysis copy."""
    sx = small_shape[1] / full_shape[1]
    sy = small_shape[0] / full_shape[0]
    x0, y0, x1, y1 = window
    return (x0 * sx, y0 * sy, x1 * sx, y1 * sy)


def _analysis_size(shape: tuple[int, ...]) -> tuple[int, int]:
    """(width, height) of the analysis copy: at most ANALYSIS_SIDE on a side."""
    height, width = shape[:2]
    scale = min(1.0, ANALYSIS_SIDE / max(height, width))
    return (max(1, round(width * scale)), max(1, round(height * scale)))


def _analysis_copy(pixels: np.ndarray | Image.Image) -> np.ndarray:
    if isinstance(pixels, Image.Image):
        image = pixels if pixels.mode == "RGB" else pixels.convert("RGB")
        size = _analysis_size((image.height, image.width))
    else:
        image = Image.fromarray(pixels.astype(np.uint8), "RGB")
        size = _analysis_size(pixels.shape)
    if size == image.size:
        return np.asarray(image, np.float32)
    return np.asarray(image.resize(size, Image.Resampling.BOX), np.float32)


def background_estimate(
    pixels: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, float] | None:
    """The background's colour at every pixel, and its typical local spread.

    Sure background (well away from the mask) is averaged at growing radii; each
    pixel takes the closest radius with enough background around it, so the
    colour inside a large mask is filled in from its surroundings.
    """
    import cv2

    sure = ~dilate(mask, 3)
    if sure.mean() < 0.05:
        return None
    pixels = np.ascontiguousarray(pixels, np.float32)
    weight = sure.astype(np.float32)
    # Colour and weight blur together, in one four-channel pass per radius.
    # OpenCV does the per-channel arithmetic: numpy's loops over a last axis
    # of three or four are several times slower.
    weighted = cv2.cvtColor(
        cv2.multiply(pixels, cv2.merge([weight] * 3)), cv2.COLOR_RGB2RGBA
    )
    weighted[..., 3] = weight
    colour = np.zeros_like(pixels)
    filled = np.zeros(mask.shape, np.uint8)
    local = None
    side = max(mask.shape)
    radius = 3
    while True:
        sums = box_mean(weighted, radius)
        norm = np.maximum(sums[..., 3], 1e-6)
        means = cv2.divide(
            cv2.cvtColor(sums, cv2.COLOR_RGBA2RGB), cv2.merge([norm] * 3)
        )
        if local is None:
            local = means
        take = ((filled == 0) & (norm >= 0.15)).astype(np.uint8)
        cv2.copyTo(means, take, colour)
        filled |= take
        if filled.all() or radius >= side:
            break
        radius *= 3
    if not filled.all():
        totals = weighted.reshape(-1, 4).sum(axis=0)
        colour[filled == 0] = totals[:3] / totals[3]
    spread = float(np.median(colour_distance(pixels, local)[sure]))
    return colour, spread


def matches_colour(pixels: np.ndarray, colour: np.ndarray, spread: float) -> np.ndarray:
    """Pixels that look like the background there."""
    distance = colour_distance(pixels, colour)
    return distance <= MATCH_DISTANCE + MATCH_SPREADS * spread


def shadow_of(pixels: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """Pixels that look like the background in a shadow: darker, same hue."""
    brightness = _channel_sum(pixels) + 1.0
    background_brightness = _channel_sum(colour) + 1.0
    ratio = brightness / background_brightness
    shadow = (ratio >= SHADOW_RATIO[0]) & (ratio <= SHADOW_RATIO[1])
    scale = (1.0 / brightness)[..., None]
    hue = colour_distance(pixels * scale, colour * (scale * ratio[..., None]))
    return shadow & (hue <= SHADOW_HUE)


def colour_distance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """The largest difference over the three colour channels, per pixel."""
    difference = np.abs(first - second)
    return np.maximum(
        np.maximum(difference[..., 0], difference[..., 1]), difference[..., 2]
    )


def _channel_sum(pixels: np.ndarray) -> np.ndarray:
    return pixels[..., 0] + pixels[..., 1] + pixels[..., 2]


def carve_regions(mask: np.ndarray, matches: np.ndarray) -> np.ndarray:
    """Background-coloured areas of the mask hemmed in only by thin material."""
    candidates = mask & matches
    if not candidates.any():
        return candidates
    material = mask & ~matches
    thin_side = max(1, round(THIN_SHARE * np.sqrt(mask.sum())))
    thick = dilate(erode(material, thin_side), thin_side)
    labels, count = label_regions(candidates)
    rim = dilate(candidates, 1) & ~candidates
    rim_labels = _neighbour_labels(labels, rim)
    touches_thick = np.bincount(rim_labels[thick[rim]], minlength=count + 1)
    rim_size = np.bincount(rim_labels, minlength=count + 1)
    share = touches_thick / np.maximum(rim_size, 1)
    keep_carving = share < THICK_RIM_SHARE
    keep_carving[0] = False
    return keep_carving[labels]


def _neighbour_labels(labels: np.ndarray, rim: np.ndarray) -> np.ndarray:
    """For each rim pixel, the label of a neighbouring region (the largest id)."""
    padded = np.pad(labels, 1)
    height, width = labels.shape
    best = np.zeros_like(labels)
    for dy in (0, 1, 2):
        for dx in (0, 1, 2):
            best = np.maximum(best, padded[dy : dy + height, dx : dx + width])
    return best[rim]


def product_contrast(
    pixels: np.ndarray, colour: np.ndarray, mask: np.ndarray, matches: np.ndarray
) -> tuple[float, float]:
    """How far the product's colours are from the background's.

    Returns the median distance over the mask's inside less what matches the
    background (the product's own material), and over all of the inside.
    """
    inside = erode(mask, 2)
    if inside.sum() < 20:
        inside = mask
    if not inside.any():
        return 0.0, 0.0
    distance = colour_distance(pixels, colour)
    material = inside & ~matches
    own = float(np.median(distance[material])) if material.any() else 0.0
    return own, float(np.median(distance[inside]))


def band_radius(shape: tuple[int, ...]) -> int:
    """How far from the model's edge the colour decides: about two model pixels."""
    model_pixel = max(shape[0], shape[1]) / 320
    return max(1, round(EDGE_BAND_MODEL_PIXELS * model_pixel))


# 4. Edges -----------------------------------------------------------------


def snap_edges(pixels: np.ndarray, hard: np.ndarray) -> np.ndarray:
    """A guided filter of the hard mask with the photo as guide: crisp, exact edges.

    The filter's coefficients are found on a copy at half size or less (at
    most 1200 px on its longer side) and applied at full size.
    """
    solid = hard > 0.5
    factor = max(GUIDE_MIN_FACTOR, int(np.ceil(max(hard.shape) / MAX_GUIDE_SIDE)))
    window = window_around(solid, 4 + 2 * GUIDE_RADIUS * factor)
    if window is None:
        return hard
    x0, y0, x1, y1 = window
    result = hard.copy()
    result[y0:y1, x0:x1] = _snapped(pixels[y0:y1, x0:x1], hard[y0:y1, x0:x1], factor)
    return result


def _snapped(pixels: np.ndarray, hard: np.ndarray, factor: int) -> np.ndarray:
    """The filter's answer near the mask's edge; clearly in or out stays as is."""
    height, width = hard.shape
    solid = hard > 0.5
    ys, xs = np.nonzero(dilate(solid, 2) & ~erode(solid, 2))
    if factor > 1 and min(height, width) >= 4 * factor:
        size = (max(1, width // factor), max(1, height // factor))
        small_guide = _resize_float(pixels, size) / 255.0
        small_mask = _resize_float(hard, size)
    else:
        small_guide, small_mask = pixels / 255.0, hard
    a, b = guided_coefficients(small_guide, small_mask, GUIDE_RADIUS, GUIDE_EPS)
    a_at = sample_at(a, ys, xs, hard.shape)
    b_at = sample_at(b, ys, xs, hard.shape)
    alpha = (a_at * pixels[ys, xs] / 255.0).sum(axis=1) + b_at
    result = hard.astype(np.float32)
    # Settle what is clearly in or out; keep the edge's partial values.
    result[ys, xs] = settled(alpha)
    return result


def sample_at(
    values: np.ndarray, ys: np.ndarray, xs: np.ndarray, full_shape: tuple[int, ...]
) -> np.ndarray:
    """Bilinear samples of a smaller copy at the given full-size pixel centres.

    Each colour plane is sampled on its own: gathering whole pixels and
    weighting them channel by channel is about twice as slow.
    """
    import cv2

    small_height, small_width = values.shape[:2]
    if (small_height, small_width) == tuple(full_shape[:2]):
        return values[ys, xs]
    sy = np.clip((ys + 0.5) * (small_height / full_shape[0]) - 0.5, 0, None)
    sx = np.clip((xs + 0.5) * (small_width / full_shape[1]) - 0.5, 0, None)
    y0 = np.minimum(sy.astype(np.intp), small_height - 1)
    x0 = np.minimum(sx.astype(np.intp), small_width - 1)
    y1 = np.minimum(y0 + 1, small_height - 1)
    x1 = np.minimum(x0 + 1, small_width - 1)
    wy, wx = (sy - y0).astype(np.float32), (sx - x0).astype(np.float32)
    top, bottom = y0 * small_width, y1 * small_width
    corners = (
        (top + x0, (1 - wy) * (1 - wx)),
        (top + x1, (1 - wy) * wx),
        (bottom + x0, wy * (1 - wx)),
        (bottom + x1, wy * wx),
    )
    values = np.ascontiguousarray(values, np.float32)
    planes = [values] if values.ndim == 2 else cv2.split(values)
    columns = [
        sum(plane.ravel()[index] * weight for index, weight in corners)
        for plane in planes
    ]
    return columns[0] if values.ndim == 2 else np.stack(columns, axis=1)


def guided_coefficients(
    guide: np.ndarray, source: np.ndarray, radius: int, eps: float
) -> tuple[np.ndarray, np.ndarray]:
    """Per-pixel linear coefficients (a, b) of a colour-guided filter, averaged.

    Works on one colour plane at a time: numpy's loops over a last axis of
    three are several times slower than over whole planes.
    """
    import cv2

    planes = cv2.split(np.ascontiguousarray(guide, np.float32))
    source = np.ascontiguousarray(source, np.float32)
    mean_i = [box_mean(plane, radius) for plane in planes]
    mean_p = box_mean(source, radius)
    cov_ip = [
        box_mean(plane * source, radius) - mean * mean_p
        for plane, mean in zip(planes, mean_i, strict=True)
    ]
    s = {}
    for i in range(3):
        for j in range(i, 3):
            s[i, j] = (
                box_mean(planes[i] * planes[j], radius)
                - mean_i[i] * mean_i[j]
                + (eps if i == j else 0.0)
            )
    # The inverse of the symmetric 3x3 covariance, by cofactors.
    c00 = s[1, 1] * s[2, 2] - s[1, 2] ** 2
    c01 = s[0, 2] * s[1, 2] - s[0, 1] * s[2, 2]
    c02 = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
    c11 = s[0, 0] * s[2, 2] - s[0, 2] ** 2
    c12 = s[0, 1] * s[0, 2] - s[0, 0] * s[1, 2]
    c22 = s[0, 0] * s[1, 1] - s[0, 1] ** 2
    det = s[0, 0] * c00 + s[0, 1] * c01 + s[0, 2] * c02
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    x, y, z = cov_ip
    a = [
        (c00 * x + c01 * y + c02 * z) / det,
        (c01 * x + c11 * y + c12 * z) / det,
        (c02 * x + c12 * y + c22 * z) / det,
    ]
    b = mean_p - (a[0] * mean_i[0] + a[1] * mean_i[1] + a[2] * mean_i[2])
    return cv2.merge([box_mean(part, radius) for part in a]), box_mean(b, radius)


# 5. Brush -------------------------------------------------------------------


def apply_edits(alpha: np.ndarray, edits: Sequence[dict[str, Any]]) -> np.ndarray:
    """Lay the seller's brush strokes on the alpha, in order.

    Points are shares of the photo's width and height; the radius is a share of
    its longer side.
    """
    if not edits:
        return alpha
    height, width = alpha.shape
    result = alpha.copy()
    for stroke in edits:
        painted = stroke_mask(stroke, (width, height))
        if stroke["mode"] == "add":
            result = np.maximum(result, painted)
        else:
            result = np.minimum(result, 1.0 - painted)
    return result


def stroke_mask(stroke: dict[str, Any], size: tuple[int, int]) -> np.ndarray:
    width, height = size
    radius = max(1.0, float(stroke["radius"]) * max(width, height))
    points = [(float(x) * width, float(y) * height) for x, y in stroke["points"]]
    canvas = Image.new("L", size, 0)
    draw = ImageDraw.Draw(canvas)
    if len(points) > 1:
        draw.line(points, fill=255, width=max(1, round(2 * radius)), joint="curve")
    for x, y in points:
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=255)
    return np.asarray(canvas, np.float32) / 255.0


PAINT_GRIDS = (96, 64, 48, 32, 24)


def strokes_from_paint(
    painted: np.ndarray, mode: str, max_strokes: int
) -> list[dict[str, Any]]:
    """Pixels painted on a copy of the photo, as brush strokes for a look.

    The painting is read on a grid about 96 cells across; each row's run of
    painted cells becomes one straight stroke as wide as a cell. A coarser grid
    is used when the finer one needs more than ``max_strokes`` strokes.
    """
    height, width = painted.shape
    for grid in PAINT_GRIDS:
        step = max(1, int(np.ceil(max(height, width) / grid)))
        cells = _cells_painted(painted, step)
        runs = _row_runs(cells)
        if len(runs) <= max_strokes:
            break
    else:
        logger.warning("brush painting cut to %d strokes", max_strokes)
        runs = runs[:max_strokes]
    radius = min(0.2, 0.75 * step / max(height, width))
    strokes = []
    for row, first, last in runs:
        y = min(1.0, (row + 0.5) * step / height)
        ends = {
            min(1.0, (first + 0.5) * step / width),
            min(1.0, (last + 0.5) * step / width),
        }
        points = [[x, y] for x in sorted(ends)]
        strokes.append({"mode": mode, "points": points, "radius": radius})
    return strokes


def box_from_paint(painted: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box around what was painted, as shares of width and height."""
    rows, cols = np.nonzero(painted)
    if rows.size == 0:
        return None
    height, width = painted.shape
    return (
        cols.min() / width,
        rows.min() / height,
        (cols.max() + 1) / width,
        (rows.max() + 1) / height,
    )


def _cells_painted(painted: np.ndarray, step: int) -> np.ndarray:
    height, width = painted.shape
    rows, cols = -(-height // step), -(-width // step)
    padded = np.zeros((rows * step, cols * step), bool)
    padded[:height, :width] = painted
    return padded.reshape(rows, step, cols, step).any(axis=(1, 3))


def _row_runs(cells: np.ndarray) -> list[tuple[int, int, int]]:
    edges = np.diff(np.pad(cells, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return [
        (int(r), int(a), int(b) - 1) for r, a, b in zip(rows, starts, ends, strict=True)
    ]


# Confidence -------------------------------------------------------------------

WARN_BORDER = (
    "상품이 사진 테두리 대부분에 닿아 있어 배경이 함께 잘렸을 수 있습니다. "
    "상품 둘레에 상자를 그리거나 브러시로 고쳐 주세요.",
    "The cutout touches most of the photo's border, so some background may be "
    "included. Draw a box around the product or fix it with the brush.",
)
WARN_EMPTY = (
    "상품이 아주 작게 잡혔습니다. 상품을 놓친 것 같다면 상품 둘레에 상자를 그려 "
    "주세요.",
    "Very little of the photo was kept as the product. If the product was "
    "missed, draw a box around it.",
)
WARN_FULL = (
    "사진 거의 전체가 상품으로 잡혔습니다. 상품 둘레에 상자를 그리거나, 상품과 "
    "다른 색 배경에서 다시 찍어 주세요.",
    "Almost the whole photo was kept as the product. Draw a box around the "
    "product, or shoot it on a background of a different colour.",
)
WARN_RAGGED = (
    "누끼 가장자리가 고르지 않습니다. 브러시로 더하거나 지워 다듬어 주세요.",
    "The cutout's edge is ragged. Use the brush to add or erase parts.",
)
WARN_SAME_COLOUR = (
    "상품 색이 배경과 비슷해 가장자리가 정확하지 않을 수 있습니다. 상품과 다른 "
    "색 배경에서 찍으면 더 깔끔해집니다.",
    "The product's colours are close to the background's, so its edges may be "
    "off. A background of a contrasting colour gives a cleaner cutout.",
)
WARN_SEE_THROUGH = (
    "투명한 상품으로 보여 속의 투명도를 사진 색으로 어림했습니다. 윤곽과 불투명한 "
    "부분은 그대로지만 속은 실제와 다를 수 있으니 확인하고 브러시로 고쳐 주세요.",
    "The product looks see-through, so how clear its body is was estimated from "
    "the photo's colours. Its outline and opaque parts are kept; check the body "
    "and fix it with the brush if needed.",
)
BORDER_SHARE = 0.5
EMPTY_SHARE = 0.005
FULL_SHARE = 0.95
RAGGED_PIECES = 12
RAGGED_SOFT_SHARE = 0.25


def confidence_warnings(
    alpha: np.ndarray, boxed: bool, finding: str | None = None
) -> tuple[Warning_, ...]:
    """What is likely wrong with this cutout, each with what to do about it.

    ``finding`` is what the colour step told about the product's colours.
    """
    solid = alpha >= 0.5
    share = float(solid.mean())
    warnings: list[Warning_] = []
    if border_share(solid) > BORDER_SHARE and not boxed:
        warnings.append(WARN_BORDER)
    if 0 < share < EMPTY_SHARE:
        warnings.append(WARN_EMPTY)
    if share > FULL_SHARE:
        warnings.append(WARN_FULL)
    # A see-through body is half-transparent on purpose, not a ragged edge.
    if share > 0 and finding != SEE_THROUGH and is_ragged(alpha, solid):
        warnings.append(WARN_RAGGED)
    if finding == SAME_COLOUR:
        warnings.append(WARN_SAME_COLOUR)
    if finding == SEE_THROUGH:
        warnings.append(WARN_SEE_THROUGH)
    return tuple(warnings)


def border_share(solid: np.ndarray) -> float:
    edges = np.concatenate([solid[0], solid[-1], solid[:, 0], solid[:, -1]])
    return float(edges.mean())


def is_ragged(alpha: np.ndarray, solid: np.ndarray) -> bool:
    """Many separate pieces, or an edge that is mostly half-transparent."""
    _, pieces = label_regions(_resize_bool(solid, _analysis_size(solid.shape)))
    soft = ((alpha > 0.1) & (alpha < 0.9)).sum() / max(int(solid.sum()), 1)
    return pieces > RAGGED_PIECES or soft > RAGGED_SOFT_SHARE


# Helpers ----------------------------------------------------------------------


def box_mean(values: np.ndarray, radius: int) -> np.ndarray:
    """Mean over a (2r+1) square window, edges padded by repeating the edge."""
    # OpenCV is loaded on first use, after the model's first run: a one-photo
    # command then never holds both in memory at their peak.
    import cv2

    values = np.ascontiguousarray(values, np.float32)
    height, width = values.shape[:2]
    window = (2 * min(radius, width) + 1, 2 * min(radius, height) + 1)
    if values.ndim == 2 or values.shape[2] <= 4:
        return cv2.blur(values, window, borderType=cv2.BORDER_REPLICATE).reshape(
            values.shape
        )
    parts = [
        box_mean(values[..., start : start + 4], radius)
        for start in range(0, values.shape[2], 4)
    ]
    return np.concatenate([part.reshape(*values.shape[:2], -1) for part in parts], 2)


def dilate(mask: np.ndarray, radius: int) -> np.ndarray:
    """Grow a mask by a square of side 2r+1."""
    return box_mean(mask.astype(np.float32), radius) > 1e-4


def erode(mask: np.ndarray, radius: int) -> np.ndarray:
    """Shrink a mask by a square of side 2r+1 (outside the frame counts as in)."""
    return box_mean(mask.astype(np.float32), radius) > 1 - 1e-4


def label_regions(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Label 4-connected regions 1..n, by joining runs of each row to the last."""
    height, width = mask.shape
    edges = np.diff(np.pad(mask, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    parent = list(range(len(rows)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first = np.searchsorted(rows, np.arange(height + 1))
    starts_list, ends_list = starts.tolist(), ends.tolist()
    for row in range(1, height):
        i, i_end = int(first[row - 1]), int(first[row])
        j, j_end = i_end, int(first[row + 1])
        while i < i_end and j < j_end:
            if starts_list[i] < ends_list[j] and starts_list[j] < ends_list[i]:
                a, b = root(i), root(j)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            if ends_list[i] < ends_list[j]:
                i += 1
            else:
                j += 1
    roots = np.array([root(i) for i in range(len(rows))], dtype=np.int64)
    unique, run_labels = np.unique(roots, return_inverse=True)
    labels = np.zeros((height, width + 1), np.int64)
    np.add.at(labels, (rows, starts), run_labels + 1)
    np.add.at(labels, (rows, ends), -(run_labels + 1))
    return np.cumsum(labels, axis=1)[:, :width].astype(np.int32), len(unique)


def _resize_bool(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if mask.shape[::-1] == tuple(size):
        return mask
    image = Image.fromarray(mask.astype(np.uint8) * 255, "L")
    return np.asarray(image.resize(size, Image.Resampling.BILINEAR)) >= 128


def _resize_float(
    values: np.ndarray,
    size: tuple[int, int],
    source: tuple[float, float, float, float] | None = None,
) -> np.ndarray:
    """Bilinear resize of a float array, optionally of a part of it (``source``).

    Shrinking averages areas; growing interpolates between pixel centres.
    """
    import cv2

    values = np.ascontiguousarray(values, np.float32)
    height, width = values.shape[:2]
    x0, y0, x1, y1 = source if source is not None else (0, 0, width, height)
    if (x0, y0, x1, y1) == (0, 0, width, height):
        if (width, height) == tuple(size):
            return values
        shrinking = size[0] < width and size[1] < height
        method = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        return cv2.resize(values, size, interpolation=method).reshape(
            size[1], size[0], *values.shape[2:]
        )
    scale_x, scale_y = (x1 - x0) / size[0], (y1 - y0) / size[1]
    to_source = np.array(
        [
            [scale_x, 0.0, x0 + 0.5 * scale_x - 0.5],
            [0.0, scale_y, y0 + 0.5 * scale_y - 0.5],
        ]
    )
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    resized = cv2.warpAffine(
        values, to_source, size, flags=flags, borderMode=cv2.BORDER_REPLICATE
    )
    return resized.reshape(size[1], size[0], *values.shape[2:])


__all__ = [
    "Refinement",
    "apply_edits",
    "box_from_paint",
    "confidence_warnings",
    "refine",
    "strokes_from_paint",
]
