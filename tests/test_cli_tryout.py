"""The command line as a first-time seller meets it: names, settings, notes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lite_app.look import Look
from tests.conftest import jpeg_bytes, real_photo, run_cli, synthetic_product

HANGUL = range(0xAC00, 0xD7A4)


def has_korean(text: str) -> bool:
    return any(ord(char) in HANGUL for char in text)


@pytest.fixture
def coffee(tmp_path: Path) -> Path:
    path = tmp_path / "coffee.jpg"
    path.write_bytes(jpeg_bytes(real_photo("coffee")))
    return path


def env_with(**values: str) -> dict[str, str]:
    return {**os.environ, **values}


def test_a_bad_setting_stops_a_command_with_one_bilingual_message(
    coffee: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jpg"
    done = run_cli(
        "edit", str(coffee), "-o", str(output), env=env_with(LITE_TRIAL_IMAGES="abc")
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "LITE_TRIAL_IMAGES" in done.stderr and has_korean(done.stderr)
    assert not output.exists()


def test_a_web_server_setting_does_not_stop_a_command(coffee: Path) -> None:
    done = run_cli("scenes", env=env_with(PORT="abc"))
    assert done.returncode == 0, done.stderr
    assert "cloud-sky" in done.stdout


def test_an_unknown_log_level_is_refused_and_a_known_one_in_any_case_kept(
    coffee: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jpg"
    loud = env_with(LITE_LOG_LEVEL="LOUD")
    refused = run_cli("edit", str(coffee), "-o", str(output), env=loud)
    assert refused.returncode == 2
    assert "Traceback" not in refused.stderr
    assert "LITE_LOG_LEVEL" in refused.stderr and has_korean(refused.stderr)
    assert not output.exists()

    quiet = env_with(LITE_LOG_LEVEL="error")
    done = run_cli("edit", str(coffee), "-o", str(output), env=quiet)
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:2] == b"\xff\xd8"


@pytest.mark.parametrize(
    ("command", "asked", "taken"),
    [("edit", "other.png", "other.jpg"), ("cutout", "other.jpg", "other.png")],
    ids=["edit-jpeg-named-png", "cutout-png-named-jpg"],
)
def test_a_corrected_name_never_replaces_a_file_nobody_named(
    coffee: Path, tmp_path: Path, command: str, asked: str, taken: str
) -> None:
    other = tmp_path / taken
    other.write_bytes(jpeg_bytes(real_photo("chelsea")))
    before = other.read_bytes()

    refused = run_cli(command, str(coffee), "-o", str(tmp_path / asked))
    assert refused.returncode == 2
    assert other.read_bytes() == before
    assert not (tmp_path / asked).exists()
    assert taken in refused.stderr and has_korean(refused.stderr)
    assert refused.stdout == ""

    # Naming that file exactly is an ordinary overwrite.
    replaced = run_cli(command, str(coffee), "-o", str(other))
    assert replaced.returncode == 0, replaced.stderr
    assert other.read_bytes() != before
    assert replaced.stdout.strip() == str(other)


@pytest.mark.parametrize(
    "asked", ["", "out/.jpg", ".PNG"], ids=["empty", "hidden-jpg", "only-ending"]
)
def test_an_empty_or_ending_only_output_name_is_refused(
    coffee: Path, tmp_path: Path, asked: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    env = env_with(PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    done = run_cli("edit", str(coffee), "-o", asked, cwd=work, env=env)
    assert done.returncode == 2
    assert has_korean(done.stderr) and "name" in done.stderr
    assert list(work.rglob("*")) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coffee.jpg", "work"]


def test_a_jpeg_named_txt_is_written_with_a_bilingual_note(
    coffee: Path, tmp_path: Path
) -> None:
    output = tmp_path / "x.txt"
    done = run_cli("edit", str(coffee), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:2] == b"\xff\xd8"
    note = [line for line in done.stderr.splitlines() if "x.txt" in line]
    assert len(note) == 1 and has_korean(note[0]) and ".jpg" in note[0]


def warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING")]


def test_a_phone_sized_photo_edits_without_an_english_warning(tmp_path: Path) -> None:
    phone = tmp_path / "phone.jpg"
    phone.write_bytes(jpeg_bytes(real_photo("coffee").resize((4032, 3024))))
    output = tmp_path / "out.jpg"
    done = run_cli("edit", str(phone), "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:2] == b"\xff\xd8"
    assert warning_lines(done.stderr) == []


def test_a_jpeg_fitted_under_a_market_cap_edits_without_an_english_warning(
    tmp_path: Path,
) -> None:
    # Random texture as the product: the best JPEG of it is over interpark's
    # 1 MB, so the quality is lowered to fit, as promised.
    texture = np.random.default_rng(0).integers(0, 256, (1080, 800, 3), np.uint8)
    pixels = np.full((1200, 1200, 3), 235, np.uint8)
    pixels[60:1140, 200:1000] = texture
    photo = tmp_path / "noise.png"
    Image.fromarray(pixels).save(photo)
    output = tmp_path / "out.jpg"
    done = run_cli(
        "edit",
        str(photo),
        "--target",
        "interpark",
        "--scale",
        "1",
        "-o",
        str(output),
        env=env_with(LITE_LOG_LEVEL="INFO"),
    )
    assert done.returncode == 0, done.stderr
    assert 900_000 < output.stat().st_size <= 1024 * 1024
    assert "INFO lite_app.export: JPEG quality lowered" in done.stderr
    assert warning_lines(done.stderr) == []


def test_recipe_import_gives_the_new_recipe_the_name_asked_for(
    tmp_path: Path,
) -> None:
    recipe_file = tmp_path / "r.json"
    recipe_file.write_text(
        json.dumps({"name": "대리석 원본", "look": Look(scene="marble").to_dict()}),
        encoding="utf-8",
    )
    done = run_cli("recipe", "import", str(recipe_file), "--name", "복사본", "--public")
    assert done.returncode == 0, done.stderr
    new_id = done.stdout.split()[0]

    listed = run_cli("recipe", "list", "--public")
    assert listed.stdout.splitlines() == [f"{new_id}\t0\tpublic\t복사본"]

    # Without --name the file's own name is kept.
    again = run_cli("recipe", "import", str(recipe_file))
    shown = run_cli("recipe", "show", again.stdout.split()[0])
    assert "name: 대리석 원본" in shown.stdout.splitlines()


def test_a_recipe_file_that_is_not_json_is_said_to_be_unreadable(
    coffee: Path, tmp_path: Path
) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("this is not a recipe", encoding="utf-8")
    output = tmp_path / "out.jpg"
    done = run_cli("edit", str(coffee), "--recipe", str(garbage), "-o", str(output))
    assert done.returncode == 2
    assert "레시피 파일을 읽을 수 없습니다" in done.stderr
    assert "The recipe file cannot be read" in done.stderr
    assert "saved" not in done.stderr and "저장" not in done.stderr
    assert not output.exists()


def test_cropped_cutout_is_the_transparent_target(coffee: Path, tmp_path: Path) -> None:
    cut, edited = tmp_path / "cut.png", tmp_path / "edited.png"
    done = run_cli("cutout", str(coffee), "--crop", "-o", str(cut))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(cut)
    run_cli("edit", str(coffee), "--target", "transparent", "-o", str(edited))

    image = Image.open(cut)
    assert (image.format, image.mode) == ("PNG", "RGBA")
    assert image.width < 600 and image.height <= 400
    assert cut.read_bytes() == edited.read_bytes()


def test_batch_prints_each_written_path_and_where_shared_names_went(
    tmp_path: Path,
) -> None:
    photos, results = tmp_path / "in", tmp_path / "out"
    photos.mkdir()
    product, _ = synthetic_product((320, 240))
    product.save(photos / "a.jpg")
    product.save(photos / "a.png")
    product.save(photos / "a-jpg.jpg")
    (photos / "broken.jpg").write_bytes(b"\xff\xd8 not a photo")

    done = run_cli("batch", str(photos), str(results))
    assert done.returncode == 1
    written = [Path(line) for line in done.stdout.splitlines()]
    assert sorted(path.name for path in written) == [
        "a-jpg-2-smartstore.jpg",
        "a-jpg-smartstore.jpg",
        "a-png-smartstore.jpg",
    ]
    assert all(path.parent == results for path in written)
    assert sorted(results.iterdir()) == sorted(written)
    assert "- a.jpg -> a-jpg-2-smartstore.jpg" in done.stderr
    assert "- a.png -> a-png-smartstore.jpg" in done.stderr
    assert "broken.jpg" in done.stderr
    # Not a terminal: no progress bar lines mixed into what a log keeps.
    assert "photo/s" not in done.stderr and "\r" not in done.stderr


def test_the_command_line_words_a_bad_log_level_as_the_server_does() -> None:
    done = run_cli("scenes", env=env_with(LITE_LOG_LEVEL="LOUD"))
    assert done.returncode == 2
    korean, english = done.stderr.strip().splitlines()
    for line in (korean, english):
        assert "DEBUG, INFO, WARNING, ERROR, CRITICAL" in line and "'LOUD'" in line


def test_a_missing_recipe_file_is_named_as_a_missing_file(
    coffee: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out.jpg"
    missing = tmp_path / "nosuch.json"
    done = run_cli("edit", str(coffee), "--recipe", str(missing), "-o", str(output))
    assert done.returncode == 2
    assert "레시피 파일이 없습니다" in done.stderr and "nosuch.json" in done.stderr
    assert "link" not in done.stderr
    assert not output.exists()


def test_an_output_ending_in_a_slash_is_a_folder_made_for_it(
    coffee: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "sub"
    done = run_cli("edit", str(coffee), "-o", f"{folder}/")
    assert done.returncode == 0, done.stderr
    assert folder.is_dir()
    written = Path(done.stdout.strip())
    assert written.parent == folder and written.suffix == ".jpg"
    assert Image.open(written).size == (1000, 1000)


def test_a_name_of_only_a_space_and_an_ending_is_refused(
    coffee: Path, tmp_path: Path
) -> None:
    done = run_cli("edit", str(coffee), "-o", str(tmp_path / " .jpg"))
    assert done.returncode == 2
    assert "확장자뿐" in done.stderr and "only a file ending" in done.stderr
    assert not (tmp_path / " .jpg").exists()
