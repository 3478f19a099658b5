"""Background removal: the product's alpha from U2-Net-p, with clean edges.

The default model, U2-Net-p, runs here through onnxruntime with exactly the
pre- and post-processing of rembg's ``u2netp`` session (same resize, the same
normalization, the same min-max scaling of the prediction); a test holds the two
masks equal on real photos. Going straight to onnxruntime keeps a one-photo
command free of rembg's import cost (numba and pymatting, about 0.8 s and
150 MB). Any other rembg model named by ``LITE_CUTOUT_MODEL`` goes through
``rembg.new_session`` itself, when its weights are in the models folder.

One model session per process, created on first use (or at app start-up by
:func:`warm_up`) and reused by every request.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from lite_app import refine
from lite_app.config import settings
from lite_app.errors import CutoutFailed, WeightsUnavailable
from lite_app.weights import ensure_weights, find_weights

logger = logging.getLogger(__name__)

MODEL_SIDE = 320
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
# Below this share of clearly-opaque pixels the mask counts as empty.
MIN_PRODUCT_SHARE = 0.001
# Alpha at or above this is treated as solid product, at or below as background.
BBOX_ALPHA = 32


@dataclass(frozen=True)
class Cutout:
    """The product on its own: the photo, its alpha mask and the product's box."""

    photo: Image.Image  # RGB, the working image
    mask: Image.Image  # L, same size; 255 is product
    bbox: tuple[int, int, int, int]  # x0, y0, x1, y1 in photo pixels
    from_photo_alpha: bool  # the photo's own transparency was used
    # What may be wrong with this cutout and what to do, as (Korean, English).
    warnings: tuple[tuple[str, str], ...] = ()

    def rgba(self) -> Image.Image:
        """An RGBA image of the whole photo, edge colours cleaned.

        What is fully transparent is black: the seller's room or table must
        not come back when someone drops the alpha channel.
        """
        mask = np.asarray(self.mask)
        rgb = decontaminate(np.asarray(self.photo), mask)
        rgb[mask == 0] = 0
        return Image.fromarray(np.dstack([rgb, mask]), "RGBA")


