"""What a seller reads: the receipt names the market in Korean with English
under it, a refused look says what was wrong in plain words in both languages,
a product blown up far past its photo's detail is flagged, and a box that
cannot hold a product is refused instead of being ignored.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from conftest import jpeg_bytes, launched_app, synthetic_product
from PIL import Image

from lite_app import ui
from lite_app.editor import edit
from lite_app.errors import LookInvalid
from lite_app.look import Look
from lite_app.words.protect import has_hangul

gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError

# The look's own keys: a seller reading Korean should never meet them.
LOOK_KEYS = ("scale", "offset", "shadow", "seed", "box", "prompt", "mask_edits")
LOOK_KEYS += ("version", "scene_params", "new_cutout", "reflection", "generate")


def small_product_photo() -> bytes:
    """A 200x150 product photo laid in the middle of a 1200x900 plain frame."""
    product, _alpha = synthetic_product((200, 150))
    frame = Image.new("RGB", (1200, 900), (235, 235, 230))
    frame.paste(product, (500, 375))
    return jpeg_bytes(frame)


@pytest.fixture(scope="module")
def small_photo() -> bytes:
    return small_product_photo()


@pytest.fixture(scope="module")
def large_photo() -> bytes:
    """The same product filling most of a 1280x960 photo."""
    return jpeg_bytes(synthetic_product((1280, 960))[0])


# --- the receipt ---------------------------------------------------------------


def receipt_lines(receipt: str) -> list[str]:
    return [line.strip() for line in receipt.splitlines() if line.strip()]


def test_korean_receipt_names_the_market_then_english_with_one_size(large_photo):
    result = edit(large_photo, Look(target="smartstore"))
    size = f"{round(len(result.data) / 1024):,} KB"
    korean, english = receipt_lines(ui.receipt_markdown(result, "ko"))[:2]
    assert korean == f"네이버 스마트스토어: 1000x1000 JPEG, {size}"
    assert english == f"Naver Smart Store: 1000x1000 JPEG, {size}"
    english_page = receipt_lines(ui.receipt_markdown(result, "en"))
    assert english_page[0] == english
    assert not any(has_hangul(line) for line in english_page)


def test_receipt_for_a_size_of_ones_own_says_so_in_both_languages(large_photo):
    result = edit(large_photo, Look(target="800x600"))
    korean, english = receipt_lines(ui.receipt_markdown(result, "ko"))[:2]
    assert korean.startswith("직접 정한 크기: 800x600 JPEG, ")
    assert english.startswith("Custom size: 800x600 JPEG, ")
    assert korean.endswith(" KB") and english.endswith(korean.split(", ")[-1])


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with launched_app(tmp_path_factory.mktemp("app-data")) as url:
        yield gradio_client.Client(url, verbose=False)


@pytest.fixture(scope="module")
def large_upload(tmp_path_factory, large_photo) -> Path:
    path = tmp_path_factory.mktemp("upload") / "bottle.jpg"
    path.write_bytes(large_photo)
    return path


def test_api_receipt_names_the_market_in_korean_then_english(client, large_upload):
    handle = gradio_client.handle_file(str(large_upload))
    look = Look(target="coupang").to_json()
    _image, path, receipt, _token, _left = client.predict(
        handle, look, "", api_name="/edit"
    )
    size = f"{round(Path(path).stat().st_size / 1024):,} KB"
    korean, english = receipt_lines(receipt)[:2]
    assert korean == f"쿠팡: 1000x1000 JPEG, {size}"
    assert english == f"Coupang: 1000x1000 JPEG, {size}"


def test_api_refuses_a_one_pixel_box_in_both_languages(client, large_upload):
    handle = gradio_client.handle_file(str(large_upload))
    look = Look(box=(10, 10, 11, 11)).to_json()
    with pytest.raises(AppError) as refused:
        client.predict(handle, look, "ko", api_name="/preview")
    message = str(refused.value)
    assert "상품 둘레 상자가 너무 작습니다" in message
    assert "box around the product is too small" in message


# --- look messages -------------------------------------------------------------

# (look, words the Korean must hold, words the English must hold)
REFUSED = [
    pytest.param(
        {"box": [10, 10, 5, 5]},
        ["상품 둘레 상자", "10,10,5,5"],
        ["x0<x1", "10,10,5,5"],
        id="box-backwards",
    ),
    pytest.param(
        {"box": [1, 2, 3]},
        ["상품 둘레 상자", "정수 네 개", "[1, 2, 3]"],
        ["four whole numbers", "[1, 2, 3]"],
        id="box-three-numbers",
    ),
    pytest.param(
        {"prompt": "가" * 1001},
        ["배경을 적은 글", "1,000자", "1,001자"],
        ["1,000 characters", "1,001 characters"],
        id="prompt-too-long",
    ),
    pytest.param(
        {"version": 7},
        ["룩 버전", "1이어야", "7"],
        ["version must be 1", "got 7"],
        id="version",
    ),
    pytest.param(
        {"mask_edits": [{"mode": "paint", "points": [[0.5, 0.5]], "radius": 0.1}]},
        ["누끼 다듬기 브러시", "add", "erase", '"paint"'],
        ["add or erase", '"paint"'],
        id="stroke-mode",
    ),
    pytest.param(
        {"mask_edits": [{"mode": "add", "points": [[0.5, 0.5]], "radius": 0.5}]},
        ["누끼 다듬기 브러시 굵기", "0.2 이하", "0.5"],
        ["at most 0.2", "got 0.5"],
        id="stroke-radius",
    ),
    pytest.param(
        {"scale": math.nan},
        ["상품 크기", "0.05~1", "숫자여야", "NaN"],
        ["must be a number", "NaN"],
        id="scale-nan",
    ),
    pytest.param(
        {"seed": 2**31},
        ["무늬 번호", "0~2,147,483,647", "2,147,483,648"],
        ["from 0 to 2,147,483,647", "got 2,147,483,648"],
        id="seed-too-high",
    ),
    pytest.param(
        {"seed": 1.5},
        ["무늬 번호", "정수", "1.5"],
        ["whole number", "1.5"],
        id="seed-fraction",
    ),
    pytest.param(
        {"offset_x": 0.7},
        ["좌우 위치", "-0.5~0.5", "0.7"],
        ["from -0.5 to 0.5", "got 0.7"],
        id="offset",
    ),
    pytest.param(
        {"shadow": "dark"},
        ["그림자 세기", "숫자", '"dark"'],
        ["must be a number", '"dark"'],
        id="shadow-text",
    ),
    pytest.param(
        {"reflection": "yes"},
        ["바닥 반사", "true", "false", '"yes"'],
        ["true or false", '"yes"'],
        id="reflection",
    ),
    pytest.param(
        {"generate": "paint"},
        ["장면 새로 그리기", "backdrop", "around", '"paint"'],
        ["backdrop or around", '"paint"'],
        id="generate",
    ),
]


@pytest.mark.parametrize(("data", "korean", "english"), REFUSED)
def test_a_refused_look_says_what_is_wrong_in_both_languages(data, korean, english):
    with pytest.raises(LookInvalid) as refused:
        Look.from_dict(data)
    message_ko, message_en = refused.value.message_ko, refused.value.message_en
    for words in korean:
        assert words in message_ko
    for words in english:
        assert words in message_en
    # The same detail in Korean as in English: what was received is named.
    assert "받은 값" in message_ko and "got " in message_en
    assert not any(re.search(rf"\b{key}", message_ko) for key in LOOK_KEYS)
    assert "e+" not in message_ko and "e+" not in message_en


@pytest.mark.parametrize("text", ['{"scale": 1e999}', '{"shadow": -1e999}'])
def test_an_endless_number_is_not_a_number_rather_than_too_big(text):
    with pytest.raises(LookInvalid) as refused:
        Look.from_json(text)
    assert "숫자여야" in refused.value.message_ko
    assert "무한대" in refused.value.message_ko
    assert "너무 큽니다" not in refused.value.message_ko
    assert "must be a number" in refused.value.message_en
    assert "infinity" in refused.value.message_en


def test_a_huge_number_is_written_in_words_not_in_exponents():
    with pytest.raises(LookInvalid) as refused:
        Look.from_json(json.dumps({"seed": 1e300}))
    assert "아주 큰 수" in refused.value.message_ko
    assert "a very large number" in refused.value.message_en


# --- a small product, and a box too small to hold one ----------------------------


def blurry_notes(result) -> list:
    return [note for note in result.notes if "blurry" in note.en]


def test_only_a_small_product_blown_up_carries_a_bilingual_note(
    small_photo, large_photo
):
    assert blurry_notes(edit(large_photo, Look())) == []
    result = edit(small_photo, Look())
    (note,) = blurry_notes(result)
    assert "흐릿" in note.ko and "가까이에서 찍은 사진" in note.ko
    assert "closer" in note.en and "product size (scale)" in note.en
    times = re.search(r"about (\d+\.\d) times", note.en)
    assert times and float(times.group(1)) > 2
    assert f"약 {times.group(1)}배" in note.ko


def test_the_suggested_product_size_clears_the_note(small_photo):
    (note,) = blurry_notes(edit(small_photo, Look()))
    suggested = float(re.search(r"scale\) to ([\d.]+) or less", note.en).group(1))
    assert f"상품 크기를 {suggested:g} 이하로" in note.ko
    assert blurry_notes(edit(small_photo, Look(scale=suggested))) == []


@pytest.mark.parametrize(
    "box",
    [(10, 10, 11, 11), (500, 375, 563, 700), (0, 0, 1200, 40)],
    ids=["one-pixel", "63-wide", "40-tall"],
)
def test_a_box_too_small_for_a_product_is_refused(small_photo, box):
    with pytest.raises(LookInvalid) as refused:
        edit(small_photo, Look(box=box))
    assert "상품 둘레 상자가 너무 작습니다" in refused.value.message_ko
    assert "64픽셀" in refused.value.message_ko
    assert "too small" in refused.value.message_en
    assert "64 pixels" in refused.value.message_en


def test_a_box_outside_the_photo_is_refused_and_one_around_the_product_used(
    small_photo,
):
    assert edit(small_photo, Look(box=(450, 330, 750, 570))).size == (1000, 1000)
    with pytest.raises(LookInvalid) as refused:
        edit(small_photo, Look(box=(5000, 5000, 5100, 5100)))
    assert "사진(1200x900 픽셀) 밖에" in refused.value.message_ko
    assert "outside the photo (1200x900 pixels)" in refused.value.message_en


@pytest.mark.parametrize(
    ("target", "given"), [("nope", "'nope'"), ("9999x9999", "9999x9999")]
)
def test_a_bad_target_names_what_was_given_in_both_languages(target, given):
    from lite_app.export import parse_target

    with pytest.raises(LookInvalid) as refused:
        parse_target(target)
    assert given in refused.value.message_ko and given in refused.value.message_en
