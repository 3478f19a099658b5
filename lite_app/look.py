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
from decimal import Decimal
from typing import Any

from lite_app.errors import LookInvalid

logger = logging.getLogger(__name__)

LOOK_VERSION = 1
GENERATE_MODES = ("", "backdrop", "around")
MAX_PROMPT_CHARS = 1000
MAX_LOOK_JSON_BYTES = 64 * 1024
# A look is a few levels deep (look -> mask_edits -> stroke -> points -> point).
MAX_NESTING = 8
MAX_SCENE_PARAMS = 16
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
            limit_kb, got_kb = MAX_LOOK_JSON_BYTES // 1024, -(-len(text) // 1024)
            raise _invalid(
                f"it is {got_kb:,} KB, and a look may be at most {limit_kb} KB",
                f"룩 데이터는 {limit_kb}KB까지인데 {got_kb:,}KB를 받았습니다.",
            )
        try:
            data = json.loads(text)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise _invalid(
                'it is not valid JSON (settings written like {"scale": 0.5})',
                "룩 데이터를 읽을 수 없습니다. "
                '{"scale": 0.5}처럼 적은 JSON이어야 합니다.',
            ) from error
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: Any) -> Look:
        """Validate an outside look and build it; the only way in from outside."""
        if not isinstance(data, dict):
            raise _invalid(
                f"it must be an object of settings in {{ }}, got {_kind_en(data)}",
                "룩은 { } 안에 설정을 적은 JSON 객체여야 합니다. "
                f"받은 값: {_kind_ko(data)}",
            )
        if _nesting_depth(data) > MAX_NESTING:
            raise _invalid(
                f"settings are nested too deeply (at most {MAX_NESTING} levels)",
                f"설정이 너무 깊게 겹쳐 있습니다. "
                f"{MAX_NESTING}단계까지 겹칠 수 있습니다.",
            )
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            names = ", ".join(unknown)[:200]
            raise _invalid(
                f"unknown settings: {names}",
                f"알 수 없는 설정이 들어 있습니다: {names}",
            )
        look = replace(cls(), **{key: data[key] for key in data})
        return _checked(look)


# Each setting in the seller's words: the Korean as the subject of a sentence
# (with its particle) and the English with the key an API caller writes.
FIELD_WORDS: dict[str, tuple[str, str]] = {
    "scene": ("배경 장면 이름은", "scene (the scene's name)"),
    "target": ("판매처(크기) 이름은", "target (marketplace / size)"),
    "prompt": ("배경을 적은 글은", "prompt (the scene in words)"),
    "scale": ("상품 크기는", "scale (product size)"),
    "offset_x": ("좌우 위치는", "offset_x (left / right)"),
    "offset_y": ("위아래 위치는", "offset_y (up / down)"),
    "shadow": ("그림자 세기는", "shadow (shadow strength)"),
    "seed": ("무늬 번호는", "seed (pattern number)"),
    "reflection": ("바닥 반사 설정은", "reflection (glossy floor)"),
    "new_cutout": (
        "'투명 사진도 새로 누끼 따기' 설정은",
        "new_cutout (cut out again even if transparent)",
    ),
}
STROKE_KO = "누끼 다듬기 브러시"
# Numbers this large are shown as words, not as a long row of digits.
LARGEST_SHOWN = 1e15


def _invalid(detail_en: str, detail_ko: str) -> LookInvalid:
    return LookInvalid(
        f"룩(장면 설정)이 올바르지 않습니다: {detail_ko}",
        f"The look is not valid: {detail_en}.",
        detail=detail_en,
    )


def _number_text(value: float, language: str) -> str:
    """A number as a person writes it: 2,147,483,647 or 0.05, never 2.1e+09."""
    if math.isnan(value):
        return "숫자가 아닌 값(NaN)" if language == "ko" else "NaN (not a number)"
    if abs(value) >= LARGEST_SHOWN:
        return "아주 큰 수" if language == "ko" else "a very large number"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{Decimal(repr(float(value))):,f}"


