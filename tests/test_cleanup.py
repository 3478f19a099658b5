"""Per-request temp files: result folders are pruned by age and by count."""

from __future__ import annotations

import os
import time

import pytest
from browser import free_port

from lite_app import ui


@pytest.fixture
def results_root(tmp_path, monkeypatch):
    root = tmp_path / "results"
    monkeypatch.setattr(ui, "OUTPUT_ROOT", root)
    return root


def make_folders(root, count: int, start_age_s: float) -> list:
    folders = []
    now = time.time()
    for number in range(count):
        folder = root / f"result-{number:03d}"
        folder.mkdir(parents=True)
        (folder / "photo-smartstore.jpg").write_bytes(b"\xff\xd8 result")
        at = now - start_age_s + number
        os.utime(folder, (at, at))
        folders.append(folder)
    return folders


def test_only_the_newest_folders_are_kept(results_root):
    folders = make_folders(results_root, 30, start_age_s=100)
    removed = ui.prune_results(max_age_s=3600, keep=10)
    assert removed == 20
    assert sorted(p.name for p in results_root.iterdir()) == [
        f.name for f in folders[-10:]
    ]


def test_folders_older_than_the_cache_time_go(results_root, monkeypatch):
    monkeypatch.setenv("LITE_CACHE_SECONDS", "120")
    folders = make_folders(results_root, 5, start_age_s=400)
    fresh = results_root / "fresh"
    fresh.mkdir()
    assert ui.cache_seconds() == 120
    assert ui.prune_results() == 5
    assert [p.name for p in results_root.iterdir()] == ["fresh"]
    assert not any(folder.exists() for folder in folders)


@pytest.mark.parametrize(("value", "seconds"), [("", 3600), ("60", 60), ("900", 900)])
def test_the_cache_time_comes_from_the_environment(monkeypatch, value, seconds):
    monkeypatch.setenv("LITE_CACHE_SECONDS", value)
    assert ui.cache_seconds() == seconds


def test_saved_results_stay_bounded(results_root, product_photo):
    from conftest import jpeg_bytes

    from lite_app.editor import edit
    from lite_app.look import Look

    result = edit(jpeg_bytes(product_photo[0]), Look(), preview=True)
    for _ in range(ui.MAX_RESULT_FOLDERS + 20):
        path = ui.save_result(result)
    assert path.read_bytes() == result.data
    assert len(list(results_root.iterdir())) <= ui.MAX_RESULT_FOLDERS + 1


def test_repeated_previews_leave_no_new_files_in_the_upload_cache(
    tmp_path, monkeypatch
):
    gradio_client = pytest.importorskip("gradio_client")

    from conftest import jpeg_bytes, synthetic_product

    from lite_app.cutout import warm_up

    cache = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(cache))
    warm_up(download=True)
    demo = ui.build_demo()
    port = free_port()
    demo.launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True
    )
    try:
        client = gradio_client.Client(
            f"http://127.0.0.1:{port}/",
            verbose=False,
            download_files=str(tmp_path / "downloads"),
        )
        photo = tmp_path / "bottle.jpg"
        photo.write_bytes(jpeg_bytes(synthetic_product((320, 240))[0]))

        def preview() -> None:
            handle = gradio_client.handle_file(str(photo))
            client.predict(photo=handle, look_json="{}", api_name="/preview")

        preview()
        before = sorted(p for p in cache.rglob("*") if p.is_file())
        for _ in range(4):
            preview()
        after = sorted(p for p in cache.rglob("*") if p.is_file())
    finally:
        demo.close()
    assert after == before
    assert not [p for p in after if p.parent == cache and p.stat().st_size == 0]
