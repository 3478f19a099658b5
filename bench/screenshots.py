"""Screenshots of the real app in headless Chromium, for the README.

Starts ``python app.py`` on 127.0.0.1 with a fresh data folder, opens it in
Debian's Chromium and saves under ``docs/``:

- ``screenshot-empty.png``: the page as a seller first sees it (Korean);
- ``screenshot-result.png``: after uploading a photo (skimage coffee), picking
  the marble scene and making the full-size image;
- ``screenshot-english.png``: the same page switched to English;
- ``before-after.jpg``: the uploaded photo beside the downloaded result.

Run: ``make screenshots`` (or ``python bench/screenshots.py``).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from browser import (  # noqa: E402
    chromium_context,
    coffee_jpeg,
    ensure_chromium,
    running_app,
)

WAIT_MS = 120_000
PANEL_HEIGHT = 600


def wait_for_new_preview(page, previous: str = "") -> str:
    page.wait_for_function(
        """([previous]) => {
            const img = document.querySelector('#preview img');
            return img && img.complete && img.naturalWidth > 0
                && img.getAttribute('src') !== previous;
        }""",
        arg=[previous],
        timeout=WAIT_MS,
    )
    return page.locator("#preview img").first.get_attribute("src") or ""


def take(out_dir: Path) -> list[Path]:
    chromium, reason = ensure_chromium()
    if chromium is None:
        raise SystemExit(f"headless Chromium is not available: {reason}")
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="sporky-shots-") as scratch:
        scratch_dir = Path(scratch)
        photo = coffee_jpeg(scratch_dir / "coffee.jpg")
        with (
            running_app(scratch_dir / "data") as app,
            chromium_context(chromium, scratch_dir / "profile") as context,
        ):
            page = context.new_page()
            page.goto(app.url)
            page.locator("#make-final").wait_for(state="visible", timeout=WAIT_MS)
            page.wait_for_timeout(1000)
            written.append(shot(page, out_dir / "screenshot-empty.png"))

            page.locator("#photo input[type=file]").set_input_files(str(photo))
            first = wait_for_new_preview(page)
            page.locator("#scenes").get_by_text("대리석").click()
            wait_for_new_preview(page, first)
            page.locator("#make-final").click()
            download_button = page.locator("#download")
            download_button.wait_for(state="visible", timeout=WAIT_MS)
            page.wait_for_timeout(500)
            written.append(shot(page, out_dir / "screenshot-result.png"))

            with page.expect_download() as waiting:
                download_button.click()
            result = scratch_dir / "result.jpg"
            waiting.value.save_as(result)
            written.append(before_after(photo, result, out_dir / "before-after.jpg"))

            page.get_by_text("English", exact=True).click()
            page.get_by_text("One photo in").first.wait_for(timeout=WAIT_MS)
            # Every section switches in its own event; wait for the last.
            page.get_by_text("Generate the scene").first.wait_for(timeout=WAIT_MS)
            page.wait_for_timeout(1500)
            written.append(shot(page, out_dir / "screenshot-english.png"))
    return written


def shot(page, path: Path) -> Path:
    page.screenshot(path=str(path), full_page=True)
    with Image.open(path) as image:
        image.convert("RGB").save(path, optimize=True)
    return path


def before_after(photo: Path, result: Path, path: Path) -> Path:
    """The photo as uploaded and the marketplace result, side by side."""
    with Image.open(photo) as before_file, Image.open(result) as after_file:
        before = ImageOps.contain(before_file.convert("RGB"), (10_000, PANEL_HEIGHT))
        after = ImageOps.contain(after_file.convert("RGB"), (10_000, PANEL_HEIGHT))
    gap = 16
    canvas = Image.new(
        "RGB", (before.width + gap + after.width, PANEL_HEIGHT), (255, 255, 255)
    )
    canvas.paste(before, (0, (PANEL_HEIGHT - before.height) // 2))
    canvas.paste(after, (before.width + gap, (PANEL_HEIGHT - after.height) // 2))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85, optimize=True)
    path.write_bytes(buffer.getvalue())
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    for path in take(options.out):
        print(
            f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}: "
            f"{path.stat().st_size // 1024} KB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