class _U2netpModel:
    """U2-Net-p on onnxruntime, matching rembg's u2netp session."""

    def __init__(self, weights: os.PathLike[str]) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        # Memory patterns plan a second copy of every activation; without
        # them the arena stays near the model's working set (about 350 MB
        # peak for a whole edit) and keeps its speed.
        options.enable_mem_pattern = False
        self.session = ort.InferenceSession(
            str(weights), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self.input_name = self.session.get_inputs()[0].name
        self._shrinking = ort.RunOptions()
        # Each run running at once grows the arena by a working set that it
        # keeps; a server asks for it back after every run.
        self._shrinking.add_run_config_entry(
            "memory.enable_memory_arena_shrinkage", "cpu:0"
        )

    def predict(self, image: Image.Image) -> np.ndarray:
        """Foreground probability at the model's size, float32 in [0, 1]."""
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        small = rgb.resize((MODEL_SIDE, MODEL_SIDE), Image.Resampling.LANCZOS)
        pixels = np.asarray(small, dtype=np.float32)
        pixels = pixels / max(float(pixels.max()), 1e-6)
        tensor = ((pixels - MEAN) / STD).transpose(2, 0, 1)[np.newaxis]
        run_options = self._shrinking if _shrink_after_runs.is_set() else None
        output = self.session.run(None, {self.input_name: tensor}, run_options)
        output = output[0][0, 0]
        low, high = float(output.min()), float(output.max())
        return ((output - low) / max(high - low, 1e-12)).astype(np.float32)


class _RembgModel:
    """Any other rembg model, through rembg's own session."""

    def __init__(self, name: str) -> None:
        # rembg finds a model file in U2NET_HOME's flat layout.
        os.environ["U2NET_HOME"] = str(settings().models_dir)
        from rembg import new_session

        self.session = new_session(name)

    def predict(self, image: Image.Image) -> np.ndarray:
        mask = self.session.predict(image.convert("RGB"))[0]
        small = mask.resize((MODEL_SIDE, MODEL_SIDE), Image.Resampling.BILINEAR)
        return np.asarray(small, dtype=np.float32) / 255.0


_shrink_after_runs = threading.Event()


def keep_model_memory_low() -> None:
    """Give the model's working memory back after every run.

    A server that runs cutouts side by side would otherwise hold one working
    set per run it ever had at once, and a one-photo command would hold it
    while the rest of the edit allocates its own arrays. Batches and library
    calls keep it: each model run is then about a fifth faster.
    """
    _shrink_after_runs.set()


_model: Any = None
_model_name: str | None = None
_model_lock = threading.Lock()


def model_name() -> str:
    """The configured cutout model, or u2netp where its weights are missing."""
    name = settings().cutout_model
    if name != "u2netp" and find_weights(name) is None:
        logger.warning("cutout model %s has no weights here; using u2netp", name)
        return "u2netp"
    return name


def get_model(*, download: bool = False) -> Any:
    """The process's one cutout model session, created on first use."""
    global _model, _model_name
    name = model_name()
    with _model_lock:
        if _model is None or _model_name != name:
            started = time.perf_counter()
            if name == "u2netp":
                _model = _U2netpModel(ensure_weights(name, download=download))
            else:
                _model = _RembgModel(name)
            _model_name = name
            logger.info(
                "cutout model %s ready in %.2f s", name, time.perf_counter() - started
            )
        return _model


def warm_up(*, download: bool = True) -> None:
    """Create the model session now (app start-up), fetching weights if needed."""
    get_model(download=download)


def predict_mask(image: Image.Image, *, download: bool = False) -> Image.Image:
    """The product's alpha at the image's size, as an L image."""
    probability = get_model(download=download).predict(image)
    return mask_at_size(probability, image.size)


def mask_at_size(probability: np.ndarray, size: tuple[int, int]) -> Image.Image:
    """Upscale the model's mask smoothly and settle near-certain pixels."""
    upscaled = Image.fromarray(probability.astype(np.float32), "F").resize(
        size, Image.Resampling.BICUBIC
    )
    alpha = np.asarray(upscaled, dtype=np.float32)
    alpha = refine.settled(alpha)
    return Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")


def cut_out(
    photo: Image.Image,
    *,
    alpha: Image.Image | None = None,
    download: bool = False,
    box: tuple[int, int, int, int] | None = None,
    mask_edits: Sequence[dict[str, Any]] = (),
) -> Cutout:
    """Cut the product out of an RGB(A) photo.

    With ``alpha`` given (a photo that already has real transparency), that is
    the mask and no model runs. Otherwise the model's mask is refined with the
    photo (see :mod:`lite_app.refine`); ``box`` (photo pixels) limits where the
    product is looked for. ``mask_edits`` are the seller's brush strokes, laid
    on last either way.
    """
    rgb = photo.convert("RGB")
    warnings: tuple[tuple[str, str], ...] = ()
    if alpha is not None:
        values = np.asarray(alpha.convert("L"), np.float32) / 255.0
        mask = (
            _mask_image(refine.apply_edits(values, mask_edits)) if mask_edits else alpha
        )
    else:
        model = get_model(download=download)
        refined = refine.refine(rgb, model.predict, box=box, edits=mask_edits)
        mask, warnings = _mask_image(refined.alpha), refined.warnings
    bbox = product_box(mask)
    return Cutout(
        photo=rgb,
        mask=mask,
        bbox=bbox,
        from_photo_alpha=alpha is not None,
        warnings=warnings,
    )


def _mask_image(alpha: np.ndarray) -> Image.Image:
    return Image.fromarray(np.round(np.clip(alpha, 0, 1) * 255).astype(np.uint8), "L")


def product_box(mask: Image.Image) -> tuple[int, int, int, int]:
    """The product's bounding box; refuses a mask with no product in it."""
    values = np.asarray(mask)
    solid_share = float((values >= 128).mean())
    box = Image.fromarray(np.where(values >= BBOX_ALPHA, 255, 0).astype(np.uint8))
    bbox = box.getbbox()
    if bbox is None or solid_share < MIN_PRODUCT_SHARE:
        raise CutoutFailed(
            "사진에서 상품을 찾지 못했습니다. 상품이 잘 보이도록 밝고 단순한 "
            "배경에서 다시 찍어 주세요.",
            "No product was found in the photo. Try a photo where the product "
            "stands out clearly against a plain background.",
            solid_share=solid_share,
        )
    return bbox


def decontaminate(rgb: np.ndarray, alpha: np.ndarray, radius: int = 6) -> np.ndarray:
    """Remove the old background's colour from semi-transparent edge pixels.

    Only pixels with alpha strictly between 0 and 255 change, so the product
    itself stays exactly as photographed (and what is fully transparent is
    never seen). Each edge pixel is modelled as ``a*F + (1-a)*B``: ``B`` is the
    nearby background colour and ``F`` is solved from it where alpha is high
    enough, and borrowed from the nearby solid product where it is not. Both
    neighbourhood colours are smooth, so they are averaged on a half-size copy
    and read back at the edge pixels only.
    """
    edge = (alpha > 0) & (alpha < 255)
    if not edge.any():
        return rgb.copy()
    ys, xs = np.nonzero(edge)
    background, foreground_near = _neighbourhood_colours(rgb, alpha, (ys, xs), radius)
    pixels = rgb[ys, xs].astype(np.float32) / 255.0
    a = (alpha[ys, xs].astype(np.float32) / 255.0)[:, np.newaxis]
    solved = (pixels - (1.0 - a) * background) / np.maximum(a, 1e-3)
    foreground = np.where(a >= 0.3, solved, foreground_near)
    cleaned = rgb.copy()
    cleaned[ys, xs] = np.round(np.clip(foreground, 0.0, 1.0) * 255.0).astype(np.uint8)
    return cleaned


def _neighbourhood_colours(
    rgb: np.ndarray,
    alpha: np.ndarray,
    at: tuple[np.ndarray, np.ndarray],
    radius: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean background and product colour around each pixel of ``at``.

    Background pixels weigh ``(1-a)^2`` and product pixels ``a^2``.
    """
    import cv2

    factor = 2 if min(alpha.shape) >= 8 * radius else 1
    image = np.asarray(Image.fromarray(rgb).reduce(factor), np.float32) / 255.0
    a = np.asarray(Image.fromarray(alpha).reduce(factor), np.float32) / 255.0
    sides = []
    for weight in ((1.0 - a) ** 2, a**2):
        # OpenCV weighs the colours: numpy's loop over a last axis of three
        # is several times slower.
        weighted = cv2.cvtColor(
            cv2.multiply(image, cv2.merge([weight] * 3)), cv2.COLOR_RGB2RGBA
        )
        weighted[..., 3] = weight
        means = refine.box_mean(weighted, max(1, radius // factor))
        means = refine.sample_at(means, at[0], at[1], alpha.shape)
        sides.append(means[:, :3] / np.maximum(means[:, 3:], 1e-6))
    background, foreground = sides
    return background, foreground


__all__ = [
    "Cutout",
    "WeightsUnavailable",
    "cut_out",
    "decontaminate",
    "get_model",
    "mask_at_size",
    "predict_mask",
    "product_box",
    "warm_up",
]
