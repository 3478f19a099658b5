"""Where the command line writes: one file per photo, plain errors, originals kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import jpeg_bytes, png_bytes, run_cli, synthetic_product
from PIL import Image

from lite_app.edit_cli import output_names
from lite_app.export import parse_target

COLORS = {"red": (200, 30, 40), "green": (30, 170, 40), "blue": (30, 40, 200)}


def product(color: str) -> Image.Image:
    return synthetic_product((200, 150), color=COLORS[color])[0]


def strongest_channel(path: Path) -> int:
    """The colour channel that stands out most in the image, 0 red to 2 blue."""
    pixels = np.asarray(Image.open(path).convert("RGB"), dtype=np.int32)
    spread = pixels.max(axis=2) - pixels.min(axis=2)
    colourful = pixels[spread > 80]
    return int(np.argmax(colourful.mean(axis=0)))


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "bottle.jpg"
    path.write_bytes(jpeg_bytes(product("red")))
    return path


# --- batch: every photo its own output --------------------------------------------


def test_photos_sharing_a_name_each_get_their_own_output(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(jpeg_bytes(product("red")))
    (photos / "a.png").write_bytes(png_bytes(product("green")))
    (photos / "A.JPG").write_bytes(jpeg_bytes(product("blue")))
    (photos / "b.jpg").write_bytes(jpeg_bytes(product("green")))
    out = tmp_path / "out"
    done = run_cli("batch", str(photos), str(out), "--target", "200x200")
    assert done.returncode == 0, done.stderr
    assert "4/4 done" in done.stderr
    written = sorted(path.name for path in out.iterdir())
    assert written == [
        "A-JPG-200x200.jpg",
        "a-jpg-2-200x200.jpg",
        "a-png-200x200.jpg",
        "b-200x200.jpg",
    ]
    assert strongest_channel(out / "A-JPG-200x200.jpg") == 2
    assert strongest_channel(out / "a-jpg-2-200x200.jpg") == 0
    assert strongest_channel(out / "a-png-200x200.jpg") == 1


def test_output_names_are_unique_even_ignoring_case_and_stable():
    target = parse_target("smartstore")
    photos = ["a.jpg", "a.png", "A.JPG", "a-jpg.png", "b.jpg", "c", "c.webp"]
    names = output_names(photos, target)
    assert len({name.casefold() for name in names.values()}) == len(photos)
    assert names["b.jpg"] == "b-smartstore.jpg"
    assert names["a-jpg.png"] == "a-jpg-smartstore.jpg"
    assert names["a.png"] == "a-png-smartstore.jpg"
    assert output_names(list(reversed(photos)), target) == names
    assert all(name.endswith("-smartstore.jpg") for name in names.values())


def test_batch_refuses_to_write_into_the_photo_folder(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(jpeg_bytes(product("red")))
    done = run_cli("batch", str(photos), str(photos / "." / "..") + "/in")
    assert done.returncode == 2
    assert "폴더" in done.stderr and "output folder" in done.stderr
    assert [path.name for path in photos.iterdir()] == ["a.jpg"]


def test_batch_into_a_file_is_a_plain_error(tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(jpeg_bytes(product("red")))
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    done = run_cli("batch", str(photos), str(blocker / "out"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Part of the path is a file" in done.stderr


# --- writing errors in plain words ------------------------------------------------


def test_edit_into_a_path_through_a_file_is_a_plain_error(photo, tmp_path):
    blocker = tmp_path / "existing_file"
    blocker.write_text("x")
    done = run_cli("edit", str(photo), "-o", str(blocker / "x.jpg"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "저장하지 못했습니다" in done.stderr
    assert "Could not save the file" in done.stderr and "x.jpg" in done.stderr
    assert blocker.read_text() == "x"


def test_cutout_into_a_path_through_a_file_is_a_plain_error(photo, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    done = run_cli("cutout", str(photo), "-o", str(blocker / "c.png"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "Part of the path is a file, not a folder." in done.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_edit_onto_a_full_disk_is_a_plain_error(photo):
    done = run_cli("edit", str(photo), "-o", "/dev/full")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "The disk is full." in done.stderr and "가득" in done.stderr


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs /proc")
def test_recipe_export_where_nothing_can_be_made_is_a_plain_error():
    from lite_app import recipes
    from lite_app.look import Look

    recipe = recipes.save(recipes.OPERATOR, "Marble", Look(scene="marble"))
    done = run_cli("recipe", "export", recipe.id, "-o", "/proc/nope.json")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "nope.json" in done.stderr and "저장하지 못했습니다" in done.stderr


def test_recipe_export_writes_the_file_and_its_folder(tmp_path):
    from lite_app import recipes
    from lite_app.look import Look

    recipe = recipes.save(recipes.OPERATOR, "Marble", Look(scene="marble"))
    out = tmp_path / "new" / "marble.json"
    done = run_cli("recipe", "export", recipe.id, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert recipes.read_file(out.read_bytes())[1] == Look(scene="marble")


# --- the original photo stays ------------------------------------------------------


@pytest.mark.parametrize("command", ["edit", "cutout"])
def test_writing_over_the_photo_itself_is_refused(tmp_path, command):
    original = tmp_path / "same.jpg"
    original.write_bytes(jpeg_bytes(product("red")))
    before = original.read_bytes()
    other_spelling = tmp_path / "sub" / ".." / "same.jpg"
    (tmp_path / "sub").mkdir()
    for output in (original, other_spelling):
        done = run_cli(command, str(original), "-o", str(output))
        assert done.returncode == 2
        assert "원본" in done.stderr and "original photo" in done.stderr
    assert original.read_bytes() == before
