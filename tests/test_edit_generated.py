"""Edits with a generated scene: the product untouched, and a fallback that works."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import png_bytes, synthetic_product
from tiny_pipelines import build_scene_pipelines, use_tiny_pipelines

from lite_app import Look, edit
from lite_app.compose import place, scaled_product
from lite_app.editor import placement_of
from lite_app.errors import LookInvalid
from lite_app.scenes import generated, presets

PROMPT = "a perfume bottle on wet rocks by the sea at dawn"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return build_scene_pipelines(tmp_path_factory.mktemp("pipelines"), PROMPT)


@pytest.fixture(autouse=True)
def tiny_models(tiny, monkeypatch):
    use_tiny_pipelines(monkeypatch, tiny)


@pytest.fixture(scope="module")
def photo_png() -> bytes:
    return png_bytes(synthetic_product((256, 192))[0])


def product_pixels_kept(result, look, floor_y) -> bool:
    placed = place(result.cutout, result.size, placement_of(look), floor_y)
    solid = np.asarray(placed.mask) == 255
    left, top = placed.position
    width, height = placed.mask.size
    output = np.asarray(result.image)[top : top + height, left : left + width]
    scaled, _ = scaled_product(result.cutout, result.size, look.scale)
    return solid.sum() > 50 and np.array_equal(output[solid], np.asarray(scaled)[solid])


@pytest.mark.parametrize("mode", ["backdrop", "around"])
def test_generated_scene_keeps_the_product_pixels(photo_png, mode):
    look = Look(target="64x64", prompt=PROMPT, generate=mode, seed=3)
    steps: list[tuple[int, int]] = []
    result = edit(
        photo_png, look, on_step=lambda step, total: steps.append((step, total))
    )
    assert result.generated and result.size == (64, 64)
    assert steps and steps[-1][0] == steps[-1][1]
    floor_y = None
    if mode == "around":
        floor_y = presets.render_scene(result.scene, (64, 64), {}, 3).floor_y
    assert product_pixels_kept(result, look, floor_y)


def test_same_seed_gives_the_same_generated_image(photo_png):
    look = Look(target="64x64", prompt=PROMPT, generate="backdrop", seed=5)
    assert edit(photo_png, look).data == edit(photo_png, look).data


def test_missing_model_falls_back_to_the_rendered_scene_and_says_so(
    photo_png, tmp_path, monkeypatch
):
    monkeypatch.setenv("LITE_SCENE_MODEL", str(tmp_path / "no-such-model"))
    look = Look(target="64x64", prompt="대리석 테이블 위", generate="backdrop")
    result = edit(photo_png, look)
    assert not result.generated
    assert result.scene == "marble"
    assert any("기본 장면" in note.ko for note in result.notes)
    assert any("rendered scene" in note.en for note in result.notes)


def test_a_preview_never_runs_the_generator(photo_png, monkeypatch):
    monkeypatch.setattr(generated, "generate_backdrop", _must_not_run)
    look = Look(target="64x64", prompt=PROMPT, generate="backdrop")
    result = edit(photo_png, look, preview=True)
    assert not result.generated
    assert any("미리보기" in note.ko for note in result.notes)


def _must_not_run(*_args, **_options):
    raise AssertionError("a preview ran the scene generator")


def test_generation_needs_words():
    with pytest.raises(LookInvalid, match="글로 적어"):
        edit(b"", Look(generate="backdrop"))


def test_command_line_generates_a_backdrop(tiny, tmp_path):
    import os
    import subprocess
    import sys

    from PIL import Image

    photo = tmp_path / "bottle.png"
    photo.write_bytes(png_bytes(synthetic_product((256, 192))[0]))
    out = tmp_path / "out.jpg"
    command = [sys.executable, "-m", "lite_app", "edit", str(photo), "--prompt"]
    command += [PROMPT, "--generate", "--target", "64x64", "-o", str(out)]
    env = {**os.environ, "LITE_SCENE_MODEL": str(tiny.text2image)}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (64, 64)
