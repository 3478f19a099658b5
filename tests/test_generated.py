"""Generated scenes, run end to end on tiny random-weight pipelines.

The pipelines are real Stable Diffusion pipelines at a tiny size, saved to a
folder and loaded through the app's own loader, so loading, sizes, seeds,
progress, cancelling, prompt limits and fallbacks are all exercised for real.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter
from skimage import data
from tiny_pipelines import TOKEN_LIMIT, TinyPipelines, build_tiny_pipelines

from lite_app.errors import GenerationUnavailable, LookInvalid
from lite_app.scenes import generated
from lite_app.scenes.generated import (
    GeneratedScene,
    GenerationCancelled,
    generate_around,
    generate_backdrop,
    generation_available,
    load_pipeline,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROMPT = "a perfume bottle on wet rocks by the sea at dawn"
NOT_LOADED_KO = "장면 생성 모델을 불러오지 못했습니다"
NOT_LOADED_EN = "scene generator could not be loaded"


def assert_says_not_loaded(error: GenerationUnavailable) -> None:
    message = error.user_message()
    assert NOT_LOADED_KO in message and NOT_LOADED_EN in message


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> TinyPipelines:
    words = [
        generated.BACKDROP_SUFFIX,
        generated.AROUND_SUFFIX,
        generated.DEFAULT_NEGATIVE_PROMPT,
        PROMPT,
    ]
    return build_tiny_pipelines(tmp_path_factory.mktemp("pipelines"), words)


@pytest.fixture(autouse=True)
def tiny_models(tiny: TinyPipelines, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LITE_SCENE_MODEL", str(tiny.text2image))
    monkeypatch.setenv("LITE_INPAINT_MODEL", str(tiny.inpaint))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def placed_product() -> tuple[Image.Image, Image.Image]:
    """A coffee photo as the canvas and a soft-edged round product mask on it."""
    canvas = Image.fromarray(data.coffee()).resize((64, 64))
    mask = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(mask).ellipse((18, 14, 46, 50), fill=255)
    return canvas, mask.filter(ImageFilter.GaussianBlur(1.5))


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


# Backdrop -------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [(64, 64), (64, 96), (70, 50)], ids=["square", "tall", "not-multiple-of-8"]
)
def test_backdrop_has_the_requested_size(size: tuple[int, int]) -> None:
    scene = generate_backdrop(PROMPT, size)

    assert isinstance(scene, GeneratedScene)
    assert scene.image.mode == "RGB"
    assert scene.image.size == size
    assert scene.steps == 2


def test_backdrop_same_seed_gives_the_same_image() -> None:
    first = generate_backdrop(PROMPT, (64, 64), seed=7)
    second = generate_backdrop(PROMPT, (64, 64), seed=7)

    assert first.image.tobytes() == second.image.tobytes()


def test_backdrop_different_seed_gives_a_different_image() -> None:
    first = generate_backdrop(PROMPT, (64, 64), seed=1)
    second = generate_backdrop(PROMPT, (64, 64), seed=2)

    assert np.abs(pixels(first.image) - pixels(second.image)).mean() > 1.0


def test_generation_runs_on_the_cpu_in_float32() -> None:
    import torch

    scene = generate_backdrop(PROMPT, (64, 64))
    pipe = load_pipeline("text2image")

    assert scene.device == "cpu"
    assert pipe.unet.dtype == torch.float32
    assert pipe.vae.dtype == torch.float32
    assert pipe.text_encoder.dtype == torch.float32


def test_pipeline_is_loaded_once_for_many_threads(
    tiny: TinyPipelines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fresh = tmp_path / "scene-model"
    shutil.copytree(tiny.text2image, fresh)
    monkeypatch.setenv("LITE_SCENE_MODEL", str(fresh))
    found: list[object] = []

    def load() -> None:
        found.append(load_pipeline("text2image"))

    threads = [threading.Thread(target=load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(found) == 4
    assert all(pipe is found[0] for pipe in found)
    assert load_pipeline("text2image") is found[0]


# Around the product ---------------------------------------------------------


def test_around_keeps_product_pixels_exactly(
    placed_product: tuple[Image.Image, Image.Image],
) -> None:
    canvas, mask = placed_product

    scene = generate_around(canvas, mask, "a bottle on a marble table")

    product = np.asarray(mask) == 255
    assert scene.image.size == canvas.size and scene.image.mode == "RGB"
    assert product.sum() > 300
    assert np.array_equal(pixels(scene.image)[product], pixels(canvas)[product])


def test_around_paints_a_new_scene_outside_the_product(
    placed_product: tuple[Image.Image, Image.Image],
) -> None:
    canvas, mask = placed_product

    scene = generate_around(canvas, mask, "a bottle on a marble table", grow_px=4)

    painted = np.asarray(generated._paint_mask(mask, 4)) == 255
    change = np.abs(pixels(scene.image) - pixels(canvas))[painted]
    assert change.mean() > 10.0


def test_around_same_seed_gives_the_same_image(
    placed_product: tuple[Image.Image, Image.Image],
) -> None:
    canvas, mask = placed_product

    first = generate_around(canvas, mask, PROMPT, seed=3)
    second = generate_around(canvas, mask, PROMPT, seed=3)
    third = generate_around(canvas, mask, PROMPT, seed=4)

    assert first.image.tobytes() == second.image.tobytes()
    assert first.image.tobytes() != third.image.tobytes()


def test_around_paints_grow_px_into_the_product_edge() -> None:
    mask = Image.new("L", (41, 41), 0)
    ImageDraw.Draw(mask).rectangle((10, 10, 30, 30), fill=255)
    soft = Image.new("L", (41, 41), 200)

    paint = np.asarray(generated._paint_mask(mask, 4))

    assert (paint[14:27, 14:27] == 0).all()
    assert paint[13, 20] == 255 and paint[27, 20] == 255
    assert paint[20, 13] == 255 and paint[20, 27] == 255
    assert (paint[:10] == 255).all()
    assert (np.asarray(generated._paint_mask(soft, 0)) == 255).all()


def test_around_refuses_a_mask_of_another_size(
    placed_product: tuple[Image.Image, Image.Image],
) -> None:
    canvas, _ = placed_product

    with pytest.raises(ValueError, match="product_mask must match"):
        generate_around(canvas, Image.new("L", (32, 32)), PROMPT)


# Progress and cancelling ----------------------------------------------------


def test_progress_is_reported_after_every_step() -> None:
    steps: list[tuple[int, int]] = []

    generate_backdrop(
        PROMPT, (64, 64), on_step=lambda step, total: steps.append((step, total))
    )

    assert steps == [(1, 2), (2, 2)]


def test_cancel_during_generation_raises_and_stops_stepping() -> None:
    steps: list[int] = []

    with pytest.raises(GenerationCancelled, match="cancelled"):
        generate_backdrop(
            PROMPT,
            (64, 64),
            on_step=lambda step, total: steps.append(step),
            should_stop=lambda: len(steps) >= 1,
        )

    assert steps == [1]


def test_cancel_before_start_runs_no_step(
    placed_product: tuple[Image.Image, Image.Image],
) -> None:
    canvas, mask = placed_product
    steps: list[int] = []

    with pytest.raises(GenerationCancelled) as caught:
        generate_around(
            canvas,
            mask,
            PROMPT,
            on_step=lambda step, total: steps.append(step),
            should_stop=lambda: True,
        )

    assert "취소" in caught.value.user_message()
    assert steps == []
    assert not generated.GENERATION_LOCK.locked()


# Prompts and model classes --------------------------------------------------


def test_short_prompt_is_kept_whole_with_the_photography_suffix() -> None:
    scene = generate_backdrop(PROMPT, (64, 64))

    assert scene.truncated is False
    assert scene.prompt == f"{PROMPT}, {generated.BACKDROP_SUFFIX}"
    assert scene.negative_prompt == generated.DEFAULT_NEGATIVE_PROMPT


def test_long_prompt_is_cut_to_the_text_encoder_limit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    long_prompt = " ".join([PROMPT] * 12)

    with caplog.at_level(logging.WARNING, logger="lite_app.scenes.generated"):
        scene = generate_backdrop(long_prompt, (64, 64))

    tokenizer = load_pipeline("text2image").tokenizer
    assert scene.truncated is True
    assert scene.prompt.startswith(PROMPT)
    assert scene.prompt.endswith(generated.BACKDROP_SUFFIX)
    assert len(tokenizer(scene.prompt).input_ids) <= TOKEN_LIMIT
    assert any("cut" in record.message for record in caplog.records)


def test_blank_prompt_is_refused_before_any_model_loads() -> None:
    with pytest.raises(LookInvalid, match="Describe the scene"):
        generate_backdrop("   ", (64, 64))


def test_full_step_model_runs_25_steps(
    tiny: TinyPipelines, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_SCENE_MODEL", str(tiny.plain_text2image))
    totals: set[int] = set()

    scene = generate_backdrop(
        PROMPT, (64, 64), on_step=lambda s, total: totals.add(total)
    )

    assert scene.steps == generated.FULL_STEPS
    assert totals == {generated.FULL_STEPS}
    assert load_pipeline("text2image").guidance_scale == generated.FULL_GUIDANCE


@pytest.mark.parametrize(
    ("model", "spacing", "steps"),
    [
        ("stabilityai/sd-turbo", "leading", generated.TURBO_STEPS),
        ("/srv/models/LCM_Dreamshaper_v7", "leading", generated.TURBO_STEPS),
        ("/srv/models/scene", "trailing", generated.TURBO_STEPS),
        ("stabilityai/stable-diffusion-2-inpainting", "leading", generated.FULL_STEPS),
    ],
    ids=["turbo-name", "lcm-folder", "trailing-scheduler", "plain"],
)
def test_steps_follow_the_model_class(model: str, spacing: str, steps: int) -> None:
    from diffusers import EulerDiscreteScheduler

    sampling = generated.sampling_for(
        model, EulerDiscreteScheduler(timestep_spacing=spacing)
    )

    assert sampling.steps == steps
    turbo = steps == generated.TURBO_STEPS
    assert sampling.guidance == (
        generated.TURBO_GUIDANCE if turbo else generated.FULL_GUIDANCE
    )


# Fallbacks ------------------------------------------------------------------


def test_missing_model_folder_is_unavailable_with_a_plain_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LITE_SCENE_MODEL", str(tmp_path / "no-such-model"))

    assert generation_available("text2image") is False
    with pytest.raises(GenerationUnavailable) as caught:
        generate_backdrop(PROMPT, (64, 64))

    assert_says_not_loaded(caught.value)
    message = caught.value.user_message()
    assert "no-such-model" not in message and "/" not in message


def test_broken_model_folder_is_unavailable(
    tiny: TinyPipelines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny.inpaint, broken)
    (broken / "model_index.json").write_text('{"_class_name": "StableDiff', "utf-8")
    monkeypatch.setenv("LITE_INPAINT_MODEL", str(broken))
    canvas = Image.new("RGB", (64, 64), "white")

    assert generation_available("inpaint") is True  # it looks like a model folder
    with pytest.raises(GenerationUnavailable) as caught:
        generate_around(canvas, Image.new("L", (64, 64)), PROMPT)
    assert_says_not_loaded(caught.value)
    assert generation_available("inpaint") is False


def test_uncached_hub_model_is_unavailable_offline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LITE_SCENE_MODEL", "sporky-lite-tests/no-such-model")

    assert generation_available() is False
    with pytest.raises(GenerationUnavailable) as caught:
        generate_backdrop(PROMPT, (64, 64))
    assert_says_not_loaded(caught.value)


def test_failed_load_is_not_retried_until_the_setting_changes(
    tiny: TinyPipelines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scene"
    shutil.copytree(tiny.text2image, folder)
    index = folder / "model_index.json"
    good_index = index.read_text("utf-8")
    index.write_text(json.dumps({"_class_name": "NoSuchPipeline"}), "utf-8")
    monkeypatch.setenv("LITE_SCENE_MODEL", str(folder))
    with pytest.raises(GenerationUnavailable):
        generate_backdrop(PROMPT, (64, 64))

    index.write_text(good_index, "utf-8")  # repaired, but the failure is remembered
    with pytest.raises(GenerationUnavailable):
        generate_backdrop(PROMPT, (64, 64))

    monkeypatch.setenv("LITE_SCENE_MODEL", str(tiny.text2image))
    assert generate_backdrop(PROMPT, (64, 64)).image.size == (64, 64)


def test_checking_availability_imports_no_torch() -> None:
    code = (
        "import sys\n"
        "from lite_app.scenes import generated\n"
        "generated.generation_available('text2image')\n"
        "generated.generation_available('inpaint')\n"
        "heavy = {'torch', 'diffusers', 'transformers'} & set(sys.modules)\n"
        "print(sorted(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.strip() == "[]"
