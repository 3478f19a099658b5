"""Rendered scene presets: sizes, determinism, params, refusals, cache, thumbnails."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import lite_app.scenes
from lite_app.errors import LookInvalid
from lite_app.scenes import presets
from lite_app.scenes.presets import (
    DEFAULT_SCENE,
    PRESETS,
    checked_params,
    list_presets,
    render_scene,
    thumbnail_path,
    write_thumbnails,
)

SCENE_IDS = [
    "cloud-sky",
    "studio-white",
    "studio-gray",
    "pastel-gradient",
    "sunset",
    "marble",
    "wood-table",
    "solid",
]
NOISY_SCENES = ["cloud-sky", "pastel-gradient", "sunset", "marble", "wood-table"]
FLOOR_SCENES = ["studio-white", "studio-gray", "marble", "wood-table"]
SIZES = [(1000, 1000), (750, 1000), (1080, 1350), (640, 480), (64, 64), (1, 1)]


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    """Empty the scene cache so a render really paints."""
    presets._render_cached.cache_clear()
    yield
    presets._render_cached.cache_clear()


def pixels(scene_id: str, size=(200, 200), seed: int = 0, **params) -> np.ndarray:
    image = render_scene(scene_id, size, params, seed=seed).image
    return np.asarray(image, dtype=np.float64)


def red_minus_blue(image: np.ndarray) -> float:
    return float((image[..., 0] - image[..., 2]).mean())


# --- the catalogue ---------------------------------------------------------


def test_scene_ids_are_stable_with_cloud_sky_first():
    assert list(PRESETS) == SCENE_IDS
    assert [preset.id for preset in list_presets()] == SCENE_IDS
    assert DEFAULT_SCENE == "cloud-sky"


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_preset_has_korean_and_english_names(scene_id):
    preset = PRESETS[scene_id]
    assert any("\uac00" <= char <= "\ud7a3" for char in preset.name_ko)
    assert preset.name_en.isascii() and preset.name_en.strip()


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_preset_has_defaults_for_all_four_params(scene_id):
    defaults = PRESETS[scene_id].defaults
    assert set(defaults) == {"color", "accent", "brightness", "warmth"}
    assert checked_params(scene_id, None) == checked_params(scene_id, defaults)


def test_the_scenes_package_offers_the_preset_interface():
    assert lite_app.scenes.render_scene is render_scene
    assert lite_app.scenes.PRESETS is PRESETS
    assert lite_app.scenes.DEFAULT_SCENE == "cloud-sky"
    with pytest.raises(AttributeError):
        lite_app.scenes.paint_everything  # noqa: B018


def test_only_floor_scenes_have_a_floor_and_only_marble_is_glossy():
    assert [p.id for p in list_presets() if p.has_floor] == FLOOR_SCENES
    assert [p.id for p in list_presets() if p.glossy] == ["marble"]


# --- sizes and modes -------------------------------------------------------


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_preset_renders_rgb_at_the_requested_size(scene_id, size):
    scene = render_scene(scene_id, size)
    assert scene.image.mode == "RGB"
    assert scene.image.size == size
    assert scene.preset_id == scene_id


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_floor_line_is_set_for_floor_scenes_only(scene_id):
    scene = render_scene(scene_id, (300, 300))
    preset = PRESETS[scene_id]
    if preset.has_floor:
        assert scene.floor_y is not None and 0.5 < scene.floor_y < 1.0
    else:
        assert scene.floor_y is None
    assert scene.glossy is preset.glossy


# --- determinism -----------------------------------------------------------


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_same_seed_and_params_give_identical_pixels(scene_id, fresh_cache):
    first = render_scene(scene_id, (750, 1000), {"warmth": 0.2}, seed=7)
    presets._render_cached.cache_clear()
    second = render_scene(scene_id, (750, 1000), {"warmth": 0.2}, seed=7)
    assert first is not second
    assert first.image.tobytes() == second.image.tobytes()


@pytest.mark.parametrize("scene_id", NOISY_SCENES)
def test_different_seeds_give_different_scenes(scene_id):
    one, other = pixels(scene_id, seed=1), pixels(scene_id, seed=2)
    assert np.abs(one - other).mean() > 1.0


# --- params ----------------------------------------------------------------


def test_solid_white_is_pure_white_everywhere():
    for size in [(1000, 1000), (750, 1000), (64, 64)]:
        image = render_scene("solid", size, {"color": "#FFFFFF"}).image
        assert image.getextrema() == ((255, 255), (255, 255), (255, 255))


def test_solid_takes_any_colour_exactly():
    image = render_scene("solid", (120, 80), {"color": "#1e90ff"}).image
    assert image.getextrema() == ((30, 30), (144, 144), (255, 255))


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_warmth_moves_colour_toward_orange_or_blue(scene_id):
    neutral = red_minus_blue(pixels(scene_id))
    assert red_minus_blue(pixels(scene_id, warmth=0.5)) > neutral + 5
    assert red_minus_blue(pixels(scene_id, warmth=-0.5)) < neutral - 5


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_brightness_lifts_or_darkens_the_scene(scene_id):
    grey = {"color": "#808080"} if scene_id == "solid" else {}
    middle = pixels(scene_id, **grey).mean()
    # Lifting closes part of the gap to white; darkening scales toward black.
    assert 255 - pixels(scene_id, brightness=0.3, **grey).mean() < 0.8 * (255 - middle)
    assert pixels(scene_id, brightness=-0.3, **grey).mean() < 0.8 * middle


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_main_colour_sets_the_scene_colour(scene_id):
    reddish = red_minus_blue(pixels(scene_id, color="#E04040"))
    bluish = red_minus_blue(pixels(scene_id, color="#4040E0"))
    assert reddish > bluish + 10


@pytest.mark.parametrize("scene_id", [s for s in SCENE_IDS if s != "solid"])
def test_accent_colour_shows_in_the_scene(scene_id):
    reddish = red_minus_blue(pixels(scene_id, accent="#E04040"))
    bluish = red_minus_blue(pixels(scene_id, accent="#4040E0"))
    assert reddish > bluish + 2


def test_checked_params_merge_defaults_and_normalize():
    params = checked_params("sunset", {"color": "#ff00aa", "brightness": 0})
    assert params == {
        "color": "#FF00AA",
        "accent": PRESETS["sunset"].defaults["accent"],
        "brightness": 0.0,
        "warmth": 0.0,
    }
    assert isinstance(params["brightness"], float)


# --- refusals --------------------------------------------------------------

BAD_PARAMS = [
    ({"glow": 1}, "Unknown scene option: glow"),
    ({"color": "red"}, "color must be a colour code like #FFAA00"),
    ({"color": "#12345"}, "color must be a colour code"),
    ({"accent": "#GG0000"}, "accent must be a colour code"),
    ({"accent": 0xFF0000}, "accent must be a colour code"),
    ({"brightness": 0.51}, "brightness must be a number from -0.5 to 0.5"),
    ({"brightness": -0.6}, "brightness must be a number from -0.5 to 0.5"),
    ({"warmth": math.nan}, "warmth must be a number"),
    ({"warmth": "0.2"}, "warmth must be a number"),
    ({"warmth": True}, "warmth must be a number"),
]


@pytest.mark.parametrize(
    ("params", "message"), BAD_PARAMS, ids=[m for _, m in BAD_PARAMS]
)
def test_bad_params_are_refused_in_both_languages(params, message):
    with pytest.raises(LookInvalid, match=message) as caught:
        render_scene("cloud-sky", (100, 100), params)
    assert caught.value.message_ko and caught.value.message_en


def test_unknown_scene_is_refused():
    with pytest.raises(LookInvalid, match="no scene called 'beach'") as caught:
        render_scene("beach", (100, 100))
    assert "없는 장면" in caught.value.message_ko
    with pytest.raises(LookInvalid, match="no scene called"):
        thumbnail_path("beach")
    with pytest.raises(LookInvalid, match="no scene called"):
        checked_params("beach", None)


def test_params_that_are_not_a_mapping_are_refused():
    with pytest.raises(LookInvalid, match="names and values"):
        render_scene("solid", (10, 10), ["color", "#FFFFFF"])  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [(0, 100), (100, 9000), (10.5, 10), (10,), "1x1"])
def test_bad_sizes_are_refused(size):
    with pytest.raises(LookInvalid, match="pixels on each side"):
        render_scene("solid", size)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", [-1, 1.5, True])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(LookInvalid, match="seed must be a whole number"):
        render_scene("cloud-sky", (10, 10), seed=seed)


# --- cache -----------------------------------------------------------------


def test_same_request_returns_the_cached_scene(fresh_cache):
    first = render_scene("marble", (400, 300), {"brightness": 0.1}, seed=3)
    again = render_scene("marble", (400, 300), {"brightness": 0.1}, seed=3)
    assert again is first
    # Defaults spelled out, or numbers as whole numbers, are the same request.
    spelled = dict(PRESETS["marble"].defaults, brightness=0.1)
    assert render_scene("marble", (400, 300), spelled, seed=3) is first
    assert render_scene("cloud-sky", (50, 50), {"warmth": 0}) is render_scene(
        "cloud-sky", (50, 50)
    )


def test_a_change_of_seed_size_or_params_paints_anew(fresh_cache):
    first = render_scene("marble", (400, 300), seed=3)
    assert render_scene("marble", (400, 300), seed=4) is not first
    assert render_scene("marble", (300, 400), seed=3) is not first
    assert render_scene("marble", (400, 300), {"warmth": 0.1}, seed=3) is not first


# --- what the scenes look like ---------------------------------------------


def test_cloud_sky_is_blue_with_white_clouds():
    image = pixels("cloud-sky", (400, 400))
    red, blue = image[..., 0], image[..., 2]
    assert blue.mean() > red.mean() + 30
    cloud = image.min(axis=2) > 215
    assert 0.02 < cloud.mean() < 0.6
    # The sky is deeper at the top than at the horizon.
    assert image[:40].mean() < image[-40:].mean()


def test_studio_sweep_is_lit_in_the_middle_and_falls_off_to_the_edges():
    image = pixels("studio-gray", (400, 400)).mean(axis=2)
    middle = image[240:280, 180:220].mean()
    assert middle > image[:20, :20].mean() + 10
    assert middle > image[:20, -20:].mean() + 10


def test_marble_has_dark_veins_on_light_stone():
    image = pixels("marble", (500, 500)).mean(axis=2)
    slab = image[300:]
    assert np.percentile(slab, 50) > 215
    assert np.percentile(slab, 0.5) < np.percentile(slab, 50) - 30


def test_wood_table_has_grain_below_and_a_plain_wall_above():
    image = pixels("wood-table", (500, 500)).mean(axis=2)
    wall, table = image[:200], image[320:]
    assert wall.mean() > table.mean() + 50
    assert np.abs(np.diff(table, axis=0)).mean() > np.abs(np.diff(wall, axis=0)).mean()


# --- thumbnails --------------------------------------------------------------


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_preset_has_a_committed_160px_thumbnail(scene_id):
    path = thumbnail_path(scene_id)
    assert path.name == f"{scene_id}.png" and path.parent.name == "scenes"
    with Image.open(path) as thumbnail:
        assert thumbnail.format == "PNG"
        assert thumbnail.size == (160, 160)


def test_committed_thumbnails_match_the_scenes_as_now_painted(tmp_path):
    written = write_thumbnails(tmp_path)
    assert [path.stem for path in written] == SCENE_IDS
    for path in written:
        fresh = np.asarray(Image.open(path).convert("RGB"), dtype=np.float64)
        committed = Image.open(thumbnail_path(path.stem)).convert("RGB")
        difference = np.abs(fresh - np.asarray(committed, dtype=np.float64))
        assert difference.mean() < 1.0, f"redraw {path.stem}: --thumbnails"


def test_thumbnail_command_writes_every_thumbnail(tmp_path):
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "lite_app.scenes.presets"]
    done = subprocess.run(
        [*command, "--thumbnails", "--folder", str(tmp_path)],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{scene_id}.png" for scene_id in SCENE_IDS
    )
    assert "RuntimeWarning" not in done.stderr
    without_flag = subprocess.run(command, cwd=root, capture_output=True, timeout=120)
    assert without_flag.returncode == 2
