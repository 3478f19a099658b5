"""Shared fixtures: real photos, synthesized products with known alpha, and a
fresh data folder for every test."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from browser import free_port
from PIL import Image, ImageDraw

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def fresh_data_dir(tmp_path, monkeypatch):
    """Every test gets its own database and secrets."""
    folder = tmp_path / "data"
    monkeypatch.setenv("LITE_DATA_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def no_cutouts_carried_over():
    """Each test computes its own cutouts: no reuse from an earlier test."""
    from lite_app import editor

    editor._recent_cutouts.clear()
    yield
    editor._recent_cutouts.clear()


def jpeg_bytes(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def real_photo(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)())


@pytest.fixture(scope="session")
def real_photos() -> dict[str, Image.Image]:
    return {name: real_photo(name) for name in ("coffee", "rocket", "chelsea")}


def synthetic_product(
    size: tuple[int, int] = (640, 480),
    background: tuple[int, int, int] = (235, 235, 230),
    color: tuple[int, int, int] = (200, 30, 40),
) -> tuple[Image.Image, np.ndarray]:
    """A red bottle-like product on a plain background, and its exact alpha."""
    width, height = size
    mask = Image.new("L", size, 0)
    draw = ImageDraw.Draw(mask)
    body = (width * 0.38, height * 0.3, width * 0.62, height * 0.85)
    draw.rounded_rectangle(body, radius=width * 0.04, fill=255)
    neck = (width * 0.46, height * 0.15, width * 0.54, height * 0.32)
    draw.rectangle(neck, fill=255)
    photo = Image.new("RGB", size, background)
    shade = np.linspace(0.8, 1.1, width, dtype=np.float32)[np.newaxis, :, np.newaxis]
    product = np.clip(np.array(color, dtype=np.float32) * shade, 0, 255)
    product = np.broadcast_to(product, (height, width, 3)).astype(np.uint8)
    photo.paste(Image.fromarray(product, "RGB"), (0, 0), mask)
    return photo, np.asarray(mask) >= 128


@pytest.fixture
def product_photo() -> tuple[Image.Image, np.ndarray]:
    return synthetic_product()


@pytest.fixture
def make_jpeg() -> Callable[..., bytes]:
    return jpeg_bytes


def run_cli(
    *args: str,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess:
    """``python -m lite_app ARGS`` in a fresh process, from the project folder."""
    return subprocess.run(
        [sys.executable, "-m", "lite_app", *args],
        capture_output=True,
        text=True,
        cwd=cwd or PROJECT_ROOT,
        env=env,
        timeout=timeout,
    )


@contextlib.contextmanager
def launched_app(data_dir: Path) -> Iterator[str]:
    """The web app in this process on a free loopback port; yields its address.

    Its data (visitor secret, credits) lives in ``data_dir``.
    """
    from lite_app.cutout import warm_up
    from lite_app.ui import build_demo

    warm_up(download=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LITE_DATA_DIR", str(data_dir))
        demo = build_demo()
        port = free_port()
        demo.launch(
            server_name="127.0.0.1",
            server_port=port,
            prevent_thread_lock=True,
            quiet=True,
            max_file_size="30mb",
        )
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            demo.close()


@pytest.fixture
def no_outside_papago_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Papago keys come only from what a test sets; no developer .env leaks in."""
    from lite_app.words import translation

    for name in ("PAPAGO_CLIENT_ID", "PAPAGO_CLIENT_SECRET", "PAPAGO_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LITE_ENV_FILE", str(tmp_path / "absent.env"))
    translation._client_for.cache_clear()
