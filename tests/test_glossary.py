"""The offline glossary: its data, Korean particles and spacing, unknown words."""

from __future__ import annotations

import json
import re

import pytest

from lite_app.words.glossary import (
    CATEGORIES,
    glossary_file,
    glossary_translate,
    load_glossary,
    segment,
)
from lite_app.words.protect import shield, split_protected, unshield


def _pairs_without_merging(path) -> list[tuple[str, str, str]]:
    """(category, korean, english) for every line, duplicates kept."""
    found: list[tuple[str, str, str]] = []

    def keep(pairs):
        return pairs

    data = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=keep)
    for category, entries in data:
        found += [(category, korean, english) for korean, english in entries]
    return found


# The data


def test_glossary_has_at_least_300_entries_in_every_category():
    pairs = _pairs_without_merging(glossary_file())
    assert len(pairs) >= 300
    counts = {name: sum(1 for c, _, _ in pairs if c == name) for name in CATEGORIES}
    assert set(counts) == {c for c, _, _ in pairs}
    assert min(counts.values()) >= 25, counts


def test_glossary_words_are_unique_korean_with_plain_english():
    pairs = _pairs_without_merging(glossary_file())
    keys = ["".join(korean.split()) for _, korean, _ in pairs]
    assert len(keys) == len(set(keys)), "a Korean word is listed twice"
    for _, korean, english in pairs:
        assert re.fullmatch(r"[\uac00-\ud7a3 ]+", korean), korean
        assert re.fullmatch(r"[a-z][a-z' -]*[a-z]", english), english


def test_glossary_loads_once_with_spaces_removed():
    glossary = load_glossary()
    assert load_glossary() is glossary
    assert glossary.english["대리석"] == "marble"
    assert glossary.category["위"] == "spatial"
    assert all(" " not in key for key in glossary.english)


# Particles, endings and spacing


@pytest.mark.parametrize(
    ("korean", "english"),
    [
        ("구름이", "cloud"),
        ("햇살이", "sunlight"),
        ("따뜻한", "warm"),
        ("따뜻하게", "warm"),
        ("대리석위에", "on marble"),
        ("대리석 위에", "on marble"),
        ("대리석 위에서", "on marble"),
        ("대리석테이블", "marble table"),
        ("대리석 테이블", "marble table"),
        ("하늘색", "sky blue"),
        ("하늘에", "sky"),
        ("핑크색", "pink"),
        ("분홍빛", "pink light"),
        ("깔끔하게", "clean"),
        ("고급스러운", "luxury"),
        ("몽환적인", "dreamy"),
        ("반짝이는", "sparkling"),
        ("밝은", "bright"),
        ("맑은 하늘", "clear sky"),
        ("아침햇살", "morning sunlight"),
        ("밤하늘", "night sky"),
        ("꽃잎들이", "petals"),
        ("나무 테이블 위", "on wood table"),
        ("창가에서는", "by the window"),
        ("위에서 본 책상", "seen from above desk"),
    ],
    ids=lambda value: value if re.search("[가-힣]", value) else "",
)
def test_particles_endings_and_spacing(korean, english):
    result = glossary_translate(korean)
    assert result.english == english
    assert result.unknown_words == ()


def test_place_words_move_before_their_phrase():
    result = glossary_translate("대리석 테이블 위, 아침 햇살")
    assert result.english == "on marble table, morning sunlight"


def test_a_phrase_ends_at_a_particle_before_a_place_word():
    result = glossary_translate("따뜻한 햇살이 드는 나무 테이블 위")
    assert result.english == "warm sunlight streaming in on wood table"


def test_one_letter_words_are_not_found_inside_longer_words():
    # 안 (in) must not be read inside 안경 (glasses) or 안개 (fog).
    assert glossary_translate("안경").english == "glasses"
    assert glossary_translate("안개 낀 숲").english == "fog forest"
    pieces = segment("안경", load_glossary())
    assert [(p.korean, p.kind) for p in pieces] == [("안경", "word")]


# Unknown words


@pytest.mark.parametrize(
    ("korean", "unknown"),
    [
        ("고양이", ("고양이",)),
        ("고양이가", ("고양이",)),
        ("사과를 대리석 위에", ("사과",)),
        ("강아지와 구름", ("강아지",)),
        ("대리석 위의 드라이플라워", ("드라이플라워",)),
    ],
    ids=["bare", "subject-particle", "object-particle", "and-particle", "loanword"],
)
def test_unknown_words_are_left_out_and_reported(korean, unknown):
    result = glossary_translate(korean)
    assert result.unknown_words == unknown
    assert not re.search("[가-힣]", result.english)


def test_unknown_words_are_reported_once_in_order():
    result = glossary_translate("고양이 구름 고양이 강아지")
    assert result.unknown_words == ("고양이", "강아지")
    assert result.english == "cloud"


def test_known_words_are_listed_with_their_english():
    result = glossary_translate("분홍색 구름")
    assert result.known_words == (("분홍색", "pink"), ("구름", "cloud"))


# What passes through untouched


def test_brand_names_quotes_and_numbers_pass_through():
    result = glossary_translate('Nike 운동화 3켤레, "봄날" 향수')
    assert result.english == 'Nike sneakers 3, "봄날" perfume'
    assert result.unknown_words == ()


def test_english_text_is_kept_whole():
    assert glossary_translate("marble table").english == "marble table"


def test_empty_text_gives_empty_english():
    result = glossary_translate("  ")
    assert (result.english, result.unknown_words) == ("", ())


# Placeholders for the translator


def test_shield_swaps_brands_and_quotes_for_tokens_and_back():
    shielded = shield("New Balance 운동화 ‘봄’ 에디션 'Levi's' 청바지")
    assert shielded.originals == ("New Balance", "‘봄’", "'Levi's'")
    assert not re.search("[A-Za-z]{3,}", shielded.text.replace("ZZ", ""))
    english = shielded.text.replace("운동화", "sneakers")
    assert unshield(english, shielded.originals).startswith("New Balance sneakers")


def test_unshield_tolerates_spaced_or_lowercased_tokens():
    originals = ("Nike", '"봄날"')
    assert unshield("zz0zz shoes Z Z 1 Z Z", originals) == 'Nike shoes "봄날"'


def test_unshield_reports_a_lost_token():
    assert unshield("shoes ZZ0ZZ", ("Nike", "Adidas")) is None


def test_split_protected_keeps_every_character():
    text = 'Nike운동화 "봄날" 3개'
    pieces = split_protected(text)
    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, kept in pieces if kept] == ["Nike", '"봄날"']
