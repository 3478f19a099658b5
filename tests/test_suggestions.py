"""Prompt suggestions as the seller types, in Korean or English."""

from __future__ import annotations

import re

import pytest

from lite_app.words import Suggestion, suggest
from lite_app.words.suggestions import load_suggestions


def test_at_least_50_curated_pairs_in_both_languages():
    every = load_suggestions()
    assert len(every) >= 50
    assert len({s.ko for s in every}) == len(every)
    for suggestion in every:
        assert re.search("[가-힣]", suggestion.ko)
        assert suggestion.en.isascii() and re.search("[a-z]", suggestion.en)


def test_empty_input_offers_the_first_curated_prompts():
    assert suggest("", limit=3) == list(load_suggestions()[:3])


def test_a_prefix_match_beats_a_word_match_in_korean():
    found = suggest("대리석")
    assert found[0] == Suggestion(
        "대리석 테이블 위, 아침 햇살", "on a marble table in morning sunlight"
    )
    assert all("대리석" in s.ko for s in found)
    # The others only contain the word later on.
    assert all(not s.ko.startswith("대리석") for s in found[1:])


def test_a_prefix_match_beats_a_word_match_in_english():
    found = suggest("marble")
    starts = [s.en.startswith("marble") for s in found]
    assert starts[0] and starts == sorted(starts, reverse=True)
    assert all("marble" in s.en for s in found)


def test_a_word_start_beats_a_match_inside_a_word():
    # "light" starts a word in "natural light" but sits inside "sunlight".
    found = suggest("light")
    inside_only = [
        i
        for i, s in enumerate(found)
        if not any(word.startswith("light") for word in s.en.lower().split())
        and not s.en.lower().startswith("light")
    ]
    whole = [i for i in range(len(found)) if i not in inside_only]
    assert whole and inside_only
    assert max(whole) < min(inside_only)


def test_a_syllable_still_being_typed_is_ignored():
    assert suggest("대리ㅅ") == suggest("대리")
    assert suggest("대리")[0].ko.startswith("대리석")


def test_spacing_does_not_matter_for_korean_prefixes():
    assert suggest("대리석테이블")[0].ko == "대리석 테이블 위, 아침 햇살"


def test_every_typed_word_must_match():
    found = suggest("파스텔 배경")
    assert found
    assert all("파스텔" in s.ko and "배경" in s.ko for s in found)


def test_no_match_gives_nothing_and_limit_is_kept():
    assert suggest("zzqx") == []
    assert len(suggest("배경", limit=2)) == 2
    assert suggest("배경", limit=0) == []


def test_case_and_punctuation_do_not_matter():
    assert suggest("MARBLE!") == suggest("marble")


@pytest.mark.parametrize("text", ["ㄷ", "!!!", "   "], ids=["jamo", "marks", "spaces"])
def test_input_with_nothing_to_match_offers_the_defaults(text):
    assert suggest(text, limit=4) == list(load_suggestions()[:4])
