"""Free text to a rendered scene: the preset, its colours and light, and why."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from papago_server import PapagoServer

from lite_app.scenes.presets import PRESETS, checked_params
from lite_app.words import generation_prompt, match_scene
from lite_app.words.mapping import COLOURS, SCENES
from lite_app.words.papago import PapagoClient

# (prompt, expected preset, main colour, accent colour); colours by name.
KOREAN_PROMPTS = [
    ("구름 위에 떠 있는 느낌", "cloud-sky", None, None),
    ("파란 하늘과 뭉게구름", "cloud-sky", "blue", None),
    ("분홍빛 구름 위", "cloud-sky", "pink", None),
    ("하늘에 둥둥 떠다니는 향수", "cloud-sky", None, None),
    ("몽환적인 하늘색 구름", "cloud-sky", "sky blue", None),
    ("흰 배경", "studio-white", None, None),
    ("하얀 배경에 깔끔하게", "studio-white", None, None),
    ("스튜디오 촬영 느낌", "studio-white", None, None),
    ("미니멀하고 심플한 느낌", "studio-white", None, None),
    ("회색 배경", "studio-gray", None, None),
    ("회색 스튜디오", "studio-gray", None, None),
    ("차가운 콘크리트 바닥", "studio-gray", None, None),
    ("인더스트리얼 시멘트 벽", "studio-gray", None, None),
    ("파스텔 톤 그라데이션", "pastel-gradient", None, None),
    ("민트색과 라벤더 파스텔", "pastel-gradient", "mint", "lavender"),
    ("연분홍 그라데이션 배경", "pastel-gradient", "light pink", None),
    ("귀엽고 사랑스러운 파스텔", "pastel-gradient", None, None),
    ("무지개 그라데이션", "pastel-gradient", None, None),
    ("노을 지는 해변", "sunset", None, None),
    ("해질녘 골든아워", "sunset", None, None),
    ("주황색 석양", "sunset", "orange", None),
    ("황혼의 바닷가", "sunset", None, None),
    ("일몰 무렵 따뜻한 빛", "sunset", None, None),
    ("대리석 테이블 위, 아침 햇살", "marble", None, None),
    ("고급스러운 검은색 대리석", "marble", "black", None),
    ("흰 대리석 위 금색 포인트", "marble", "white", "gold"),
    ("대리석위에 놓인 향수", "marble", None, None),
    ("화강암 돌 위", "marble", None, None),
    ("호텔 욕실 대리석", "marble", None, None),
    ("원목 테이블 위 따뜻한 햇살", "wood-table", None, None),
    ("나무 책상 위에서", "wood-table", None, None),
    ("카페 창가 나무 테이블", "wood-table", None, None),
    ("라탄 트레이 위 내추럴 감성", "wood-table", None, None),
    ("주방 식탁 위 빵", "wood-table", None, None),
    ("갈색 나뭇결 테이블", "wood-table", "brown", None),
    ("분홍색 배경", "solid", "pink", None),
    ("네이비 단색 배경", "solid", "navy", None),
    ("노란색 배경에 파란 포인트", "solid", "yellow", "blue"),
    ("빨간 벽 앞", "solid", "red", None),
    ("베이지 톤 단색", "solid", "beige", None),
    ("코랄 배경", "solid", "coral", None),
    ("고양이 강아지", "cloud-sky", None, None),
    ("분홍 파랑", "cloud-sky", "pink", "blue"),
    ("벚꽃 날리는 봄날", "pastel-gradient", "cherry blossom", None),
    ("밤하늘 별빛 아래", "cloud-sky", None, None),
    ("눈 내리는 겨울 크리스마스", "cloud-sky", None, None),
]
ENGLISH_PROMPTS = [
    ("floating in a blue sky", "cloud-sky", "blue", None),
    ("on a marble table with warm light", "marble", None, None),
    ("Wooden desk, morning sun", "wood-table", None, None),
    ("solid navy background", "solid", "navy", None),
    ("pink background with gold accents", "solid", "pink", "gold"),
    ("soft pastel gradient, mint and lavender", "pastel-gradient", "mint", "lavender"),
    ("beach at sunset", "sunset", None, None),
    ("clean white studio", "studio-white", "white", None),
    ("grey background", "studio-gray", None, None),
    ("a cat", "cloud-sky", None, None),
]


@pytest.fixture(autouse=True)
def no_papago_keys(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    for name in ("PAPAGO_CLIENT_ID", "PAPAGO_CLIENT_SECRET", "PAPAGO_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LITE_ENV_FILE", str(tmp_path / "absent.env"))


def _hex(name: str | None) -> str | None:
    return COLOURS[name][0] if name else None


def _check(prompt, scene, colour, accent, tmp_path):
    match = match_scene(prompt, data_dir=tmp_path)
    assert match.scene == scene, match.reason_en
    assert match.params.get("color") == _hex(colour)
    assert match.params.get("accent") == _hex(accent)
    return match


@pytest.mark.parametrize(
    ("prompt", "scene", "colour", "accent"), KOREAN_PROMPTS, ids=lambda v: v or "-"
)
def test_korean_prompt_picks_preset_and_colours(
    prompt, scene, colour, accent, tmp_path
):
    match = _check(prompt, scene, colour, accent, tmp_path)
    assert match.translation.source == "glossary"


@pytest.mark.parametrize(
    ("prompt", "scene", "colour", "accent"), ENGLISH_PROMPTS, ids=lambda v: v or "-"
)
def test_english_prompt_picks_preset_and_colours(
    prompt, scene, colour, accent, tmp_path
):
    match = _check(prompt, scene, colour, accent, tmp_path)
    assert match.translation.source == "passthrough"


def test_there_are_at_least_40_korean_prompts():
    assert len(KOREAN_PROMPTS) >= 40
    assert {scene for _, scene, _, _ in KOREAN_PROMPTS} == set(SCENES)


def test_mapping_speaks_only_the_presets_and_their_params(tmp_path):
    assert set(SCENES) == set(PRESETS)
    for prompt, *_ in KOREAN_PROMPTS + ENGLISH_PROMPTS:
        match = match_scene(prompt, data_dir=tmp_path)
        assert set(match.params) <= {"color", "accent", "brightness", "warmth"}
        for name in ("color", "accent"):
            if name in match.params:
                assert re.fullmatch(r"#[0-9A-F]{6}", match.params[name])
        for name in ("brightness", "warmth"):
            if name in match.params:
                assert -0.5 <= match.params[name] <= 0.5
        checked_params(match.scene, match.params)


# Light and mood


def test_warm_light_raises_warmth_and_says_so(tmp_path):
    match = match_scene("따뜻한 햇살이 드는 대리석", data_dir=tmp_path)
    assert match.scene == "marble"
    assert match.params["warmth"] > 0 and match.params["brightness"] > 0
    assert match.reason_en == "matched: marble, sunlight, warm light"
    assert match.reason_ko == "찾은 말: 대리석, 햇살, 따뜻한 빛"


def test_night_darkens_and_cold_cools(tmp_path):
    match = match_scene("차가운 밤 콘크리트", data_dir=tmp_path)
    assert match.scene == "studio-gray"
    assert match.params["brightness"] < 0 and match.params["warmth"] < 0


def test_stacked_light_words_stay_within_range(tmp_path):
    match = match_scene("밝은 밝은 한낮 햇살 햇빛 화창한 아침 해", data_dir=tmp_path)
    assert match.params["brightness"] == 0.5


def test_without_light_words_no_light_params(tmp_path):
    match = match_scene("대리석", data_dir=tmp_path)
    assert match.params == {}


# Saying why


def test_no_scene_word_means_the_default_and_the_reason_says_so(tmp_path):
    match = match_scene("고양이 강아지", data_dir=tmp_path)
    assert match.scene == "cloud-sky"
    assert "default" in match.reason_en and "기본" in match.reason_ko
    assert match.translation.unknown_words == ("고양이", "강아지")


def test_empty_prompt_gets_the_default_scene(tmp_path):
    match = match_scene("", data_dir=tmp_path)
    assert (match.scene, match.params) == ("cloud-sky", {})
    assert match.translation.source == "passthrough"


def test_a_colour_before_background_names_the_backdrop(tmp_path):
    match = match_scene("분홍색 배경", data_dir=tmp_path)
    assert (match.scene, match.reason_en) == ("solid", "matched: pink background")
    assert match.reason_ko == "찾은 말: 분홍색 배경"


def test_longer_phrases_win_over_their_words(tmp_path):
    # "sky blue" is a colour, not the sky; "solid wood" is wood, not a solid.
    assert match_scene("하늘색 대리석", data_dir=tmp_path).scene == "marble"
    assert match_scene("원목", data_dir=tmp_path).scene == "wood-table"


# With Papago


@pytest.fixture
def papago() -> Iterator[tuple[PapagoServer, PapagoClient]]:
    phrasebook = {
        "고급스러운 돌 위": "On a luxurious slab",
        "나무 느낌": "A woody feel",
    }
    with PapagoServer("map-id", "map-secret", phrasebook) as server:
        with PapagoClient("map-id", "map-secret", url=server.url) as client:
            yield server, client


def test_papago_english_is_mapped(papago, tmp_path):
    server, client = papago
    match = match_scene("고급스러운 돌 위", data_dir=tmp_path, client=client)
    assert match.translation.source == "papago"
    assert match.scene == "marble"
    assert server.request_count == 1


def test_glossary_words_still_count_when_papago_phrases_it_otherwise(papago, tmp_path):
    # Papago says "woody", which names no scene; the glossary reads 나무 as wood.
    _, client = papago
    match = match_scene("나무 느낌", data_dir=tmp_path, client=client)
    assert match.translation.english == "A woody feel"
    assert match.scene == "wood-table"


# A prompt for a generative model


def test_generation_prompt_adds_a_product_photo_suffix():
    prompt, negative = generation_prompt("  on a marble table,  morning light. ")
    assert prompt.startswith("on a marble table, morning light, ")
    assert "product photography" in prompt
    assert "watermark" in negative and "text" in negative


def test_generation_prompt_for_empty_text_is_a_clean_backdrop():
    prompt, _ = generation_prompt("")
    assert prompt.startswith("clean studio backdrop, ")
