"""Refinement on top of U2-Net-p: loops stay loops, holes stay open, a box picks
the product, the cutout says when it is unsure, and brush strokes stick."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import png_bytes
from PIL import Image, ImageDraw

from lite_app import cutout, edit_cli, refine
from lite_app.editor import edit, working_box
from lite_app.errors import LookInvalid
from lite_app.intake import load_photo
from lite_app.look import Look
from lite_app.weights import ensure_weights

BACKGROUND = (232, 230, 226)
SIDE = 480


@pytest.fixture(scope="module", autouse=True)
def weights():
    return ensure_weights(download=True)


def iou(alpha: np.ndarray, truth: np.ndarray) -> float:
    a, b = alpha >= 0.5, truth >= 0.5
    return float((a & b).sum() / max((a | b).sum(), 1))


def bare_alpha(photo: Image.Image) -> np.ndarray:
    probability = cutout.get_model().predict(photo)
    return np.asarray(cutout.mask_at_size(probability, photo.size), np.float32) / 255


def render(
    draw_product, colour: tuple[int, int, int], size: tuple[int, int] = (SIDE, SIDE)
) -> tuple[Image.Image, np.ndarray]:
    """A product drawn at 4x and reduced (exact edge alpha) on a plain background."""
    big = Image.new("L", (size[0] * 4, size[1] * 4), 0)
    draw_product(ImageDraw.Draw(big), 4)
    truth = np.asarray(big.reduce(4), np.float32) / 255
    shade = np.linspace(0.85, 1.1, size[0], dtype=np.float32)[None, :, None]
    product = np.clip(np.array(colour, np.float32) * shade, 0, 255)
    a = truth[..., None]
    pixels = a * product + (1 - a) * np.array(BACKGROUND, np.float32)
    return Image.fromarray(np.round(pixels).astype(np.uint8), "RGB"), truth


def draw_loop(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.ellipse((90 * s, 110 * s, 390 * s, 370 * s), outline=255, width=5 * s)


def draw_mug(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.rounded_rectangle((100 * s, 120 * s, 300 * s, 380 * s), 14 * s, fill=255)
    draw.ellipse((250 * s, 170 * s, 400 * s, 330 * s), outline=255, width=22 * s)


def test_a_thin_loop_stays_a_loop():
    photo, truth = render(draw_loop, (150, 40, 30))
    alpha = np.asarray(cutout.cut_out(photo).mask, np.float32) / 255
    assert alpha[240, 240] < 0.5  # the loop's inside is background
    on_loop = truth >= 0.9
    assert (alpha[on_loop] >= 0.5).mean() > 0.9
    assert iou(alpha, truth) > 0.75
    assert iou(alpha, truth) > iou(bare_alpha(photo), truth) + 0.25


def test_a_mug_handle_stays_open():
    photo, truth = render(draw_mug, (30, 110, 60))
    alpha = np.asarray(cutout.cut_out(photo).mask, np.float32) / 255
    assert alpha[250, 340] < 0.5  # the middle of the handle's hole
    assert alpha[250, 200] > 0.95  # the mug's body
    assert iou(alpha, truth) > 0.95


def frame_filling_product() -> tuple[Image.Image, np.ndarray]:
    def slab(draw: ImageDraw.ImageDraw, s: int) -> None:
        draw.rounded_rectangle((8 * s, 8 * s, 472 * s, 472 * s), 40 * s, fill=255)

    photo, truth = render(slab, (200, 40, 45))
    pixels = np.asarray(photo).copy()
    pixels[200:260, 10:470] = (245, 240, 225)  # a label band across it
    pixels[220:240, 10:470] = (80, 80, 80)
    return Image.fromarray(pixels, "RGB"), truth


def test_a_product_filling_the_frame_is_found_against_the_backdrop():
    photo, truth = frame_filling_product()
    alpha = np.asarray(cutout.cut_out(photo).mask, np.float32) / 255
    assert (
        iou(bare_alpha(photo), truth) < 0.7
    )  # the model keeps little more than the label
    assert iou(alpha, truth) > 0.95


def test_a_textured_frame_is_no_backdrop():
    from skimage import data

    brick = np.asarray(Image.fromarray(data.brick()).convert("RGB"), np.float32)
    assert refine.backdrop_product(brick) is None
    photo, _ = frame_filling_product()
    assert refine.backdrop_product(np.asarray(photo, np.float32)) is not None


def two_products() -> tuple[Image.Image, np.ndarray, np.ndarray]:
    def left(draw: ImageDraw.ImageDraw, s: int) -> None:
        draw.rounded_rectangle((40 * s, 140 * s, 180 * s, 400 * s), 20 * s, fill=255)

    def right(draw: ImageDraw.ImageDraw, s: int) -> None:
        draw.rectangle((300 * s, 180 * s, 440 * s, 380 * s), fill=255)

    photo_left, truth_left = render(left, (200, 40, 40))
    _, truth_right = render(right, (30, 80, 190))
    pixels = np.asarray(photo_left, np.float32)
    blue = np.array((30, 80, 190), np.float32)
    pixels = truth_right[..., None] * blue + (1 - truth_right[..., None]) * pixels
    photo = Image.fromarray(np.round(pixels).astype(np.uint8), "RGB")
    return photo, truth_left, truth_right


def test_a_box_picks_the_product_inside_it_of_two():
    photo, truth_left, truth_right = two_products()
    result = cutout.cut_out(photo, box=(290, 170, 450, 390))
    alpha = np.asarray(result.mask, np.float32) / 255
    assert iou(alpha, truth_right) > 0.95
    assert alpha[truth_left >= 0.5].max() == 0.0
    assert result.bbox[0] >= 285


def test_without_a_box_both_products_are_kept():
    photo, truth_left, truth_right = two_products()
    alpha = np.asarray(cutout.cut_out(photo).mask, np.float32) / 255
    assert iou(alpha, np.maximum(truth_left, truth_right)) > 0.9


def test_edges_snap_to_the_photo_when_the_mask_is_off():
    # A model whose mask is three pixels too wide all round: the refined edge
    # follows the photo, down to the partial alpha of edge pixels.
    def disk(draw: ImageDraw.ImageDraw, s: int) -> None:
        draw.ellipse((50 * s, 50 * s, 430 * s, 430 * s), fill=255)

    photo, truth = render(disk, (40, 60, 170))
    too_wide = refine.dilate(truth >= 0.5, 3).astype(np.float32)

    def predict(image: Image.Image) -> np.ndarray:
        assert image.size == photo.size
        small = Image.fromarray(too_wide, "F").resize((320, 320))
        return np.asarray(small, np.float32)

    alpha = refine.refine(photo, predict).alpha
    assert np.abs(alpha - truth).mean() < 0.2 * np.abs(too_wide - truth).mean()
    edge = (truth > 0.05) & (truth < 0.95)
    assert np.abs(alpha[edge] - truth[edge]).mean() < 0.15


@pytest.mark.parametrize(
    ("alpha", "expected"),
    [
        (np.pad(np.ones((10, 10)), ((95, 95), (95, 95))), refine.WARN_EMPTY),
        (np.ones((200, 200)), refine.WARN_FULL),
        (np.pad(np.ones((200, 120)), ((0, 0), (0, 80))), refine.WARN_BORDER),
        (
            np.kron(np.indices((20, 20)).sum(0) % 2, np.ones((10, 10))),
            refine.WARN_RAGGED,
        ),
    ],
    ids=["almost-empty", "almost-full", "touches-the-border", "ragged"],
)
def test_confidence_warnings_name_the_problem_and_what_to_do(alpha, expected):
    warnings = refine.confidence_warnings(alpha.astype(np.float32), False)
    assert expected in warnings
    ko, en = expected
    assert ("상자" in ko or "브러시" in ko or "배경" in ko) and en.endswith(".")


def test_a_clean_cutout_has_no_warnings():
    photo, _ = render(draw_mug, (30, 110, 60))
    assert cutout.cut_out(photo).warnings == ()


def draw_bottle(draw: ImageDraw.ImageDraw, s: int) -> None:
    draw.rounded_rectangle((170 * s, 100 * s, 310 * s, 420 * s), 30 * s, fill=255)


def test_a_product_like_its_background_is_flagged_and_kept_whole():
    photo, truth = render(draw_bottle, (226, 224, 220))
    result = cutout.cut_out(photo)
    assert refine.WARN_SAME_COLOUR in result.warnings
    assert iou(np.asarray(result.mask, np.float32) / 255, truth) > 0.95


def glass_photo() -> tuple[Image.Image, np.ndarray]:
    """A tumbler: a see-through body (alpha 0.3), a nearly opaque rim and base."""
    s = 4
    big = Image.new("L", (SIDE * s, SIDE * s), 0)
    draw = ImageDraw.Draw(big)
    body = [(150, 80), (330, 80), (310, 420), (170, 420)]
    draw.polygon([(x * s, y * s) for x, y in body], fill=77, outline=235, width=6 * s)
    draw.rectangle((170 * s, 385 * s, 310 * s, 420 * s), fill=225)
    truth = np.asarray(big.reduce(s), np.float32) / 255
    ramp = np.linspace(1.0, 0.9, SIDE, dtype=np.float32)[:, None, None]
    backdrop = np.array((150, 152, 148), np.float32) * ramp
    a = truth[..., None]
    pixels = a * np.array((215, 228, 232), np.float32) + (1 - a) * backdrop
    pixels += np.random.default_rng(3).normal(0, 2, pixels.shape)
    photo = Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8))
    return photo, truth


@pytest.mark.parametrize("box", [None, (130, 60, 350, 440)], ids=["free", "boxed"])
def test_a_glass_keeps_its_outline_and_a_see_through_body(box):
    photo, truth = glass_photo()
    result = cutout.cut_out(photo, box=box)
    alpha = np.asarray(result.mask, np.float32) / 255
    body = (truth > 0.25) & (truth < 0.35)
    assert (alpha[body] < 0.5).all()  # not filled in as if opaque
    assert np.abs(alpha[body] - truth[body]).mean() < 0.1
    assert (alpha[truth >= 0.85] >= 0.5).mean() > 0.98  # rim and base
    assert iou(alpha, truth) > 0.9
    assert refine.WARN_SEE_THROUGH in result.warnings
    assert refine.WARN_RAGGED not in result.warnings


def test_a_box_hint_turns_off_the_border_warning():
    full = np.pad(np.ones((200, 120), np.float32), ((0, 0), (0, 80)))
    assert refine.WARN_BORDER not in refine.confidence_warnings(full, True)


def test_cutout_warnings_reach_the_sellers_notes():
    photo, _ = render(draw_bottle, (226, 224, 220))
    result = edit(png_bytes(photo), Look(target="coupang", scene="solid"))
    assert (refine.WARN_SAME_COLOUR[0], refine.WARN_SAME_COLOUR[1]) in [
        (note.ko, note.en) for note in result.notes
    ]


def test_brush_strokes_add_and_erase():
    alpha = np.zeros((100, 200), np.float32)
    alpha[:, 100:] = 1.0
    edits = [
        {"mode": "add", "points": [[0.1, 0.5], [0.3, 0.5]], "radius": 0.02},
        {"mode": "erase", "points": [[0.75, 0.2]], "radius": 0.05},
    ]
    edited = refine.apply_edits(alpha, edits)
    assert edited[50, 20:60].min() == 1.0  # along the added stroke
    assert edited[20, 150] == 0.0  # the erased dot's centre
    assert edited[80, 150] == 1.0 and edited[50, 90] == 0.0  # elsewhere unchanged


def test_brush_strokes_from_a_look_change_the_cutout():
    photo, truth = render(draw_mug, (30, 110, 60))
    erase_body = {"mode": "erase", "points": [[0.3, 0.5]], "radius": 0.05}
    add_corner = {"mode": "add", "points": [[0.9, 0.1]], "radius": 0.03}
    look = Look().with_changes(mask_edits=[erase_body, add_corner])
    result = cutout.cut_out(photo, mask_edits=look.mask_edits)
    mask = np.asarray(result.mask)
    assert mask[240, 144] == 0 and mask[48, 432] == 255
    assert mask[250, 200] == 255  # the body outside the erased dot stays


def test_brush_strokes_apply_to_a_photos_own_alpha():
    photo, truth = render(draw_mug, (30, 110, 60))
    alpha = Image.fromarray(np.round(truth * 255).astype(np.uint8), "L")
    edits = ({"mode": "erase", "points": ((0.3, 0.5),), "radius": 0.05},)
    result = cutout.cut_out(photo, alpha=alpha, mask_edits=edits)
    assert np.asarray(result.mask)[240, 144] == 0
    assert np.asarray(result.mask)[250, 200] == 255


@pytest.mark.parametrize(
    "stroke",
    [
        {"mode": "paint", "points": [[0.1, 0.1]], "radius": 0.05},
        {"mode": "add", "points": [[0.1, 1.5]], "radius": 0.05},
        {"mode": "add", "points": [], "radius": 0.05},
        {"mode": "add", "points": [[0.1, 0.1]] * 300, "radius": 0.05},
        {"mode": "add", "points": [[0.1, 0.1]], "radius": 0.5},
        {"mode": "add", "points": [[0.1, 0.1]], "radius": 0.05, "colour": 1},
        {"mode": "add", "points": [[True, 0.1]], "radius": 0.05},
    ],
    ids=[
        "mode",
        "outside",
        "no-points",
        "too-many-points",
        "too-wide",
        "extra",
        "bool",
    ],
)
def test_bad_brush_strokes_are_refused(stroke):
    with pytest.raises(LookInvalid):
        Look().with_changes(mask_edits=[stroke])


def test_too_many_brush_strokes_are_refused():
    stroke = {"mode": "add", "points": [[0.5, 0.5]], "radius": 0.01}
    with pytest.raises(LookInvalid, match="at most"):
        Look().with_changes(mask_edits=[stroke] * 257)


def test_brush_strokes_survive_a_look_round_trip():
    stroke = {"mode": "erase", "points": [[0.25, 0.5], [0.5, 0.5]], "radius": 0.03}
    look = Look().with_changes(mask_edits=[stroke])
    assert Look.from_json(look.to_json()) == look
    assert look.to_dict()["mask_edits"] == [stroke]


def test_painting_becomes_strokes_that_cover_it():
    painted = np.zeros((300, 400), bool)
    painted[100:160, 50:250] = True
    strokes = refine.strokes_from_paint(painted, "add", 128)
    assert 1 <= len(strokes) <= 128
    assert all(stroke["mode"] == "add" for stroke in strokes)
    covered = refine.apply_edits(np.zeros((300, 400), np.float32), strokes) >= 0.5
    assert covered[painted].mean() > 0.98
    assert covered[~painted].mean() < 0.05
    Look().with_changes(mask_edits=strokes)  # a valid look


def test_a_scribble_is_kept_within_the_stroke_budget():
    painted = np.random.default_rng(3).random((600, 600)) < 0.3
    assert len(refine.strokes_from_paint(painted, "erase", 40)) <= 40


def test_fixes_painted_in_the_web_app_go_into_the_look(tmp_path):
    from lite_app import ui

    photo, _ = render(draw_mug, (30, 110, 60))
    path = tmp_path / "mug.png"
    photo.save(path)
    layer = np.zeros((SIDE, SIDE, 4), np.uint8)
    layer[20:40, 20:60] = (34, 197, 94, 255)  # green: add
    layer[200:220, 150:170] = (239, 68, 68, 255)  # red: erase
    layer[90:92, 80:420] = (59, 130, 246, 255)  # blue: the box's outline
    layer[398:400, 80:420] = (59, 130, 246, 255)
    drawing = {"background": np.asarray(photo), "layers": [layer], "composite": None}
    look = Look.from_json(ui.apply_cutout_fix(drawing, str(path), Look().to_json()))
    assert look.box == (80, 90, 420, 400)
    modes = {stroke["mode"] for stroke in look.mask_edits}
    assert modes == {"add", "erase"}
    result = cutout.cut_out(photo, box=look.box, mask_edits=look.mask_edits)
    mask = np.asarray(result.mask)
    assert mask[30, 40] == 255 and mask[210, 160] == 0
    _, cleared = ui.clear_cutout_fix(str(path), look.to_json())
    assert Look.from_json(cleared).box is None
    assert Look.from_json(cleared).mask_edits == ()


def test_the_looks_box_is_scaled_to_the_working_photo():
    big = Image.new("RGB", (2000, 1000), BACKGROUND)
    buffer = io.BytesIO()
    big.save(buffer, "PNG")
    photo = load_photo(buffer.getvalue(), max_side=1000)
    assert working_box((200, 100, 1200, 900), photo) == (100, 50, 600, 450)
    assert working_box(None, photo) is None


def test_box_option_on_the_command_line():
    parser = argparse.ArgumentParser()
    edit_cli.register(parser.add_subparsers())
    args = parser.parse_args(["edit", "photo.jpg", "--box", "10,20,300,400"])
    assert edit_cli.look_from_args(args).box == (10, 20, 300, 400)
    for bad in ("10,20,300", "10,20,5,400", "a,b,c,d"):
        with pytest.raises(SystemExit):
            parser.parse_args(["edit", "photo.jpg", "--box", bad])


def test_cutout_command_takes_a_box(tmp_path):
    photo, truth_left, _ = two_products()
    source, out = tmp_path / "two.png", tmp_path / "cut.png"
    photo.save(source)
    done = subprocess.run(
        [sys.executable, "-m", "lite_app", "cutout", str(source), "-o", str(out)]
        + ["--box", "290,170,450,390"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    alpha = np.asarray(Image.open(out).getchannel("A"))
    assert alpha[truth_left >= 0.5].max() == 0
    assert alpha[280, 370] == 255


def test_regions_are_labelled_like_scikit_image():
    from skimage.measure import label

    rng = np.random.default_rng(7)
    mask = rng.random((120, 90)) < 0.45
    ours, count = refine.label_regions(mask)
    theirs = label(mask, connectivity=1)
    assert count == theirs.max()
    # Same partition: each of our regions is exactly one of theirs.
    pairs = {(a, b) for a, b in zip(ours[mask], theirs[mask], strict=True)}
    assert len(pairs) == count
    assert (ours[~mask] == 0).all()


def dark_products_on_dark() -> list[tuple[Image.Image, np.ndarray]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import cutout_set

    rng = np.random.default_rng(7)
    scenes = [cutout_set.make_dark_on_dark(rng, index, 640, 520) for index in (0, 1)]
    return [
        (scene.finish(f"dark-{i}", "dark").photo, scene.alpha)
        for i, scene in enumerate(scenes)
    ]


def test_a_box_hugging_the_product_does_not_lose_parts_of_it():
    for photo, truth in dark_products_on_dark():
        rows, cols = np.nonzero(truth >= 0.5)
        box = (int(cols.min()) - 4, int(rows.min()) - 4)
        box += (int(cols.max()) + 5, int(rows.max()) + 5)
        boxed = np.asarray(cutout.cut_out(photo, box=box).mask, np.float32) / 255
        free = np.asarray(cutout.cut_out(photo).mask, np.float32) / 255
        assert iou(boxed, truth) >= iou(free, truth) - 0.02
        assert iou(boxed, truth) > 0.8


def bag_on_grass() -> tuple[Image.Image, np.ndarray]:
    """A bag with a handle and a loose tag (exact alpha) on a photo of grass."""
    from skimage import data

    s = 4
    big = Image.new("L", (SIDE * s, SIDE * s), 0)
    draw = ImageDraw.Draw(big)
    draw.rounded_rectangle((110 * s, 230 * s, 370 * s, 410 * s), 16 * s, fill=255)
    draw.arc((150 * s, 70 * s, 330 * s, 400 * s), 180, 360, fill=255, width=8 * s)
    draw.ellipse((30 * s, 415 * s, 75 * s, 460 * s), fill=255)
    truth = np.asarray(big.reduce(s), np.float32) / 255
    grass = Image.fromarray(data.grass()).resize((SIDE, SIDE)).convert("RGB")
    a = truth[..., None]
    pixels = a * np.array((160, 140, 100), np.float32) + (1 - a) * np.asarray(grass)
    return Image.fromarray(np.round(pixels).astype(np.uint8), "RGB"), truth


def test_texture_the_model_half_believes_in_is_dropped():
    # A model that is sure of the bag and its tag and half believes in two
    # patches of grass, one inside the handle and one beside the bag.
    photo, truth = bag_on_grass()
    guess = truth.copy()
    patches = Image.new("L", photo.size, 0)
    ImageDraw.Draw(patches).ellipse((215, 150, 265, 200), fill=255)
    ImageDraw.Draw(patches).ellipse((400, 300, 450, 350), fill=255)
    guess = np.maximum(guess, 0.7 * np.asarray(patches, np.float32) / 255)

    def predict(image: Image.Image) -> np.ndarray:
        assert image.size == photo.size
        small = Image.fromarray(guess, "F").resize(
            (320, 320), Image.Resampling.BILINEAR
        )
        return np.asarray(small, np.float32)

    alpha = refine.refine(photo, predict).alpha
    assert alpha[150:200, 215:265].max() < 0.05  # inside the handle
    assert alpha[300:350, 400:450].max() < 0.05
    assert (alpha[truth >= 0.9] >= 0.5).mean() > 0.99  # the handle stays whole
    assert alpha[430:445, 45:60].min() > 0.95  # the tag, a piece of its own, too
    assert iou(alpha, truth) > 0.97
