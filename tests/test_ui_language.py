"""The language switch: every word the page sets follows it, Korean by default."""

from __future__ import annotations

import re
from typing import Any

import gradio as gr
import pytest

from lite_app import ui, visitors
from lite_app.export import TARGETS
from lite_app.scenes import presets

HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Every property of an update that people read on the page.
WORDS = ("label", "value", "placeholder", "info", "choices", "samples")


def readable_words(update: Any) -> list[str]:
    """The texts an update puts on the page: labels, values, choices, captions."""
    if not isinstance(update, dict):
        return [update] if isinstance(update, str) else []
    found: list[str] = []
    for key in WORDS:
        found += _strings(update.get(key))
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _strings(item)]
    return []


def _without_paths(words: list[str]) -> list[str]:
    assets = str(presets.thumbnail_path(presets.DEFAULT_SCENE).parent)
    return [word for word in words if not word.startswith(assets)]


@pytest.fixture(scope="module")
def demo():
    return ui.build_demo()


def language_handlers(demo) -> list[Any]:
    """The functions the page runs when the language choice changes."""
    picker = next(
        block
        for block in demo.blocks.values()
        if getattr(block, "elem_id", None) == "language"
    )
    return [
        function
        for function in demo.fns.values()
        if any(target[0] == picker._id for target in function.targets)
    ]


def test_switch_to_english_sets_no_korean_word():
    updates = ui.switch_language("English")
    assert updates[0] == "en"
    words = _without_paths([w for u in updates[1:] for w in readable_words(u)])
    assert "Make the full-size image" in words
    assert "e.g. on a marble table" in words
    assert [word for word in words if HANGUL.search(word)] == []


def test_switch_to_english_names_scenes_and_targets_in_english():
    by_label = {}
    for update in ui.switch_language("English"):
        if isinstance(update, dict) and "label" in update:
            by_label[update["label"]] = update
    captions = [caption for _, caption in by_label["Scene"]["value"]]
    assert captions == [preset.name_en for preset in presets.list_presets()]
    choices = dict(by_label["Marketplace / size"]["choices"])
    assert choices["KakaoTalk Store, tall"] == "kakao-tall"
    assert sorted(choices.values()) == sorted(TARGETS)


def test_switch_back_to_korean_restores_korean_words():
    updates = ui.switch_language("한국어")
    assert updates[0] == "ko"
    words = [w for u in updates[1:] for w in readable_words(u)]
    assert "고화질 이미지 만들기" in words
    assert "세부 조정" in words
    assert "예: 대리석 테이블 위, 아침 햇살" in words
    assert "카카오톡 스토어 세로 (KakaoTalk Store, tall)" in words


def test_a_bilingual_notice_keeps_its_english_lines_in_english():
    notice = ui._both("recipe_loaded")
    english = ui.switch_language("English", notice)[-1]["value"]
    assert english == ui.text("recipe_loaded", "en")
    assert ui.switch_language("한국어", notice)[-1]["value"] == notice


def test_every_language_handler_of_the_page_sets_no_korean_in_english(demo):
    visitor = visitors.identify(None, None)
    handlers = language_handlers(demo)
    assert "switch_language" in {handler.name for handler in handlers}
    for handler in handlers:
        extra = [
            visitor.token if isinstance(block, gr.BrowserState) else ""
            for block in handler.inputs[1:]
        ]
        updates = handler.fn("English", *extra)
        assert len(updates) == len(handler.outputs), handler.name
        words = _without_paths([w for u in updates for w in readable_words(u)])
        korean = [word for word in words if HANGUL.search(word)]
        assert korean == [], f"{handler.name} keeps Korean: {korean}"


def test_the_page_starts_in_korean(demo):
    config = demo.get_config_file()
    labels = {
        component.get("props", {}).get("elem_id"): component["props"].get("label")
        for component in config["components"]
    }
    assert labels["photo"] == "상품 사진 올리기"
    assert labels["scenes"] == "배경 장면"
