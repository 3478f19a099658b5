"""The one edit call on real and synthesized photos."""

from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import jpeg_bytes, png_bytes, synthetic_product
from PIL import Image

from lite_app import Look, edit
from lite_app.compose import place
from lite_app.editor import placement_of
from lite_app.errors import LookInvalid, PhotoRejected
from lite_app.export import TARGETS
from lite_app.scenes import presets


@pytest.fixture(scope="module")
def coffee_jpeg() -> bytes:
    from conftest import real_photo

    return jpeg_bytes(real_photo("coffee"))


@pytest.mark.parametrize("target", sorted(TARGETS), ids=str)
def test_every_target_gets_its_size_format_and_byte_cap(coffee_jpeg, target):
    result = edit(coffee_jpeg, Look(target=target))
    spec = TARGETS[target]
    decoded = Image.open(io.BytesIO(result.data))
    assert len(result.data) <= spec.byte_cap
    assert decoded.format == spec.format
    if spec.size:
        assert decoded.size == spec.size
        assert decoded.mode == "RGB"
    else:
        assert decoded.mode == "RGBA"
        alpha = np.asarray(decoded.getchannel("A"))
        assert alpha.min() == 0 and alpha.max() == 255


def test_product_pixels_are_never_altered():
    photo, _ = synthetic_product()
    look = Look(scene="marble", shadow=1.0, reflection=True)
    result = edit(png_bytes(photo), look)
    scene = presets.render_scene("marble", result.size, {}, 0)
    placed = place(result.cutout, result.size, placement_of(look), scene.floor_y)
    solid = np.asarray(placed.mask) == 255
    assert solid.sum() > 1000
    left, top = placed.position
    width, height = placed.mask.size
    output = np.asarray(result.image)[top : top + height, left : left + width]
    from lite_app.compose import scaled_product

    scaled_photo, _ = scaled_product(result.cutout, result.size, look.scale)
    assert np.array_equal(output[solid], np.asarray(scaled_photo)[solid])


def test_same_photo_and_look_give_identical_bytes(coffee_jpeg):
    look = Look(scene="cloud-sky", seed=7)
    assert edit(coffee_jpeg, look).data == edit(coffee_jpeg, look).data


def test_product_fills_about_three_quarters_of_the_shorter_side():
    photo, _ = synthetic_product()
    result = edit(jpeg_bytes(photo), Look(scene="solid", shadow=0.0))
    white = np.all(np.asarray(result.image) >= 250, axis=2)
    rows, cols = np.nonzero(~white)
    longer = max(rows.max() - rows.min(), cols.max() - cols.min())
    assert 0.68 * 1000 <= longer <= 0.8 * 1000


def test_product_stands_on_the_floor_line_in_floor_scenes():
    photo, _ = synthetic_product()
    look = Look(scene="studio-white", shadow=0.0)
    result = edit(jpeg_bytes(photo), look)
    scene = presets.render_scene("studio-white", result.size, {}, 0)
    placed = place(result.cutout, result.size, placement_of(look), scene.floor_y)
    bottom = placed.position[1] + placed.mask.size[1]
    assert abs(bottom - scene.floor_y * result.size[1]) <= 2


def test_a_large_photo_is_cut_at_working_size_not_full_size():
    photo, _ = synthetic_product((4000, 3000))
    result = edit(jpeg_bytes(photo), Look())
    assert max(result.cutout.photo.size) == 1500
    assert result.size == (1000, 1000)


def test_preview_is_small_and_free_of_the_full_size():
    photo, _ = synthetic_product()
    result = edit(jpeg_bytes(photo), Look(target="kakao-tall"), preview=True)
    assert max(result.size) <= 512
    assert result.size == (384, 512)


def test_transparent_photo_keeps_its_own_alpha():
    photo, truth = synthetic_product()
    rgba = photo.convert("RGBA")
    rgba.putalpha(Image.fromarray(np.where(truth, 255, 0).astype(np.uint8)))
    result = edit(png_bytes(rgba), Look(target="transparent"))
    assert result.cutout.from_photo_alpha
    again = edit(png_bytes(rgba), Look(target="transparent", new_cutout=True))
    assert not again.cutout.from_photo_alpha


def test_no_personal_metadata_survives(coffee_jpeg):
    source = Image.open(io.BytesIO(coffee_jpeg))
    exif = source.getexif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {2: (37.0, 33.0, 0.0)}  # GPS latitude
    buffer = io.BytesIO()
    source.save(buffer, "JPEG", exif=exif)
    result = edit(buffer.getvalue(), Look())
    assert not Image.open(io.BytesIO(result.data)).getexif()
    assert b"PhoneMaker" not in result.data


def test_unknown_scene_is_refused_before_any_work():
    with pytest.raises(LookInvalid):
        edit(b"not even a photo", Look(scene="moon-base"))


def test_broken_photo_is_refused_in_korean_and_english():
    with pytest.raises(PhotoRejected) as caught:
        edit(b"\xff\xd8\xff\xe0 broken", Look())
    assert caught.value.message_ko and caught.value.message_en


def test_korean_prompt_picks_the_scene_and_says_how_it_was_read():
    photo, _ = synthetic_product()
    result = edit(jpeg_bytes(photo), Look(prompt="대리석 테이블 위, 아침 햇살"))
    assert result.scene == "marble"
    notes = " ".join(note.ko for note in result.notes)
    assert "대리석" in notes and "내장 사전" in notes
    assert any("marble" in note.en for note in result.notes)


@pytest.fixture
def model_passes(monkeypatch):
    """Count the model's real forward passes."""
    from lite_app import cutout

    model = cutout.get_model()
    calls = []
    real_predict = model.predict

    def counted(image):
        calls.append(image.size)
        return real_predict(image)

    monkeypatch.setattr(model, "predict", counted)
    return calls


def test_trying_scenes_and_targets_on_one_photo_runs_the_model_once(
    coffee_jpeg, model_passes
):
    first = edit(coffee_jpeg, Look(scene="cloud-sky"), preview=True)
    passes = len(model_passes)
    assert passes >= 1
    second = edit(coffee_jpeg, Look(scene="marble", target="coupang"), preview=True)
    assert len(model_passes) == passes
    assert second.cutout is first.cutout
    assert second.image.tobytes() != first.image.tobytes()


def test_a_reused_cutout_gives_the_same_result_as_a_fresh_one(coffee_jpeg):
    from lite_app import editor

    look = Look(scene="studio-white")
    edit(coffee_jpeg, Look(scene="sunset"))
    reused = edit(coffee_jpeg, look)
    editor._recent_cutouts.clear()
    fresh = edit(coffee_jpeg, look)
    assert reused.data == fresh.data


def test_new_hints_or_a_new_photo_cut_again(coffee_jpeg, model_passes):
    edit(coffee_jpeg, Look(), preview=True)
    passes = len(model_passes)
    edit(coffee_jpeg, Look(box=(40, 20, 400, 380)), preview=True)
    assert len(model_passes) > passes
    passes = len(model_passes)
    other = jpeg_bytes(Image.open(io.BytesIO(coffee_jpeg)).rotate(90, expand=True))
    edit(other, Look(), preview=True)
    assert len(model_passes) > passes


def test_the_reuse_store_stays_bounded(model_passes):
    from lite_app import editor

    for shade in range(editor.RECENT_CUTOUTS + 3):
        photo, _ = synthetic_product(size=(160, 120), color=(200, 30 + shade * 10, 40))
        edit(jpeg_bytes(photo), Look(), preview=True)
    assert len(editor._recent_cutouts._items) == editor.RECENT_CUTOUTS
