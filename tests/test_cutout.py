"""The cutout: U2-Net-p masks as rembg makes them, clean edges, clear refusals."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

from lite_app import cutout
from lite_app.errors import CutoutFailed
from lite_app.weights import ensure_weights


@pytest.fixture(scope="module", autouse=True)
def weights():
    return ensure_weights(download=True)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


@pytest.mark.parametrize("name", ["coffee", "rocket", "chelsea"])
def test_mask_matches_rembg_u2netp_session(real_photos, weights, name, monkeypatch):
    monkeypatch.setenv("U2NET_HOME", str(weights.parent))
    from rembg import new_session

    photo = real_photos[name]
    theirs = np.asarray(new_session("u2netp").predict(photo)[0], dtype=np.int16)
    probability = cutout.get_model().predict(photo)
    ours = Image.fromarray((probability * 255).astype(np.uint8), "L").resize(
        photo.size, Image.Resampling.LANCZOS
    )
    difference = np.abs(np.asarray(ours, dtype=np.int16) - theirs)
    assert difference.max() <= 2
    assert difference.mean() < 0.05


def test_cutout_finds_a_plain_product_with_iou_over_0_9(product_photo):
    photo, truth = product_photo
    result = cutout.cut_out(photo)
    assert iou(np.asarray(result.mask) >= 128, truth) >= 0.9


def test_product_box_encloses_the_product(product_photo):
    photo, truth = product_photo
    x0, y0, x1, y1 = cutout.cut_out(photo).bbox
    rows, cols = np.nonzero(truth)
    assert x0 <= cols.min() + 3 and x1 >= cols.max() - 3
    assert y0 <= rows.min() + 3 and y1 >= rows.max() - 3


def test_model_session_is_created_once():
    assert cutout.get_model() is cutout.get_model()


def test_photo_alpha_is_used_without_running_the_model(product_photo, monkeypatch):
    photo, truth = product_photo
    alpha = Image.fromarray(np.where(truth, 255, 0).astype(np.uint8), "L")
    monkeypatch.setattr(cutout, "get_model", _model_must_not_run)
    result = cutout.cut_out(photo, alpha=alpha)
    assert result.from_photo_alpha
    assert np.array_equal(np.asarray(result.mask), np.asarray(alpha))


def _model_must_not_run(**_options):
    raise AssertionError("the model ran although the photo had its own alpha")


def test_empty_mask_is_refused_in_both_languages():
    blank = Image.new("L", (200, 200), 0)
    with pytest.raises(CutoutFailed, match="상품을 찾지 못했습니다") as caught:
        cutout.product_box(blank)
    assert "No product was found" in caught.value.message_en


def test_decontaminate_removes_old_background_from_edges():
    # Red product on a green background; a soft edge column mixes them 50/50.
    rgb = np.zeros((40, 40, 3), dtype=np.uint8)
    rgb[:, :20] = (220, 20, 20)
    rgb[:, 20] = (110, 120, 10)
    rgb[:, 21:] = (0, 220, 0)
    alpha = np.zeros((40, 40), dtype=np.uint8)
    alpha[:, :20] = 255
    alpha[:, 20] = 128
    cleaned = cutout.decontaminate(rgb, alpha)
    assert cleaned[20, 20, 1] < 60  # most of the green is gone from the edge
    assert cleaned[20, 20, 0] > 150  # and it is red like the product
    assert np.array_equal(cleaned[:, :20], rgb[:, :20])  # solid product untouched


def test_decontaminate_leaves_a_fully_opaque_image_alone(real_photos):
    rgb = np.asarray(real_photos["coffee"])
    alpha = np.full(rgb.shape[:2], 255, dtype=np.uint8)
    assert np.array_equal(cutout.decontaminate(rgb, alpha), rgb)


def test_unknown_cutout_model_without_weights_falls_back_to_u2netp(monkeypatch):
    monkeypatch.setenv("LITE_CUTOUT_MODEL", "isnet-general-use")
    assert cutout.model_name() == "u2netp"
    assert os.environ["LITE_CUTOUT_MODEL"] == "isnet-general-use"


MEMORY_PROBE = """
import sys, threading
from PIL import Image
from lite_app import cutout
if sys.argv[1] == "low":
    cutout.keep_model_memory_low()
model = cutout.get_model()
photo = Image.new("RGB", (320, 320), (200, 40, 40))
runs = [threading.Thread(target=model.predict, args=(photo,)) for _ in range(2)]
for run in runs:
    run.start()
for run in runs:
    run.join()
pages = int(open("/proc/self/statm").read().split()[1])
print(pages * 4096 // 2**20)
"""


def resident_mb_after_two_runs_at_once(mode: str) -> int:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.split()[-1])


def test_a_server_gives_the_models_working_memory_back():
    kept = resident_mb_after_two_runs_at_once("fast")
    released = resident_mb_after_two_runs_at_once("low")
    assert released < kept - 100
