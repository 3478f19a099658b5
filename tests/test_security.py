"""The server as deployed by ``launch()``: upload cap, file access, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from conftest import free_port

from lite_app.config import PROJECT_ROOT

CAP_BYTES = 30 * 1024 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app started through ``lite_app.ui.launch`` on loopback."""
    from lite_app.ui import build_demo, launch

    upload_dir = tmp_path_factory.mktemp("gradio-uploads")
    data_dir = tmp_path_factory.mktemp("data")
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADIO_TEMP_DIR", str(upload_dir))
    patch.setenv("LITE_DATA_DIR", str(data_dir))
    patch.setenv("HOST", "127.0.0.1")
    patch.setenv("PORT", str(free_port()))
    patch.delenv("SPACE_ID", raising=False)
    from lite_app import visitors

    visitors.server_secret(data_dir)
    demo = build_demo()
    launch(demo, prevent_thread_lock=True, quiet=True)
    try:
        yield demo, upload_dir, data_dir
    finally:
        demo.close()
        patch.undo()


def base_url(demo) -> str:
    return demo.local_url.rstrip("/")


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_launch_sets_the_public_deployment_options(server):
    demo, _, _ = server
    assert demo.show_error is False
    assert demo.max_file_size == CAP_BYTES
    allowed = [Path(path).resolve() for path in demo.allowed_paths]
    assert allowed == [(PROJECT_ROOT / "assets").resolve()]
    assert demo.server_name == "127.0.0.1"


def test_an_upload_over_the_cap_is_refused_before_it_lands(server):
    demo, upload_dir, _ = server
    before = set(files_under(upload_dir))
    body = b"\xff\xd8\xff\xe0" + b"\0" * (CAP_BYTES + 1024)
    answer = requests.post(
        f"{base_url(demo)}/gradio_api/upload",
        files={"files": ("huge.jpg", body, "image/jpeg")},
        timeout=60,
    )
    assert answer.status_code == 413
    assert str(CAP_BYTES) in answer.text
    landed = [p for p in files_under(upload_dir) if p not in before]
    assert all(path.stat().st_size < CAP_BYTES for path in landed)


def test_an_upload_under_the_cap_lands(server):
    demo, upload_dir, _ = server
    answer = requests.post(
        f"{base_url(demo)}/gradio_api/upload",
        files={
            "files": ("small.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 1000, "image/jpeg")
        },
        timeout=60,
    )
    assert answer.status_code == 200
    (stored,) = answer.json()
    assert Path(stored).resolve().is_relative_to(upload_dir.resolve())


@pytest.mark.parametrize(
    "outside",
    [
        "/etc/passwd",
        str(PROJECT_ROOT / "lite_app" / "ui.py"),
        str(PROJECT_ROOT / "pyproject.toml"),
        "{data}/visitor-secret",
        str(PROJECT_ROOT / "assets" / ".." / "app.py"),
    ],
)
def test_files_outside_the_app_folders_are_not_served(server, outside):
    demo, _, data_dir = server
    path = outside.replace("{data}", str(data_dir))
    answer = requests.get(f"{base_url(demo)}/gradio_api/file={path}", timeout=30)
    assert answer.status_code in (403, 404)
    secret = (data_dir / "visitor-secret").read_bytes()
    assert secret not in answer.content
    assert b"import" not in answer.content


def test_an_asset_is_served(server):
    demo, _, _ = server
    asset = next(
        path
        for path in sorted((PROJECT_ROOT / "assets").rglob("*"))
        if path.is_file() and path.suffix in (".jpg", ".png", ".webp")
    )
    answer = requests.get(f"{base_url(demo)}/gradio_api/file={asset}", timeout=30)
    assert answer.status_code == 200
    assert answer.content == asset.read_bytes()
