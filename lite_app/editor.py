"""``edit(photo, look) -> Result``: the one call every door uses.

Like a pipeline call, it reads as numbered steps: check, intake, cutout, scene,
compose, export. Everything that can be refused is refused in step 0, before
any model runs or anything is charged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from PIL import Image

from lite_app import cutout as cutouts
from lite_app import memory
from lite_app.compose import Placement, enlargement, place_and_compose
from lite_app.config import settings
from lite_app.errors import LiteError, LookInvalid
from lite_app.export import Target, encode, file_name, parse_target
from lite_app.generate_step import StepCallback, StopCheck, generate_scene
from lite_app.intake import MIN_SIDE, Photo, load_photo
from lite_app.look import RANGES, Look
from lite_app.scenes import presets

logger = logging.getLogger(__name__)

PREVIEW_SIDE = 512
# Work at this multiple of the canvas's longer side: enough detail for the
# product's edges, far less than a 4000 px phone photo.
WORKING_FACTOR = 1.5
TRANSPARENT_WORKING_SIDE = 2000
TRANSPARENT_MARGIN = 0.05
# Cutouts kept for reuse (each a few MB at working size).
RECENT_CUTOUTS = 8
# A product scaled up more than this many times to take its place looks soft.
MAX_ENLARGEMENT = 2.0

SOURCE_KO = {"papago": "파파고 번역", "cache": "저장된 번역", "glossary": "내장 사전"}

PhotoSource = bytes | str | os.PathLike[str] | BinaryIO


@dataclass(frozen=True)
class Note:
    """Something the seller should know about this result, in both languages."""

    ko: str
    en: str

    def text(self, language: str = "ko") -> str:
        return self.en if language == "en" else self.ko


@dataclass(frozen=True)
class Result:
    """The finished image, its file bytes, and how it was made."""

    image: Image.Image
    data: bytes
    format: str
    filename: str
    target: str
    look: Look
    scene: str
    result_key: str
    cutout: cutouts.Cutout
    notes: tuple[Note, ...] = ()
    quality: int | None = None
    generated: bool = False
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size


@dataclass(frozen=True)
class SceneChoice:
    scene_id: str
    params: dict[str, object]
    notes: tuple[Note, ...] = ()
    english: str = ""  # the prompt in English, for a scene generator


def edit(
    photo: PhotoSource | Photo,
    look: Look | None = None,
    *,
    preview: bool = False,
    photo_name: str | None = None,
    download_weights: bool = False,
    on_step: StepCallback | None = None,
    should_stop: StopCheck | None = None,
) -> Result:
    """Cut the product out of ``photo`` and set it on the look's scene.

    ``preview`` makes a small free image (longer side at most 512 px) for
    choosing a scene. ``download_weights`` lets a command-line run fetch the
    model on first use; the web app never waits on a download. ``on_step``
    and ``should_stop`` report progress and cancel a generated scene.
    """
    memory.reuse_freed_pixels()
    look = look or Look()
    timer = _Timer()

    # 0. Check everything that can be refused before spending anything.
    target, scene_choice = check_look(look)
    canvas_size = _canvas_size(target, preview)

    # 1. Intake: decode, orient, convert, at a working size for this canvas.
    loaded = photo if isinstance(photo, Photo) else _load(photo, target, canvas_size)
    check_box(look.box, loaded)
    timer.lap("intake")

    # 2. Cutout: the photo's own transparency, or the model's mask.
    cutout = _cut_out(loaded, look, download_weights)
    timer.lap("cutout")

    if target.size is None:
        image = _transparent_cutout(cutout, preview)
        return _finish(image, target, look, scene_choice, cutout, timer, photo_name)

    # 3. Scene: rendered once per (id, params, size, seed) and reused.
    scene = presets.render_scene(
        scene_choice.scene_id, canvas_size, scene_choice.params, look.seed
    )
    timer.lap("scene")

    # 4. Compose: place, shadow, and lay the untouched product on top. A
    # generated scene replaces the rendered one when a model can make it.
    placement = placement_of(look)
    small = small_product_notes(cutout, canvas_size, look.scale)
    scene_choice = replace(scene_choice, notes=scene_choice.notes + small)
    made = None
    if look.generate:
        made = generate_scene(
            cutout, look, scene_choice, scene, on_step, should_stop, preview=preview
        )
        notes = tuple(Note(ko, en) for ko, en in made.notes)
        scene_choice = replace(scene_choice, notes=scene_choice.notes + notes)
    if made is not None and made.image is not None:
        image = made.image
    else:
        image = place_and_compose(
            scene.image, cutout, placement, scene.floor_y, glossy=scene.glossy
        )
    timer.lap("compose")

    # 5. Export happens in _finish: format, byte cap, no personal metadata.
    result = _finish(image, target, look, scene_choice, cutout, timer, photo_name)
    return replace(result, generated=bool(made and made.image is not None))


def check_look(look: Look) -> tuple[Target, SceneChoice]:
    """Refuse an unknown target or scene, or bad scene params; no work done yet."""
    target = parse_target(look.target)
    if look.generate and not look.prompt.strip():
        raise LookInvalid(
            "AI 장면을 만들려면 원하는 배경을 글로 적어 주세요.",
            "Describe the scene in words to generate it.",
        )
    scene_choice = choose_scene(look)
    presets.checked_params(scene_choice.scene_id, scene_choice.params)
    return target, scene_choice


def placement_of(look: Look) -> Placement:
    return Placement(
        scale=look.scale,
        offset_x=look.offset_x,
        offset_y=look.offset_y,
        shadow=look.shadow,
        reflection=look.reflection,
    )


def choose_scene(look: Look) -> SceneChoice:
    """The preset and params a look asks for; free text is mapped to a preset."""
    if not look.prompt.strip():
        return SceneChoice(look.scene, dict(look.scene_params))
    from lite_app.words import match_scene

    match = match_scene(look.prompt)
    params = {**match.params, **look.scene_params}
    translation = match.translation
    notes = [Note(match.reason_ko, match.reason_en)]
    if translation.source != "passthrough":
        notes.append(
            Note(
                f"영어로: {translation.english} ({SOURCE_KO[translation.source]})",
                f"In English: {translation.english} ({translation.source})",
            )
        )
    if translation.note_ko or translation.note_en:
        notes.append(Note(translation.note_ko, translation.note_en))
    return SceneChoice(match.scene, params, tuple(notes), translation.english)


def check_box(box: tuple[int, int, int, int] | None, photo: Photo) -> None:
    """Refuse a box that cannot hold a product: outside the photo or too small.

    The box is in the upright photo's own pixels; only its part inside the
    photo counts, and that part must be as large as the smallest photo taken.
    """
    if box is None:
        return
    width, height = photo.original_size
    x0, y0, x1, y1 = box
    inside = (min(x1, width) - min(x0, width), min(y1, height) - min(y0, height))
    if min(inside) >= MIN_SIDE:
        return
    given = f"{x0},{y0},{x1},{y1}"
    if min(inside) <= 0:
        raise LookInvalid(
            f"상품 둘레 상자({given})가 사진({width}x{height} 픽셀) 밖에 있습니다. "
            "상품이 있는 곳에 상자를 다시 그려 주세요.",
            f"The box around the product ({given}) lies outside the photo "
            f"({width}x{height} pixels). Draw the box where the product is.",
            box=box,
        )
    raise LookInvalid(
        f"상품 둘레 상자가 너무 작습니다: 사진 안에서 {inside[0]}x{inside[1]} "
        f"픽셀입니다. 상품 전체를 감싸도록 가로세로 {MIN_SIDE}픽셀 이상으로 "
        "그려 주세요.",
        f"The box around the product is too small: {inside[0]}x{inside[1]} pixels "
        f"inside the photo. Draw it around the whole product, at least {MIN_SIDE} "
        "pixels wide and tall.",
        box=box,
    )


def small_product_notes(
    cutout: cutouts.Cutout, canvas_size: tuple[int, int], scale: float
) -> tuple[Note, ...]:
    """A note when the product is scaled up so far that it may look blurry."""
    factor = enlargement(cutout.bbox, canvas_size, scale)
    if factor <= MAX_ENLARGEMENT:
        return ()
    x0, y0, x1, y1 = cutout.bbox
    # The product size at which it would be scaled up at most MAX_ENLARGEMENT.
    fitting = MAX_ENLARGEMENT * max(x1 - x0, y1 - y0) / min(canvas_size)
    fitting = int(fitting * 100) / 100
    advice_ko, advice_en = "쓰세요.", "."
    if fitting >= RANGES["scale"][0]:
        advice_ko = f"쓰거나, 상품 크기를 {fitting:g} 이하로 줄여 보세요."
        advice_en = f", or set the product size (scale) to {fitting:g} or less."
    korean = (
        f"상품이 사진에서 작게 찍혀 약 {factor:.1f}배로 키웠기 때문에 흐릿해 보일 수 "
        f"있습니다. 상품을 더 가까이에서 찍은 사진을 {advice_ko}"
    )
    english = (
        f"The product was small in the photo and was enlarged about {factor:.1f} "
        f"times, so it may look blurry. Use a photo taken closer to the product"
        f"{advice_en}"
    )
    return (Note(korean, english),)


def working_side(target: Target, canvas_size: tuple[int, int]) -> int:
    if target.size is None:
        return TRANSPARENT_WORKING_SIDE
    return round(max(canvas_size) * WORKING_FACTOR)


def result_key(photo_bytes: bytes, look: Look) -> str:
    """Same photo and look, same key: a repeat download of one result."""
    digest = hashlib.sha256(photo_bytes)
    digest.update(look.to_json().encode())
    return digest.hexdigest()


def _canvas_size(target: Target, preview: bool) -> tuple[int, int]:
    if target.size is None:
        return (TRANSPARENT_WORKING_SIDE, TRANSPARENT_WORKING_SIDE)
    width, height = target.size
    if not preview or max(width, height) <= PREVIEW_SIDE:
        return width, height
    factor = PREVIEW_SIDE / max(width, height)
    return max(1, round(width * factor)), max(1, round(height * factor))


def _load(source: PhotoSource, target: Target, canvas_size: tuple[int, int]) -> Photo:
    return load_photo(source, max_side=working_side(target, canvas_size))


def _cut_out(photo: Photo, look: Look, download: bool) -> cutouts.Cutout:
    key = _cutout_key(photo, look)
    cached = _recent_cutouts.get(key)
    if cached is not None:
        logger.debug("cutout reused for an unchanged photo and hints")
        return cached
    edits = look.mask_edits
    if photo.has_alpha and not look.new_cutout:
        alpha = photo.image.getchannel("A")
        made = cutouts.cut_out(photo.image, alpha=alpha, mask_edits=edits)
    else:
        box = working_box(look.box, photo)
        made = cutouts.cut_out(
            photo.image, download=download, box=box, mask_edits=edits
        )
    _recent_cutouts.put(key, made)
    return made


def _cutout_key(photo: Photo, look: Look) -> str:
    """Everything a cutout depends on: the working pixels, the hints, the model."""
    digest = hashlib.blake2b(photo.image.tobytes(), digest_size=20)
    hints = {
        "size": photo.image.size,
        "mode": photo.image.mode,
        "box": look.box,
        "edits": look.to_dict()["mask_edits"],
        "new": look.new_cutout,
        "model": settings().cutout_model,
    }
    digest.update(json.dumps(hints, sort_keys=True, default=list).encode())
    return digest.hexdigest()


class _RecentCutouts:
    """The last few cutouts, so a seller trying scenes and targets on one photo
    pays for the model once. Bounded, so memory stays flat under load."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, cutouts.Cutout] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> cutouts.Cutout | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: str, cutout: cutouts.Cutout) -> None:
        with self._lock:
            self._items[key] = cutout
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_recent_cutouts = _RecentCutouts(RECENT_CUTOUTS)


