"""A look: the one small value that, with the photo, decides the output.

A look is JSON-serializable, so it travels in recipe links, recipe files and
API calls. :meth:`Look.from_dict` is the single gate every outside look passes:
unknown keys, wrong types and out-of-range values are refused there, before any
work is done.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from lite_app.errors import LookInvalid

logger = logging.getLogger(__name__)

LOOK_VERSION = 1
GENERATE_MODES = ("", "backdrop", "around")
MAX_PROMPT_CHARS = 1000
MAX_LOOK_JSON_BYTES = 64 * 1024
# A look is a few levels deep (look -> mask_edits -> stroke -> points -> point).
MAX_NESTING = 8
# Brush strokes on the mask: how many, how many points each, how wide.
MAX_MASK_EDITS = 256
MAX_STROKE_POINTS = 256
MAX_STROKE_RADIUS = 0.2
STROKE_MODES = ("add", "erase")

# (low, high) for every number a look carries.
RANGES: dict[str, tuple[float, float]] = {
    "scale": (0.05, 1.0),
    "offset_x": (-0.5, 0.5),
    "offset_y": (-0.5, 0.5),
    "shadow": (0.0, 1.0),
    "seed": (0, 2**31 - 1),
}


@dataclass(frozen=True)
class Look:
    """Scene, target, placement, shadow and seed: everything but the photo.

    ``scale`` is the product's share of the canvas's shorter side; the offsets
    move it by a share of the canvas (positive is right and down).
    """

    scene: str = "cloud-sky"
    scene_params: dict[str, Any] = field(default_factory=dict)
    prompt: str = ""
    generate: str = ""
    target: str = "smartstore"
    scale: float = 0.75
    offset_x: float = 0.0
    offset_y: float = 0.0
    shadow: float = 0.6
    reflection: bool = False
    seed: int = 0
    new_cutout: bool = False
    box: tuple[int, int, int, int] | None = None
    # Brush strokes on the cutout's mask, laid on in order: each is
    # {"mode": "add" | "erase", "points": [[x, y], ...] as shares of the
    # photo's width and height, "radius": a share of its longer side}.
    mask_edits: tuple[dict[str, Any], ...] = ()
    version: int = LOOK_VERSION

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["box"] = list(self.box) if self.box else None
        data["mask_edits"] = [
            {**stroke, "points": [list(p) for p in stroke["points"]]}
            for stroke in self.mask_edits
        ]
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True)

    def with_changes(self, **changes: Any) -> Look:
        """A new look with some fields changed, validated like any outside look."""
        return Look.from_dict({**self.to_dict(), **changes})

    @classmethod
    def from_json(cls, text: str | bytes) -> Look:
        if len(text) > MAX_LOOK_JSON_BYTES:
            raise _invalid("too large", "룩 데이터가 너무 큽니다.")
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise _invalid("not valid JSON", "룩 데이터를 읽을 수 없습니다.") from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Look:
        """Validate an outside look and build it; the only way in from outside."""
        if not isinstance(data, dict):
            raise _invalid("must be an object", "룩 형식이 올바르지 않습니다.")
        if _nesting_depth(data) > MAX_NESTING:
            raise _invalid("nested too deeply", "룩 데이터가 너무 깊게 겹쳐 있습니다.")
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise _invalid(
                f"unknown settings: {', '.join(unknown)[:200]}",
                "알 수 없는 설정이 들어 있습니다.",
            )
        look = replace(cls(), **{key: data[key] for key in data})
        return _checked(look)


def _invalid(detail_en: str, detail_ko: str) -> LookInvalid:
    return LookInvalid(
        f"룩(장면 설정)이 올바르지 않습니다: {detail_ko}",
        f"The look is not valid: {detail_en}.",
        detail=detail_en,
    )


def _checked(look: Look) -> Look:
    """Check types and ranges; return the look with numbers normalized."""
    if look.version != LOOK_VERSION:
        raise _invalid(f"version {look.version!r} is not supported", "버전 오류")
    _check_text(look.scene, "scene", 64)
    _check_text(look.target, "target", 32)
    _check_text(look.prompt, "prompt", MAX_PROMPT_CHARS)
    if look.generate not in GENERATE_MODES:
        raise _invalid("generate must be backdrop or around", "생성 방식 오류")
    if not isinstance(look.scene_params, dict) or len(look.scene_params) > 16:
        raise _invalid("scene_params must be a small object", "장면 옵션 오류")
    for flag in ("reflection", "new_cutout"):
        if not isinstance(getattr(look, flag), bool):
            raise _invalid(f"{flag} must be true or false", f"{flag} 값 오류")
    numbers = {name: _number_in_range(look, name) for name in RANGES}
    numbers["seed"] = int(numbers["seed"])
    return replace(
        look,
        box=_checked_box(look.box),
        mask_edits=_checked_mask_edits(look.mask_edits),
        **numbers,
    )


def _check_text(value: Any, name: str, limit: int) -> None:
    if not isinstance(value, str) or len(value) > limit:
        raise _invalid(f"{name} must be text up to {limit} characters", f"{name} 오류")


def _number_in_range(look: Look, name: str) -> float:
    value = getattr(look, name)
    low, high = RANGES[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _invalid(f"{name} must be a number", f"{name} 값은 숫자여야 합니다")
    if not math.isfinite(value):
        raise _invalid(f"{name} must be a finite number", f"{name} 값이 너무 큽니다")
    if name == "seed" and value != int(value):
        raise _invalid("seed must be a whole number", "seed 값은 정수여야 합니다")
    if not low <= value <= high:
        raise _invalid(
            f"{name} must be between {low:g} and {high:g}, got {value!r}",
            f"{name} 값은 {low:g}~{high:g} 사이여야 합니다",
        )
    return value


def _checked_box(box: Any) -> tuple[int, int, int, int] | None:
    if box is None:
        return None
    if (
        not isinstance(box, list | tuple)
        or len(box) != 4
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in box)
    ):
        raise _invalid("box must be four whole numbers x0,y0,x1,y1", "상자 좌표 오류")
    x0, y0, x1, y1 = box
    if min(box) < 0 or x1 <= x0 or y1 <= y0:
        raise _invalid("box must have x0<x1 and y0<y1, all >= 0", "상자 좌표 오류")
    return (x0, y0, x1, y1)


def _nesting_depth(data: Any) -> int:
    """How deeply lists and objects nest, counted without recursion."""
    deepest, waiting = 0, [(data, 1)]
    while waiting:
        value, depth = waiting.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        children = value.values() if isinstance(value, dict) else value
        if isinstance(value, (dict, list)):
            waiting.extend((child, depth + 1) for child in children)
    return deepest


def _checked_mask_edits(edits: Any) -> tuple[dict[str, Any], ...]:
    if not isinstance(edits, list | tuple) or len(edits) > MAX_MASK_EDITS:
        raise _invalid(
            f"mask_edits must be a list of at most {MAX_MASK_EDITS} strokes",
            "브러시 수정 오류",
        )
    return tuple(_checked_stroke(stroke) for stroke in edits)


def _checked_stroke(stroke: Any) -> dict[str, Any]:
    if not isinstance(stroke, dict) or set(stroke) != {"mode", "points", "radius"}:
        raise _invalid("a stroke must have mode, points and radius", "브러시 수정 오류")
    if stroke["mode"] not in STROKE_MODES:
        raise _invalid("a stroke's mode must be add or erase", "브러시 수정 오류")
    radius = stroke["radius"]
    if (
        isinstance(radius, bool)
        or not isinstance(radius, int | float)
        or not 0 < radius <= MAX_STROKE_RADIUS
    ):
        raise _invalid(
            f"a stroke's radius must be above 0 and at most {MAX_STROKE_RADIUS:g}",
            "브러시 크기 오류",
        )
    points = stroke["points"]
    if (
        not isinstance(points, list | tuple)
        or not 1 <= len(points) <= MAX_STROKE_POINTS
    ):
        raise _invalid(
            f"a stroke must have 1 to {MAX_STROKE_POINTS} points", "브러시 수정 오류"
        )
    return {
        "mode": stroke["mode"],
        "points": tuple(_checked_point(point) for point in points),
        "radius": float(radius),
    }


def _checked_point(point: Any) -> tuple[float, float]:
    if (
        not isinstance(point, list | tuple)
        or len(point) != 2
        or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1
            for v in point
        )
    ):
        raise _invalid(
            "a stroke's points must be [x, y] between 0 and 1", "브러시 좌표 오류"
        )
    return (float(point[0]), float(point[1]))
