"""Seller-facing answers: API lines in Korean with English, /preview without
a photo saying so, and command-line files named for the format they hold.

The web app runs on loopback and is driven through gradio_client, which sends
no language: the app then answers in Korean with the English beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import jpeg_bytes, launched_app, png_bytes, real_photo, run_cli
from PIL import Image

from lite_app import ui
from lite_app.editor import Note, edit
from lite_app.look import Look
from lite_app.words.protect import has_hangul

gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError

# Korean words the glossary knows, so the result carries notes about them.
PROMPT = "대리석 위"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with launched_app(tmp_path_factory.mktemp("app-data")) as url:
        yield gradio_client.Client(url, verbose=False)


@pytest.fixture(scope="module")
def rocket(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "rocket.jpg"
    path.write_bytes(jpeg_bytes(real_photo("rocket")))
    return path


def editor_notes(photo: Path, look: Look, preview: bool) -> tuple[Note, ...]:
    """The notes the editor itself makes for this photo and look."""
    notes = edit(photo, look, preview=preview).notes
    assert notes, "the prompt should leave at least one note"
    return notes


def assert_korean_then_english(text: str, notes: tuple[Note, ...]) -> None:
    for note in notes:
        assert note.ko in text and note.en in text
        assert text.index(note.ko) < text.index(note.en)


# --- 1. API lines in Korean and English ----------------------------------------


def test_preview_notes_carry_korean_and_english(client, rocket):
    look = Look(prompt=PROMPT)
    expected = editor_notes(rocket, look, preview=True)
    handle = gradio_client.handle_file(str(rocket))
    _preview, notes = client.predict(handle, look.to_json(), api_name="/preview")
    assert_korean_then_english(notes, expected)
    # One list item per note, each with its Korean and its English.
    items = notes.split("\n- ")
    assert len(items) == len(expected)
    assert all(has_hangul(item) for item in items)


def test_edit_receipt_and_images_left_carry_korean_and_english(client, rocket):
    look = Look(prompt=PROMPT, target="coupang")
    expected = editor_notes(rocket, look, preview=False)
    handle = gradio_client.handle_file(str(rocket))
    _image, path, receipt, _token, left = client.predict(
        handle, look.to_json(), "", api_name="/edit"
    )
    assert Image.open(path).size == (1000, 1000)
    assert receipt.startswith("쿠팡: 1000x1000 JPEG")
    assert "\nCoupang: 1000x1000 JPEG" in receipt
    assert_korean_then_english(receipt, expected)
    assert "남은 이미지 4장" in left and "**4 images left**" in left
    assert left.index("남은 이미지") < left.index("images left")
    assert "방문자 ID" in left and "Visitor ID" in left


def test_images_left_in_english_alone_when_english_is_chosen():
    from lite_app import credits, visitors

    visitor = visitors.identify(None)
    english = ui.images_left_markdown(credits.balance(visitor.visitor_id), "en")
    assert "**5 images left**" in english and not has_hangul(english)


def test_generation_progress_names_its_step_in_both_languages():
    seen: list[str] = []

    def progress(done: tuple[int, int], desc: str, unit: str) -> None:
        seen.append(desc)

    ui._step_reporter(progress, "ko")(1, 2)
    ui._step_reporter(progress, "en")(2, 2)
    assert seen == ["장면 그리는 중 / Painting the scene", "Painting the scene"]


def test_a_recipe_picked_in_the_gallery_is_announced_in_both_languages():
    from lite_app import recipes

    recipe = recipes.save(recipes.OPERATOR, "Marble", Look(scene="marble"))
    *_look, korean_page = ui.open_recipe(recipe.id, language="ko")
    *_look, english_page = ui.open_recipe(recipe.id, language="en")
    assert korean_page == "\n".join(ui.TEXT["recipe_loaded"])
    assert english_page == ui.TEXT["recipe_loaded"][1]


# --- 2. /preview without a photo ---------------------------------------------------


def test_preview_without_a_photo_says_so_in_korean_and_english(client):
    with pytest.raises(AppError) as caught:
        client.predict(None, Look().to_json(), api_name="/preview")
    message = str(caught.value)
    assert "먼저 상품 사진을 올려 주세요." in message
    assert "Upload a product photo first." in message
    assert message.index("먼저") < message.index("Upload")


def test_preview_after_a_refused_one_still_works(client, rocket):
    # The refusal changes nothing: the same client previews a photo at once.
    with pytest.raises(AppError):
        client.predict(None, Look().to_json(), api_name="/preview")
    handle = gradio_client.handle_file(str(rocket))
    preview, _notes = client.predict(handle, Look().to_json(), api_name="/preview")
    assert max(Image.open(preview).size) <= 512


def test_a_changed_look_before_any_photo_keeps_the_page_as_it_is():
    # The page's own refresh after a look change: no message, no output
    # replaced, so a preview or notes already shown stay.
    image, notes = ui.refresh_preview(None, Look(scene="marble").to_json())
    assert image == {"__type__": "update"} and notes == {"__type__": "update"}


# --- 3. command-line files named for the format written -----------------------------


@pytest.fixture(scope="module")
def coffee(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "coffee.jpg"
    small = real_photo("coffee").resize((300, 200))
    path.write_bytes(jpeg_bytes(small))
    return path


def image_names(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.is_file())


def renamed_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "saved as" in line]
    assert len(lines) == 1, stderr
    return lines[0]


def test_edit_transparent_into_a_jpg_name_writes_a_png_and_says_so(coffee, tmp_path):
    asked = tmp_path / "out.jpg"
    done = run_cli("edit", str(coffee), "--target", "transparent", "-o", str(asked))
    assert done.returncode == 0, done.stderr
    written = tmp_path / "out.png"
    assert not asked.exists()
    assert done.stdout.strip() == str(written)
    image = Image.open(written)
    assert (image.format, image.mode) == ("PNG", "RGBA")
    line = renamed_line(done.stderr)
    assert "PNG" in line and "out.png" in line and "저장했습니다" in line


def test_edit_jpeg_target_into_a_png_name_writes_a_jpg(coffee, tmp_path):
    done = run_cli(
        "edit", str(coffee), "--target", "coupang", "-o", str(tmp_path / "out.PNG")
    )
    assert done.returncode == 0, done.stderr
    assert image_names(tmp_path) == ["out.jpg"]
    assert Image.open(tmp_path / "out.jpg").format == "JPEG"
    assert "out.jpg" in renamed_line(done.stderr)


@pytest.mark.parametrize("name", ["out.jpeg", "out.JPG", "out"], ids=str)
def test_edit_keeps_a_name_that_does_not_claim_another_format(coffee, tmp_path, name):
    done = run_cli(
        "edit", str(coffee), "--target", "coupang", "-o", str(tmp_path / name)
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / name).format == "JPEG"
    assert "saved as" not in done.stderr


def test_cutout_into_a_jpg_name_writes_a_png(coffee, tmp_path):
    done = run_cli("cutout", str(coffee), "-o", str(tmp_path / "cut.jpg"))
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "cut.jpg").exists()
    image = Image.open(tmp_path / "cut.png")
    assert (image.format, image.mode) == ("PNG", "RGBA")
    assert "cut.png" in renamed_line(done.stderr)


@pytest.mark.parametrize("command", ["edit", "cutout"])
def test_a_corrected_name_that_is_the_photo_itself_is_refused(tmp_path, command):
    photo = tmp_path / "bottle.png"
    photo.write_bytes(png_bytes(real_photo("coffee").resize((300, 200))))
    before = photo.read_bytes()
    extra = ["--target", "transparent"] if command == "edit" else []
    done = run_cli(command, str(photo), *extra, "-o", str(tmp_path / "bottle.jpg"))
    assert done.returncode == 2
    assert "original photo" in done.stderr and "원본" in done.stderr
    assert photo.read_bytes() == before
    assert image_names(tmp_path) == ["bottle.png"]


def test_batch_names_each_file_for_the_format_it_holds(coffee, tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(coffee.read_bytes())
    done = run_cli(
        "batch", str(photos), str(tmp_path / "out"), "--target", "transparent"
    )
    assert done.returncode == 0, done.stderr
    image = Image.open(tmp_path / "out" / "a-transparent.png")
    assert (image.format, image.mode) == ("PNG", "RGBA")


def test_every_shown_image_is_a_file_of_its_own(tmp_path):
    """Two sellers previewing the same photo and look get two whole files.

    Gradio caches a Pillow image under a name made from its pixels and writes
    it in place, so identical pictures at the same moment shared one file that
    could be read half-written; each result is now its own file.
    """
    photo = tmp_path / "rocket.jpg"
    photo.write_bytes(jpeg_bytes(real_photo("rocket")))
    first, _ = ui.preview_photo(str(photo), Look().to_json(), "ko")
    second, _ = ui.preview_photo(str(photo), Look().to_json(), "ko")
    assert first != second
    assert Path(first).read_bytes() == Path(second).read_bytes()
    with Image.open(first) as shown:
        assert max(shown.size) == 512
        shown.load()
