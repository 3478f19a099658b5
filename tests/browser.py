"""Helpers to drive the real app in headless Chromium on loopback.

Chromium is Debian's ``chromium`` package at /usr/bin/chromium, installed with
apt-get when missing (Playwright's own browser download is not used). The app
runs as ``python app.py`` in a subprocess with its own port and data folder, so
a test sees exactly what a seller's browser sees.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_PACKAGES = ("chromium", "fonts-nanum")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
)
APP_START_TIMEOUT_S = 180.0
INSTALL_TIMEOUT_S = 600.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_chromium() -> tuple[Path | None, str]:
    """The Chromium binary, installing Debian's package when missing.

    Returns ``(path, "")`` or ``(None, reason)`` when it cannot be had.
    """
    if CHROMIUM.exists():
        return CHROMIUM, ""
    apt_get = shutil.which("apt-get")
    if apt_get is None:
        return None, "apt-get is not available to install chromium"
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        return None, "installing chromium needs root (run `make browser` as root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        [apt_get, "update", "-qq"],
        [apt_get, "install", "-y", "-qq", *CHROMIUM_PACKAGES],
    ):
        try:
            subprocess.run(
                command,
                env=env,
                check=True,
                capture_output=True,
                timeout=INSTALL_TIMEOUT_S,
            )
        except (OSError, subprocess.SubprocessError) as error:
            return None, f"could not install chromium: {error}"
    if not CHROMIUM.exists():
        return None, "chromium was installed but /usr/bin/chromium is missing"
    return CHROMIUM, ""


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def running_app(
    data_dir: Path, env: dict[str, str] | None = None
) -> Iterator[RunningApp]:
    """``python app.py`` on 127.0.0.1 with its own port and data folder."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "app.log"
    environment = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "LITE_DATA_DIR": str(data_dir),
        "GRADIO_ANALYTICS_ENABLED": "False",
        **(env or {}),
    }
    environment.pop("SPACE_ID", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"],
            cwd=PROJECT_ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    app = RunningApp(f"http://127.0.0.1:{port}/", process, data_dir, log_path)
    try:
        _wait_until_serving(app)
        yield app
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_serving(app: RunningApp) -> None:
    deadline = time.monotonic() + APP_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"the app stopped while starting:\n{app.log()[-3000:]}")
        try:
            with urllib.request.urlopen(app.url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the app did not start in time:\n{app.log()[-3000:]}")


@contextmanager
def chromium_context(
    chromium: Path, profile_dir: Path, **options: Any
) -> Iterator[Any]:
    """A headless Chromium context with a fresh profile, downloads allowed."""
    from playwright.sync_api import sync_playwright

    profile_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(chromium),
            headless=True,
            args=list(CHROMIUM_ARGS),
            accept_downloads=True,
            locale="ko-KR",
            viewport={"width": 1400, "height": 1000},
            **options,
        )
        context.set_default_timeout(60_000)
        try:
            yield context
        finally:
            context.close()


def coffee_jpeg(path: Path) -> Path:
    """skimage's coffee photo as a JPEG file."""
    import io

    from PIL import Image
    from skimage import data

    buffer = io.BytesIO()
    Image.fromarray(data.coffee()).save(buffer, "JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def wait_for_preview(page: Any, timeout_ms: int = 90_000) -> str:
    """Wait until the preview image shows a picture; returns its ``src``."""
    preview = page.locator("#preview img")
    preview.first.wait_for(state="visible", timeout=timeout_ms)
    return preview.first.get_attribute("src") or ""
