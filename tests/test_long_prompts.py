"""Long prompts: the words module reads a bounded start of them, and says so."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import jpeg_bytes, real_photo, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from lite_app.look import MAX_PROMPT_CHARS
from lite_app.words.bounds import MAX_TEXT_CHARS, bound_text
from lite_app.words.glossary import (
    ENDINGS,
    LONGEST_ENDING,
    MODIFIER_ENDINGS,
    PARTICLES,
    glossary_translate,
    is_ending,
    load_glossary,
)
from lite_app.words.mapping import match_scene
from lite_app.words.translation import translate

PHRASES = (
    "대리석 테이블 위",
    "아침 햇살",
    "따뜻한 분위기",
    "나무 책상에서",
    "고양이가",
)


def korean_prompt(length: int, spaced: bool = True) -> str:
    """A Korean scene prompt of exactly ``length`` characters."""
    text = ""
    index = 0
    while len(text) < length:
        phrase = PHRASES[index % len(PHRASES)]
        text += phrase + " " if spaced else phrase.replace(" ", "")
        index += 1
    return text[: length - 1] + "빛"


@pytest.fixture(scope="module")
def coffee(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "coffee.jpg"
    path.write_bytes(jpeg_bytes(real_photo("coffee")))
    return path


def test_the_words_module_reads_as_much_as_a_look_holds():
    assert MAX_TEXT_CHARS == MAX_PROMPT_CHARS


def test_a_short_text_is_read_whole():
    bounded = bound_text("대리석 테이블 위")
    assert (bounded.text, bounded.cut) == ("대리석 테이블 위", False)


def test_a_long_text_is_cut_at_a_word_break_before_the_limit(caplog):
    text = korean_prompt(20_000)
    with caplog.at_level(logging.INFO, logger="lite_app.words.bounds"):
        bounded = bound_text(text)
    assert bounded.cut and bounded.original_length == 20_000
    assert MAX_TEXT_CHARS - 100 <= len(bounded.text) <= MAX_TEXT_CHARS
    assert text.startswith(bounded.text)
    assert text[len(bounded.text)] == " "
    assert "20000 characters cut" in caplog.text


def test_a_long_text_without_breaks_is_cut_at_the_limit():
    bounded = bound_text("가" * 5_000)
    assert bounded.text == "가" * MAX_TEXT_CHARS


def test_a_long_prompt_is_translated_from_its_start_with_a_note():
    text = korean_prompt(20_000)
    translation = translate(text)
    assert translation.text == bound_text(text).text
    assert "20,000" in translation.note_en and "only its first" in translation.note_en
    assert "20,000자" in translation.note_ko
    # The usual note about the source still follows.
    assert "dictionary" in translation.note_en


def test_a_long_prompt_picks_the_scene_its_start_picks():
    text = korean_prompt(20_000)
    long_match = match_scene(text)
    head_match = match_scene(bound_text(text).text)
    assert (long_match.scene, long_match.params) == (
        head_match.scene,
        head_match.params,
    )
    # 나무 책상 (wood, desk) outweighs 대리석 테이블 (marble, table).
    assert long_match.scene == "wood-table"


def test_the_glossary_reads_only_the_start_of_a_long_run():
    text = korean_prompt(20_000, spaced=False)
    english = glossary_translate(text).english
    assert english == glossary_translate(bound_text(text).text).english


# Recorded before the glossary and the scene matching were made fast.
@pytest.mark.parametrize(
    ("prompt", "scene", "params"),
    [
        ("대리석 테이블 위, 아침 햇살", "marble", {"brightness": 0.25, "warmth": 0.1}),
        ("흰 배경에 그림자", "studio-white", {"brightness": -0.05}),
        ("구름이 떠 있는 하늘과 파스텔톤", "cloud-sky", {}),
        (
            "나무 책상 위 따뜻한 햇살",
            "wood-table",
            {"brightness": 0.15, "warmth": 0.35},
        ),
        ("빨간색 배경", "solid", {"color": "#D93A3A"}),
        ("노을 지는 해변에서 'Nike' 운동화", "sunset", {}),
        (
            "검은 대리석 위 금색 조명 고급스러운 느낌",
            "marble",
            {"color": "#1A1A1A", "accent": "#D4AF37"},
        ),
        ("3개 세트 상품, 흰색 배경", "studio-white", {}),
        ("white studio background", "studio-white", {"color": "#FFFFFF"}),
    ],
    ids=[
        "marble-morning",
        "white-shadow",
        "cloud-pastel",
        "wood-warm",
        "red",
        "beach-brand",
        "black-gold",
        "counted-white",
        "english",
    ],
)
def test_a_normal_prompt_maps_as_before(prompt, scene, params):
    match = match_scene(prompt)
    assert (match.scene, match.params) == (scene, params)


def test_no_ending_is_longer_than_the_longest_ending():
    assert max(map(len, ENDINGS)) <= LONGEST_ENDING
    longest_pair = max(map(len, MODIFIER_ENDINGS)) + max(map(len, PARTICLES))
    assert longest_pair == LONGEST_ENDING
    assert not is_ending("적인" * LONGEST_ENDING)


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet="대리석테이블위아침햇살구름하늘나무책상가이에", max_size=30),
    st.integers(min_value=0, max_value=29),
)
def test_the_glossary_finds_the_same_words_as_a_lookup_of_every_length(letters, start):
    glossary = load_glossary()
    start = min(start, len(letters))
    expected = [
        stop
        for stop in range(start + 1, min(len(letters), start + glossary.longest) + 1)
        if letters[start:stop] in glossary.english
    ]
    assert glossary.word_ends(letters, start) == expected


def test_translate_command_reads_a_20000_character_prompt_and_says_so():
    done = run_cli("translate", korean_prompt(20_000))
    assert done.returncode == 0, done.stderr
    english, source, note = done.stdout.splitlines()[:3]
    assert "marble" in english
    assert source == "source: glossary"
    assert "20,000자" in note and "only its first" in note


def test_edit_command_takes_a_20000_character_prompt_and_says_so(coffee, tmp_path):
    out = tmp_path / "long.jpg"
    done = run_cli(
        "edit", str(coffee), "--prompt", korean_prompt(20_000), "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "The text is long (20,000 characters)" in done.stderr
    assert "20,000자" in done.stderr
    assert "marble" in done.stderr
    image = Image.open(out)
    assert (image.format, image.size) == ("JPEG", (1000, 1000))
