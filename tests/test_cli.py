"""The command line: edit, cutout, batch, scenes, and its exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import jpeg_bytes, real_photo, run_cli
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def coffee(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "coffee.jpg"
    path.write_bytes(jpeg_bytes(real_photo("coffee")))
    return path


def test_edit_writes_a_marketplace_image(coffee, tmp_path):
    out = tmp_path / "out.jpg"
    done = run_cli(
        "edit", str(coffee), "--target", "coupang", "--scene", "marble", "-o", str(out)
    )
    assert done.returncode == 0, done.stderr
    image = Image.open(out)
    assert (image.format, image.size) == ("JPEG", (1000, 1000))


def test_edit_into_a_folder_uses_a_sensible_name(coffee, tmp_path):
    done = run_cli("edit", str(coffee), "--target", "kakao-tall", "-o", str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert Image.open(tmp_path / "coffee-kakao-tall.jpg").size == (750, 1000)


def test_cutout_is_an_rgba_png_the_size_of_the_photo(coffee, tmp_path):
    out = tmp_path / "cut.png"
    done = run_cli("cutout", str(coffee), "-o", str(out))
    assert done.returncode == 0, done.stderr
    image = Image.open(out)
    assert (image.format, image.mode, image.size) == ("PNG", "RGBA", (600, 400))
    pixels = np.asarray(image)
    hidden = pixels[..., 3] == 0
    assert hidden.any()
    # Nothing of the seller's table is left under the transparent pixels.
    assert pixels[hidden][:, :3].max() == 0


def test_batch_goes_on_past_bad_files_and_lists_them(coffee, tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(coffee.read_bytes())
    (photos / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    Image.open(coffee).save(photos / "c.png")
    done = run_cli("batch", str(photos), str(tmp_path / "out"), "--target", "11st")
    assert done.returncode == 1
    assert "b.png" in done.stderr
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["a-11st.jpg", "c-11st.jpg"]


def test_scenes_lists_ids_and_names():
    done = run_cli("scenes")
    assert done.returncode == 0
    ids = [line.split("\t")[0] for line in done.stdout.splitlines()]
    assert ids[0] == "cloud-sky"
    assert len(ids) >= 8 and "marble" in ids and "solid" in ids


@pytest.mark.parametrize(
    "args",
    [("edit",), ("edit", "x.jpg", "--scale", "lots"), ("nonsense",), ()],
    ids=["missing-photo", "bad-number", "unknown-command", "no-command"],
)
def test_bad_usage_exits_2(args):
    assert run_cli(*args).returncode == 2


def test_bad_look_option_exits_2_with_a_korean_message(coffee):
    done = run_cli("edit", str(coffee), "--target", "moon")
    assert done.returncode == 2
    assert "판매처" in done.stderr


def test_missing_or_broken_photo_exits_1(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff garbage")
    assert run_cli("edit", str(tmp_path / "nowhere.jpg")).returncode == 1
    done = run_cli("edit", str(broken))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def test_edit_commands_do_not_import_gradio_torch_or_diffusers(coffee, tmp_path):
    script = (
        "import sys\n"
        "from lite_app.cli import main\n"
        f"code = main(['edit', {str(coffee)!r}, '-o', {str(tmp_path / 'o.jpg')!r}])\n"
        "heavy = [m for m in ('gradio', 'torch', 'diffusers', 'rembg') "
        "if m in sys.modules]\n"
        "print(code, heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT
    )
    assert done.stdout.strip().endswith("0 []"), done.stdout + done.stderr
