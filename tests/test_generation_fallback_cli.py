"""A generated scene with no usable model: one log line, no traceback, a fallback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import conftest
import pytest
from conftest import jpeg_bytes, synthetic_product
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
FALLBACK_EN = "The scene generator could not be loaded."
FALLBACK_KO = "장면 생성 모델을 불러오지 못했습니다."


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("photo") / "bottle.jpg"
    path.write_bytes(jpeg_bytes(synthetic_product((200, 150))[0]))
    return path


def run_cli(model: str, *args: str, home: Path, offline: bool = True):
    env = {**os.environ, "LITE_SCENE_MODEL": model, "HF_HOME": str(home)}
    env.pop("LITE_LOG_LEVEL", None)
    env["HF_HUB_OFFLINE"] = "1" if offline else "0"
    return conftest.run_cli(*args, env=env)


def generate_args(photo: Path, output: Path) -> list[str]:
    return ["edit", str(photo), "--prompt", "marble table", "--generate"] + [
        "--target",
        "160x160",
        "-o",
        str(output),
    ]


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("WARNING")]


def test_a_missing_model_folder_falls_back_with_one_line(photo, tmp_path):
    output = tmp_path / "out.jpg"
    missing = tmp_path / "models" / "nothing-here"
    done = run_cli(str(missing), *generate_args(photo, output), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert FALLBACK_KO in done.stderr and FALLBACK_EN in done.stderr
    assert "(marble)" in done.stderr
    assert len(warnings_in(done.stderr)) == 1
    assert "the model folder does not exist" in warnings_in(done.stderr)[0]
    assert Image.open(output).size == (160, 160)


def test_a_broken_model_folder_logs_one_line_and_the_traceback_only_at_debug(
    photo, tmp_path
):
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "model_index.json").write_text("{ not json")
    output = tmp_path / "out.jpg"
    done = run_cli(str(broken), *generate_args(photo, output), home=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert FALLBACK_EN in done.stderr
    lines = warnings_in(done.stderr)
    assert len(lines) == 1 and "lite_app.scenes.generated" in lines[0]
    assert "transformers" not in done.stderr, "library chatter reached the seller"
    verbose = run_cli(str(broken), "-v", *generate_args(photo, output), home=tmp_path)
    assert verbose.returncode == 0, verbose.stderr
    assert "Traceback" in verbose.stderr and FALLBACK_EN in verbose.stderr


def test_an_uncached_hub_model_offline_fails_at_once_without_loading_diffusers(
    photo, tmp_path
):
    script = (
        "import sys\n"
        "from lite_app.cli import main\n"
        f"code = main({generate_args(photo, tmp_path / 'out.jpg')!r})\n"
        "print(code, 'diffusers' in sys.modules, 'torch' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "LITE_SCENE_MODEL": "nobody/not-a-cached-model",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )
    assert done.stdout.strip().endswith("0 False False"), done.stdout + done.stderr
    assert "Traceback" not in done.stderr and FALLBACK_EN in done.stderr
    assert "offline" in warnings_in(done.stderr)[0]
