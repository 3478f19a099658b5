"""Free text (Korean or English) to the closest rendered scene and its params.

Without a generative model a prompt still has to change the picture: scene
words pick the preset (cloud, marble, wood, sunset...), colour words set its
colours, light and mood words nudge brightness and warmth. Matching runs on
English words, taken from the translation and, for Korean text, also from the
offline glossary, so the choice does not depend on how Papago phrased it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lite_app.words.glossary import glossary_translate
from lite_app.words.papago import PapagoClient
from lite_app.words.protect import has_hangul
from lite_app.words.translation import Translation, translate

DEFAULT_SCENE = "cloud-sky"
SCENES = (
    "cloud-sky",
    "studio-white",
    "studio-gray",
    "pastel-gradient",
    "sunset",
    "marble",
    "wood-table",
    "solid",
)
PARAM_LIMIT = 0.5

# Scene names for the seller, Korean and English.
SCENE_NAMES: dict[str, tuple[str, str]] = {
    "cloud-sky": ("구름 하늘", "cloud sky"),
    "studio-white": ("흰 스튜디오", "white studio"),
    "studio-gray": ("회색 스튜디오", "gray studio"),
    "pastel-gradient": ("파스텔 그라데이션", "pastel gradient"),
    "sunset": ("노을", "sunset"),
    "marble": ("대리석", "marble"),
    "wood-table": ("나무 테이블", "wood table"),
    "solid": ("단색 배경", "solid colour"),
}


@dataclass(frozen=True)
class Rule:
    """English words that, when found, push a scene or nudge the light."""

    words: str  # one phrase, matched on whole words
    label_ko: str
    label_en: str
    scene: str = ""
    weight: int = 0
    brightness: float = 0.0
    warmth: float = 0.0
    colour: str = ""


def _scene(words: str, scene: str, weight: int, ko: str, en: str = "") -> Rule:
    return Rule(words, ko, en or words, scene=scene, weight=weight)


SCENE_RULES: tuple[Rule, ...] = (
    _scene("cloud", "cloud-sky", 3, "구름"),
    _scene("sky", "cloud-sky", 3, "하늘"),
    _scene("heaven", "cloud-sky", 2, "천국"),
    _scene("floating", "cloud-sky", 2, "떠 있는 느낌", "floating"),
    _scene("in the air", "cloud-sky", 2, "공중"),
    _scene("fluffy", "cloud-sky", 1, "몽실몽실"),
    _scene("sea", "cloud-sky", 1, "바다"),
    _scene("ocean", "cloud-sky", 1, "바다"),
    _scene("studio", "studio-white", 2, "스튜디오"),
    _scene("white background", "studio-white", 4, "흰 배경"),
    _scene("white backdrop", "studio-white", 4, "흰 배경"),
    _scene("clean", "studio-white", 1, "깔끔함"),
    _scene("minimal", "studio-white", 1, "미니멀"),
    _scene("simple", "studio-white", 1, "심플"),
    _scene("gray background", "studio-gray", 4, "회색 배경"),
    _scene("grey background", "studio-gray", 4, "회색 배경"),
    _scene("gray studio", "studio-gray", 4, "회색 스튜디오"),
    _scene("grey studio", "studio-gray", 4, "회색 스튜디오"),
    _scene("concrete", "studio-gray", 2, "콘크리트"),
    _scene("cement", "studio-gray", 2, "시멘트"),
    _scene("industrial", "studio-gray", 2, "인더스트리얼"),
    _scene("monotone", "studio-gray", 1, "모노톤"),
    _scene("pastel", "pastel-gradient", 3, "파스텔"),
    _scene("gradient", "pastel-gradient", 3, "그라데이션"),
    _scene("cute", "pastel-gradient", 1, "귀여움"),
    _scene("lovely", "pastel-gradient", 1, "사랑스러움"),
    _scene("kitsch", "pastel-gradient", 1, "키치"),
    _scene("spring", "pastel-gradient", 1, "봄"),
    _scene("rainbow", "pastel-gradient", 2, "무지개"),
    _scene("sunset", "sunset", 3, "노을"),
    _scene("dusk", "sunset", 3, "해질녘"),
    _scene("twilight", "sunset", 3, "황혼"),
    _scene("golden hour", "sunset", 3, "골든아워"),
    _scene("sunrise", "sunset", 2, "해돋이"),
    _scene("beach", "sunset", 1, "해변"),
    _scene("marble", "marble", 3, "대리석"),
    _scene("stone", "marble", 2, "돌"),
    _scene("granite", "marble", 2, "화강암"),
    _scene("terrazzo", "marble", 2, "테라조"),
    _scene("luxury", "marble", 1, "고급스러움"),
    _scene("luxurious", "marble", 1, "고급스러움"),
    _scene("premium", "marble", 1, "프리미엄"),
    _scene("elegant", "marble", 1, "우아함"),
    _scene("hotel", "marble", 1, "호텔"),
    _scene("wood", "wood-table", 3, "나무"),
    _scene("wooden", "wood-table", 3, "나무"),
    _scene("oak", "wood-table", 3, "오크"),
    _scene("wood grain", "wood-table", 3, "나뭇결"),
    _scene("solid wood", "wood-table", 3, "원목"),
    _scene("desk", "wood-table", 2, "책상"),
    _scene("dining table", "wood-table", 2, "식탁"),
    _scene("cafe", "wood-table", 2, "카페"),
    _scene("kitchen", "wood-table", 2, "주방"),
    _scene("rattan", "wood-table", 2, "라탄"),
    _scene("bamboo", "wood-table", 2, "대나무"),
    _scene("rustic", "wood-table", 2, "투박함"),
    _scene("table", "wood-table", 1, "테이블"),
    _scene("natural", "wood-table", 1, "내추럴"),
    _scene("picnic", "wood-table", 1, "피크닉"),
    _scene("solid colour", "solid", 4, "단색"),
    _scene("solid color", "solid", 4, "단색"),
    _scene("solid", "solid", 3, "단색"),
    _scene("plain", "solid", 2, "무지"),
)

LIGHT_RULES: tuple[Rule, ...] = (
    Rule("bright", "밝은 빛", "bright light", brightness=0.2),
    Rule("sunlight", "햇살", "sunlight", brightness=0.15, warmth=0.1),
    Rule("sunshine", "햇볕", "sunshine", brightness=0.15, warmth=0.1),
    Rule("sunny", "화창함", "sunny", brightness=0.15),
    Rule("sun", "해", "sun", brightness=0.1),
    Rule("morning", "아침 빛", "morning light", brightness=0.1),
    Rule("daylight", "낮의 빛", "daylight", brightness=0.15),
    Rule("daytime", "낮의 빛", "daylight", brightness=0.15),
    Rule("midday", "한낮", "midday", brightness=0.2),
    Rule("radiant", "화사함", "radiant", brightness=0.15),
    Rule("glowing", "빛나는 느낌", "glowing", brightness=0.1),
    Rule("dark", "어두운 빛", "dark", brightness=-0.25),
    Rule("night", "밤", "night", brightness=-0.3, warmth=-0.1),
    Rule("moonlight", "달빛", "moonlight", brightness=-0.2, warmth=-0.1),
    Rule("starlight", "별빛", "starlight", brightness=-0.2),
    Rule("dim", "은은한 빛", "dim light", brightness=-0.15),
    Rule("moody", "무드 있는 빛", "moody light", brightness=-0.15),
    Rule("shadow", "그림자", "shadow", brightness=-0.05),
    Rule("evening", "저녁 빛", "evening light", brightness=-0.1, warmth=0.1),
    Rule("warm", "따뜻한 빛", "warm light", warmth=0.25),
    Rule("cozy", "포근함", "cozy", warmth=0.15),
    Rule("golden", "황금빛", "golden light", warmth=0.2),
    Rule("candlelight", "촛불", "candlelight", brightness=-0.1, warmth=0.25),
    Rule("autumn", "가을", "autumn", warmth=0.15),
    Rule("vintage", "빈티지", "vintage", warmth=0.1),
    Rule("cool", "시원한 빛", "cool light", warmth=-0.2),
    Rule("cold", "차가운 빛", "cold light", warmth=-0.25),
    Rule("winter", "겨울", "winter", warmth=-0.15),
    Rule("snow", "눈", "snow", brightness=0.1, warmth=-0.15),
    Rule("ice", "얼음", "ice", warmth=-0.2),
    Rule("refreshing", "청량함", "refreshing", warmth=-0.15),
    Rule("fresh", "상큼함", "fresh", warmth=-0.05, brightness=0.05),
)

# Colour words and their swatches; longer phrases are tried first.
COLOURS: dict[str, tuple[str, str]] = {
    "white": ("#FFFFFF", "흰색"),
    "pure white": ("#FFFFFF", "흰색"),
    "ivory": ("#FFFFF0", "아이보리"),
    "cream": ("#FFF5DC", "크림색"),
    "beige": ("#E8D8C0", "베이지"),
    "black": ("#1A1A1A", "검은색"),
    "gray": ("#8C8C8C", "회색"),
    "grey": ("#8C8C8C", "회색"),
    "charcoal": ("#3A3A3A", "차콜"),
    "silver": ("#C0C0C0", "은색"),
    "red": ("#D93A3A", "빨간색"),
    "burgundy": ("#800020", "버건디"),
    "wine red": ("#722F37", "와인색"),
    "coral": ("#FF7F6E", "코랄"),
    "orange": ("#FF8C32", "주황색"),
    "apricot": ("#FBCEB1", "살구색"),
    "peach": ("#FFCBA4", "피치"),
    "yellow": ("#FFD84D", "노란색"),
    "gold": ("#D4AF37", "금색"),
    "light green": ("#B5E48C", "연두색"),
    "green": ("#3A9D5D", "초록색"),
    "mint": ("#98E0C8", "민트"),
    "olive": ("#808040", "올리브"),
    "khaki": ("#BDB07E", "카키"),
    "teal": ("#2A9D8F", "청록색"),
    "turquoise": ("#40E0D0", "터콰이즈"),
    "emerald": ("#2E8B57", "에메랄드"),
    "sky blue": ("#87CEEB", "하늘색"),
    "blue": ("#3A6FD9", "파란색"),
    "navy": ("#1F2F5C", "남색"),
    "lavender": ("#C8B6E2", "라벤더"),
    "light purple": ("#CDB4E8", "연보라"),
    "purple": ("#8A5CC2", "보라색"),
    "magenta": ("#C2185B", "자주색"),
    "pink": ("#F4A6C0", "분홍색"),
    "light pink": ("#FAD1DE", "연분홍"),
    "brown": ("#8B5A3C", "갈색"),
    "chestnut brown": ("#6B3E26", "밤색"),
    "cherry blossom": ("#FAD1DE", "벚꽃색"),
    "autumn leaf": ("#D2691E", "단풍색"),
}
WHITE_TONES = frozenset({"white", "pure white", "ivory"})
GRAY_TONES = frozenset({"gray", "grey", "charcoal", "silver"})
BACKDROP_WORDS = frozenset({"background", "backdrop", "wall"})


@dataclass(frozen=True)
class SceneMatch:
    """The preset a prompt picks, its params, and why, in words."""

    scene: str
    params: dict[str, object]
    reason_ko: str
    reason_en: str
    translation: Translation


@dataclass
class _Found:
    """What a prompt's words matched, in text order.

    ``starts`` lists where each word occurs, so a phrase is looked for only
    where its first word is, not at every position.
    """

    starts: dict[str, list[int]] = field(default_factory=dict)
    scores: dict[str, int] = field(default_factory=dict)
    first_seen: dict[str, int] = field(default_factory=dict)
    labels: list[tuple[str, str, str]] = field(default_factory=list)  # ko, en, scene
    colour_hits: list[tuple[int, str]] = field(default_factory=list)
    brightness: float = 0.0
    warmth: float = 0.0

    @property
    def colours(self) -> list[str]:
        """Colour names by first appearance, each once."""
        names: list[str] = []
        for _, name in sorted(self.colour_hits):
            if name not in names:
                names.append(name)
        return names


def match_scene(
    text: str, *, data_dir: Path | None = None, client: PapagoClient | None = None
) -> SceneMatch:
    """The closest rendered preset for a free-text prompt, with its reason."""
    translation = translate(text, data_dir=data_dir, client=client)
    return scene_for(translation)


def scene_for(translation: Translation) -> SceneMatch:
    """Map an already translated prompt to a preset and params."""
    words = _words(translation.english)
    if has_hangul(translation.text) and translation.source != "glossary":
        words += ["|"] + _words(glossary_translate(translation.text).english)
    found = _find(words)
    scene = _best_scene(found)
    return SceneMatch(scene, _params(found), *_reasons(scene, found), translation)


def _words(english: str) -> list[str]:
    """Lower-case words with simple plurals folded (clouds -> cloud)."""
    words = re.findall(r"[a-z]+", english.lower())
    return [_singular(word) for word in words]


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith("ves"):
        return word[:-3] + "f"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def _phrase(words: str) -> list[str]:
    return [_singular(word) for word in words.split()]


def _find(words: list[str]) -> _Found:
    found = _Found()
    for position, word in enumerate(words):
        found.starts.setdefault(word, []).append(position)
    used = [False] * len(words)
    _find_backdrop_colours(words, used, found)
    for rule in _rules_longest_first():
        _apply_rule(rule, words, used, found)
    return found


@lru_cache(maxsize=1)
def _rules_longest_first() -> tuple[Rule, ...]:
    """Every rule, longer phrases first ("sky blue" before "sky")."""
    colour_rules = tuple(
        Rule(name, korean, name, colour=name) for name, (_, korean) in COLOURS.items()
    )
    rules = SCENE_RULES + colour_rules + LIGHT_RULES
    return tuple(sorted(rules, key=lambda rule: -len(rule.words.split())))


def _find_backdrop_colours(words: list[str], used: list[bool], found: _Found) -> None:
    """A colour right before "background" names the backdrop itself."""
    for name in sorted(COLOURS, key=lambda name: -len(name.split())):
        phrase = _phrase(name)
        for backdrop in BACKDROP_WORDS:
            for start in _positions(words, [*phrase, backdrop], used, found):
                if name in WHITE_TONES:
                    scene = "studio-white"
                elif name in GRAY_TONES:
                    scene = "studio-gray"
                else:
                    scene = "solid"
                    found.colour_hits.append((start, name))
                _score(found, scene, 4, start)
                label = (f"{COLOURS[name][1]} 배경", f"{name} background", scene)
                found.labels.append(label)
                _mark(used, start, len(phrase) + 1)


def _apply_rule(rule: Rule, words: list[str], used: list[bool], found: _Found) -> None:
    phrase = _phrase(rule.words)
    positions = _positions(words, phrase, used, found)
    if not positions:
        return
    for start in positions:
        _mark(used, start, len(phrase))
    if rule.colour:
        found.colour_hits.append((positions[0], rule.colour))
        return
    if rule.scene:
        _score(found, rule.scene, rule.weight, positions[0])
    else:
        found.brightness += rule.brightness
        found.warmth += rule.warmth
    label = (rule.label_ko, rule.label_en, rule.scene)
    if label not in found.labels:
        found.labels.append(label)


def _positions(
    words: list[str], phrase: list[str], used: list[bool], found: _Found
) -> list[int]:
    size = len(phrase)
    return [
        start
        for start in found.starts.get(phrase[0], ())
        if words[start : start + size] == phrase and not any(used[start : start + size])
    ]


def _mark(used: list[bool], start: int, size: int) -> None:
    for index in range(start, start + size):
        used[index] = True


def _score(found: _Found, scene: str, weight: int, position: int) -> None:
    found.scores[scene] = found.scores.get(scene, 0) + weight
    found.first_seen.setdefault(scene, position)
    found.first_seen[scene] = min(found.first_seen[scene], position)


def _best_scene(found: _Found) -> str:
    if not found.scores:
        return DEFAULT_SCENE
    return min(found.scores, key=lambda s: (-found.scores[s], found.first_seen[s]))


def _params(found: _Found) -> dict[str, object]:
    params: dict[str, object] = {}
    if found.colours:
        params["color"] = COLOURS[found.colours[0]][0]
    if len(found.colours) > 1:
        params["accent"] = COLOURS[found.colours[1]][0]
    for name, value in (("brightness", found.brightness), ("warmth", found.warmth)):
        if _clamp(value):
            params[name] = _clamp(value)
    return params


def _clamp(value: float) -> float:
    return round(max(-PARAM_LIMIT, min(PARAM_LIMIT, value)), 2)


def _reasons(scene: str, found: _Found) -> tuple[str, str]:
    """The words behind the choice: the chosen scene's, colours, light."""
    labels = [(ko, en) for ko, en, of in found.labels if of == scene]
    for name in found.colours[:2]:
        if not any(name in en for _, en in labels):
            labels.append((COLOURS[name][1], name))
    labels += [(ko, en) for ko, en, of in found.labels if not of]
    matched_ko = ", ".join(ko for ko, _ in labels)
    matched_en = ", ".join(en for _, en in labels)
    if found.scores:
        return f"찾은 말: {matched_ko}", f"matched: {matched_en}"
    name_ko, name_en = SCENE_NAMES[DEFAULT_SCENE]
    reason_ko = f"장면을 가리키는 말이 없어 기본 장면({name_ko})을 골랐어요"
    reason_en = f"no scene word found, so the default {name_en} scene is used"
    if labels:
        reason_ko += f". 찾은 말: {matched_ko}"
        reason_en += f"; matched: {matched_en}"
    return reason_ko, reason_en


PHOTO_SUFFIX = (
    "professional product photography, product in focus, soft natural shadow, "
    "clean composition, high detail"
)
NEGATIVE_PROMPT = (
    "text, letters, watermark, logo, people, hands, blurry, low quality, "
    "distorted, deformed, cropped, frame, border, clutter"
)
EMPTY_SCENE = "clean studio backdrop"


def generation_prompt(english: str) -> tuple[str, str]:
    """(prompt, negative prompt) for a generative scene from English text."""
    scene = " ".join(english.split()).strip(" ,.;") or EMPTY_SCENE
    return f"{scene}, {PHOTO_SUFFIX}", NEGATIVE_PROMPT
