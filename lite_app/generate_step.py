"""The generated-scene step of an edit, with its fallback.

A generated scene never changes the product: the final composite puts the
original product pixels back on top. Where no model can be loaded or run, the
edit keeps the rendered preset that the seller's words map to, and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from lite_app.compose import compose, place
from lite_app.errors import GenerationUnavailable

logger = logging.getLogger(__name__)

StepCallback = Callable[[int, int], None]
StopCheck = Callable[[], bool]

PREVIEW_NOTE = (
    "미리보기는 기본 장면입니다. AI 장면은 고화질로 만들 때 그려집니다.",
    "The preview shows a rendered scene; the generated one is painted for the "
    "full-size image.",
)


@dataclass(frozen=True)
class GeneratedOutcome:
    """The finished canvas (None: fall back to the rendered scene) and notes."""

    image: Image.Image | None
    notes: tuple[tuple[str, str], ...] = ()


def generate_scene(
    cutout: Any,
    look: Any,
    choice: Any,
    rendered: Any,
    on_step: StepCallback | None,
    should_stop: StopCheck | None,
    *,
    preview: bool = False,
) -> GeneratedOutcome:
    """Run the look's generator (backdrop or around); fall back on failure.

    A free preview never runs the generator: it shows the rendered scene.
    """
    if preview:
        return GeneratedOutcome(None, (PREVIEW_NOTE,))
    from lite_app.editor import placement_of
    from lite_app.scenes import generated

    placement = placement_of(look)
    english = choice.english or look.prompt
    hooks = {"seed": look.seed, "on_step": on_step, "should_stop": should_stop}
    try:
        if look.generate == "around":
            placed = place(cutout, rendered.image.size, placement, rendered.floor_y)
            canvas = compose(rendered.image, placed, replace(placement, shadow=0.0))
            mask = Image.new("L", canvas.size, 0)
            mask.paste(placed.mask, placed.position)
            made = generated.generate_around(canvas, mask, english, **hooks)
            image = Image.composite(canvas, made.image, mask)
        else:
            made = generated.generate_backdrop(english, rendered.image.size, **hooks)
            placed = place(cutout, made.image.size, placement, None)
            image = compose(made.image, placed, placement)
    except GenerationUnavailable as error:
        # The generator logged the failure; the fallback itself is no news.
        logger.info("scene generation unavailable, using %s", choice.scene_id)
        return GeneratedOutcome(None, (_fallback_note(error, choice.scene_id),))
    notes = (_truncated_note(),) if made.truncated else ()
    return GeneratedOutcome(image, notes)


def _fallback_note(error: GenerationUnavailable, scene_id: str) -> tuple[str, str]:
    return (
        f"{error.message_ko} 대신 글에 맞는 기본 장면({scene_id})을 썼습니다.",
        f"{error.message_en} The rendered scene that fits your words "
        f"({scene_id}) was used instead.",
    )


def _truncated_note() -> tuple[str, str]:
    return (
        "설명이 길어 앞부분만 장면 생성에 쓰였습니다.",
        "The description was long; only its beginning was used to generate the scene.",
    )
