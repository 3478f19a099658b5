"""The prompt box's completions and the notes under it."""

from __future__ import annotations

from lite_app.editor import Note
from lite_app.ui import chosen_suggestion, notes_markdown, suggest_prompts


def test_typing_korean_offers_matching_scene_prompts():
    offered = suggest_prompts("대리", "ko")
    samples = [sample[0] for sample in offered["samples"]]
    assert samples and all("대리" in sample.replace(" ", "") for sample in samples[:1])
    assert offered["visible"]


def test_english_interface_offers_english_prompts():
    offered = suggest_prompts("marble", "en")
    assert offered["samples"] and "marble" in offered["samples"][0][0].lower()


def test_empty_box_hides_the_suggestions():
    offered = suggest_prompts("   ", "ko")
    assert offered["samples"] == [] and offered["visible"] is False


def test_choosing_a_suggestion_fills_the_prompt():
    assert chosen_suggestion(["대리석 테이블 위"]) == "대리석 테이블 위"


def test_notes_follow_the_language_switch():
    notes = (Note("내장 사전", "built-in dictionary"),)
    assert notes_markdown(notes, "ko") == "- 내장 사전  \n  built-in dictionary"
    assert notes_markdown(notes, "en") == "- built-in dictionary"