def working_box(
    box: tuple[int, int, int, int] | None, photo: Photo
) -> tuple[int, int, int, int] | None:
    """The look's box (full-size photo pixels) on the downscaled working photo."""
    if box is None:
        return None
    factor = photo.image.width / photo.original_size[0]
    x0, y0, x1, y1 = (round(v * factor) for v in box)
    width, height = photo.image.size
    x0, x1 = min(x0, width - 1), min(max(x1, x0 + 1), width)
    y0, y1 = min(y0, height - 1), min(max(y1, y0 + 1), height)
    return (x0, y0, x1, y1)


def _transparent_cutout(cutout: cutouts.Cutout, preview: bool) -> Image.Image:
    """The product alone on transparency, cropped with a small margin."""
    x0, y0, x1, y1 = cutout.bbox
    margin = round(TRANSPARENT_MARGIN * max(x1 - x0, y1 - y0))
    width, height = cutout.photo.size
    box = (max(0, x0 - margin), max(0, y0 - margin))
    box += (min(width, x1 + margin), min(height, y1 + margin))
    image = cutout.rgba().crop(box)
    if preview:
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    return image


def _finish(
    image: Image.Image,
    target: Target,
    look: Look,
    scene_choice: SceneChoice,
    cutout: cutouts.Cutout,
    timer: _Timer,
    photo_name: str | None,
) -> Result:
    data, quality = encode(image, target)
    timer.lap("export")
    key = result_key(cutout.photo.tobytes(), look)
    logger.info(
        "edit done: target=%s scene=%s %s", target.name, scene_choice.scene_id, timer
    )
    return Result(
        image=image,
        data=data,
        format=target.format,
        filename=file_name(photo_name, target),
        target=target.name,
        look=look,
        scene=scene_choice.scene_id if target.size else "transparent",
        result_key=key,
        cutout=cutout,
        notes=scene_choice.notes + tuple(Note(ko, en) for ko, en in cutout.warnings),
        quality=quality,
        seconds=timer.laps,
    )


class _Timer:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 4)
        self._last = now

    def __str__(self) -> str:
        return " ".join(f"{name}={seconds:.3f}s" for name, seconds in self.laps.items())


__all__ = ["LiteError", "Note", "Result", "edit", "result_key"]