def _given(value: Any, language: str) -> str:
    """What was received, short and readable."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number_text(value, language)
    if value is None:
        return "null"
    try:
        shown = json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def _kind_ko(value: Any) -> str:
    return "목록" if isinstance(value, list | tuple) else _given(value, "ko")


def _kind_en(value: Any) -> str:
    return "a list" if isinstance(value, list | tuple) else _given(value, "en")


def _checked(look: Look) -> Look:
    """Check types and ranges; return the look with numbers normalized."""
    if look.version != LOOK_VERSION:
        given_ko, given_en = _given(look.version, "ko"), _given(look.version, "en")
        raise _invalid(
            f"version must be {LOOK_VERSION} (the only one there is), got {given_en}",
            f"룩 버전은 {LOOK_VERSION}이어야 합니다. 받은 값: {given_ko}",
        )
    _check_text(look.scene, "scene", 64)
    _check_text(look.target, "target", 32)
    _check_text(look.prompt, "prompt", MAX_PROMPT_CHARS)
    if look.generate not in GENERATE_MODES:
        raise _invalid(
            "generate must be empty (off), backdrop or around, "
            f"got {_given(look.generate, 'en')}",
            "장면 새로 그리기 방식은 빈 값(끄기), backdrop(배경만 그리기), "
            "around(상품 둘레까지 그리기) 중 하나여야 합니다. "
            f"받은 값: {_given(look.generate, 'ko')}",
        )
    _check_scene_params(look.scene_params)
    for flag in ("reflection", "new_cutout"):
        _check_flag(getattr(look, flag), flag)
    numbers = {name: _number_in_range(look, name) for name in RANGES}
    numbers["seed"] = int(numbers["seed"])
    return replace(
        look,
        box=_checked_box(look.box),
        mask_edits=_checked_mask_edits(look.mask_edits),
        **numbers,
    )


def _check_text(value: Any, name: str, limit: int) -> None:
    if isinstance(value, str) and len(value) <= limit:
        return
    topic, words = FIELD_WORDS[name]
    if isinstance(value, str):
        got_en, got_ko = f"{len(value):,} characters", f"{len(value):,}자"
    else:
        got_en = _given(value, "en")
        got_ko = f"글이 아닌 값 {_given(value, 'ko')}"
    raise _invalid(
        f"{words} must be text of at most {limit:,} characters, got {got_en}",
        f"{topic} {limit:,}자 이하의 글이어야 합니다. 받은 값: {got_ko}",
    )


def _check_scene_params(params: Any) -> None:
    if isinstance(params, dict) and len(params) <= MAX_SCENE_PARAMS:
        return
    if isinstance(params, dict):
        got_en, got_ko = f"{len(params)} settings", f"{len(params)}개"
    else:
        got_en, got_ko = _kind_en(params), _kind_ko(params)
    raise _invalid(
        f"scene_params (the scene's options) must be an object of at most "
        f"{MAX_SCENE_PARAMS} settings, got {got_en}",
        f"배경 장면의 세부 설정은 {MAX_SCENE_PARAMS}개 이하의 설정 묶음({{ }})이어야 "
        f"합니다. 받은 값: {got_ko}",
    )


def _check_flag(value: Any, name: str) -> None:
    if isinstance(value, bool):
        return
    topic, words = FIELD_WORDS[name]
    raise _invalid(
        f"{words} must be true or false, got {_given(value, 'en')}",
        f"{topic} true(켜기) 또는 false(끄기)여야 합니다. "
        f"받은 값: {_given(value, 'ko')}",
    )


def _number_in_range(look: Look, name: str) -> float:
    value = getattr(look, name)
    low, high = RANGES[name]
    topic, words = FIELD_WORDS[name]
    span_en = f"from {_number_text(low, 'en')} to {_number_text(high, 'en')}"
    span_ko = f"{_number_text(low, 'ko')}~{_number_text(high, 'ko')} 사이의"
    kind_en, kind_ko = (
        ("whole number", "정수") if name == "seed" else ("number", "숫자")
    )
    usable = isinstance(value, int | float) and not isinstance(value, bool)
    if (
        not usable
        or not math.isfinite(value)
        or (name == "seed" and value != int(value))
        or not low <= value <= high
    ):
        got_ko = _given(value, "ko")
        if usable and math.isinf(value):
            got_ko, got_en = "무한대", "infinity"
        elif usable:
            got_en = _given(value, "en")
        else:
            got_ko, got_en = f"숫자가 아닌 값 {got_ko}", _given(value, "en")
        raise _invalid(
            f"{words} must be a {kind_en} {span_en}, got {got_en}",
            f"{topic} {span_ko} {kind_ko}여야 합니다. 받은 값: {got_ko}",
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
        raise _invalid(
            "box (the box around the product) must be four whole numbers "
            f"x0,y0,x1,y1 in photo pixels, got {_given(box, 'en')}",
            "상품 둘레 상자는 사진 픽셀 단위의 정수 네 개(왼쪽, 위, 오른쪽, 아래)여야 "
            f"합니다. 받은 값: {_given(box, 'ko')}",
        )
    x0, y0, x1, y1 = box
    if min(box) < 0 or x1 <= x0 or y1 <= y0:
        shown = ",".join(str(v) for v in box)
        raise _invalid(
            "box (the box around the product) must have x0<x1 and y0<y1, "
            f"all 0 or more, got {shown}",
            "상품 둘레 상자는 왼쪽이 오른쪽보다, 위가 아래보다 작고 모든 값이 0 "
            f"이상이어야 합니다. 받은 값: {shown}",
        )
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
        if isinstance(edits, list | tuple):
            got_en, got_ko = f"{len(edits):,} strokes", f"{len(edits):,}개"
        else:
            got_en, got_ko = _given(edits, "en"), _given(edits, "ko")
        raise _invalid(
            f"mask_edits (brush strokes on the cutout) must be a list of at most "
            f"{MAX_MASK_EDITS} strokes, got {got_en}",
            f"{STROKE_KO} 획은 {MAX_MASK_EDITS}개 이하의 목록이어야 합니다. "
            f"받은 값: {got_ko}",
        )
    return tuple(_checked_stroke(stroke) for stroke in edits)


def _checked_stroke(stroke: Any) -> dict[str, Any]:
    if not isinstance(stroke, dict) or set(stroke) != {"mode", "points", "radius"}:
        raise _invalid(
            "a brush stroke must have exactly mode, points and radius, "
            f"got {_given(stroke, 'en')}",
            f"{STROKE_KO} 획에는 종류, 점 목록, 굵기만 "
            f"있어야 합니다. 받은 값: {_given(stroke, 'ko')}",
        )
    if stroke["mode"] not in STROKE_MODES:
        raise _invalid(
            f"a brush stroke's mode must be add or erase, "
            f"got {_given(stroke['mode'], 'en')}",
            f"{STROKE_KO} 획의 종류는 add(더하기) 또는 erase(지우기)여야 합니다. "
            f"받은 값: {_given(stroke['mode'], 'ko')}",
        )
    radius = stroke["radius"]
    if (
        isinstance(radius, bool)
        or not isinstance(radius, int | float)
        or not 0 < radius <= MAX_STROKE_RADIUS
    ):
        raise _invalid(
            "a brush stroke's radius (a share of the photo's longer side) must be "
            f"above 0 and at most {MAX_STROKE_RADIUS:g}, got {_given(radius, 'en')}",
            f"{STROKE_KO} 굵기는 사진 긴 변에 대한 비율로 0보다 크고 "
            f"{MAX_STROKE_RADIUS:g} 이하여야 합니다. 받은 값: {_given(radius, 'ko')}",
        )
    points = stroke["points"]
    if (
        not isinstance(points, list | tuple)
        or not 1 <= len(points) <= MAX_STROKE_POINTS
    ):
        if isinstance(points, list | tuple):
            got_en, got_ko = f"{len(points):,} points", f"{len(points):,}개"
        else:
            got_en, got_ko = _given(points, "en"), _given(points, "ko")
        raise _invalid(
            f"a brush stroke must have 1 to {MAX_STROKE_POINTS} points, got {got_en}",
            f"{STROKE_KO} 획에는 점이 1~{MAX_STROKE_POINTS}개 있어야 합니다. "
            f"받은 값: {got_ko}",
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
            "a brush stroke's points must be [x, y], each a share of the photo "
            f"from 0 to 1, got {_given(point, 'en')}",
            f"{STROKE_KO}의 점은 사진 가로, 세로에 대한 0~1 사이 비율 두 개 [x, y]여야 "
            f"합니다. 받은 값: {_given(point, 'ko')}",
        )
    return (float(point[0]), float(point[1]))
