"""Freed memory goes back to the system after each edit of the web app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import jpeg_bytes, real_photo
from PIL import Image

from lite_app import memory, ui
from lite_app.look import Look

ROOT = Path(__file__).resolve().parent.parent
GLIBC = Path("/proc/self/status").exists() and memory._glibc() is not None

# Frees nine in ten of about 90 MB of mixed-size arrays, keeping the rest in
# between, as edits do, then reports resident memory before and after.
FRAGMENTED_HEAP = textwrap.dedent(
    """
    import ctypes
    import json

    import numpy as np
    from lite_app import memory

    def rss_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

    # Keep these blocks inside malloc's heap (no mmap of their own).
    ctypes.CDLL("libc.so.6").mallopt(-3, 64 * 1024 * 1024)
    kept, made = [], []
    for size in range(400):
        block = np.ones(20_000 + (size * 7919) % 400_000, dtype=np.uint8)
        (kept if size % 10 == 0 else made).append(block)
    del made
    before = rss_mb()
    released = memory.release_free_memory()
    print(json.dumps({"before": before, "after": rss_mb(), "released": released}))
    """
)


def run_heap_script(env: dict[str, str] | None = None) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", FRAGMENTED_HEAP],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_base_env(), **(env or {})},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _base_env() -> dict[str, str]:
    return {
        key: value for key, value in os.environ.items() if key != "LITE_MALLOC_TRIM"
    }


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_freed_pixel_memory_goes_back_to_the_system():
    measured = run_heap_script()
    assert measured["released"] is True
    assert measured["before"] - measured["after"] > 30


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_the_trim_can_be_turned_off():
    measured = run_heap_script({"LITE_MALLOC_TRIM": "0"})
    assert measured["released"] is False
    assert abs(measured["before"] - measured["after"]) < 5


def test_every_web_edit_gives_memory_back(tmp_path, monkeypatch):
    photo = tmp_path / "rocket.jpg"
    photo.write_bytes(jpeg_bytes(real_photo("rocket")))
    trims: list[bool] = []
    release = memory.release_free_memory
    monkeypatch.setattr(memory, "release_free_memory", lambda: trims.append(release()))

    shown, _ = ui.preview_photo(str(photo), Look().to_json(), "ko")
    assert max(Image.open(shown).size) == 512
    with pytest.raises(ui.gr.Error):
        ui.preview_photo(str(photo), '{"scale": 9}', "ko")
    assert len(trims) == 2


def test_the_malloc_arena_cap_follows_its_setting(monkeypatch):
    monkeypatch.setenv("LITE_MALLOC_ARENAS", "0")
    assert memory.cap_memory_arenas() is False
    monkeypatch.setenv("LITE_MALLOC_ARENAS", "two")
    with pytest.raises(ValueError, match="LITE_MALLOC_ARENAS"):
        memory.cap_memory_arenas()
    monkeypatch.delenv("LITE_MALLOC_ARENAS")
    if sys.platform == "linux":
        assert memory.cap_memory_arenas() is True


# Makes and frees arrays of a few megabytes ten times over, as edits do,
# counting the page faults after the first round: malloc either reuses the
# first round's pages or maps new ones each time.
REALLOCATION = textwrap.dedent(
    """
    import json
    import resource
    import sys

    import numpy as np
    from lite_app import memory

    if sys.argv[1] == "server":
        memory.prefer_small_heap()
    took = memory.reuse_freed_pixels() if sys.argv[1] != "plain" else False

    def one_round():
        arrays = [np.ones(size, np.uint8) for size in (3_000_000, 9_000_000, 5_000_000)]
        del arrays

    one_round()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(10):
        one_round()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    print(json.dumps({"took": took, "faults": faults}))
    """
)


def reallocation_faults(mode: str, env: dict[str, str] | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", REALLOCATION, mode],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_freed_pixel_arrays_are_reused_without_new_page_faults():
    plain = reallocation_faults("plain")
    tuned = reallocation_faults("tuned")
    assert tuned["took"] is True and tuned["faults"] < 100
    assert plain["faults"] > tuned["faults"] + 500


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_the_server_and_glibcs_own_settings_keep_the_plain_heap():
    for mode, env in [
        ("server", None),
        ("tuned", {"LITE_MALLOC_REUSE": "0"}),
        ("tuned", {"MALLOC_MMAP_THRESHOLD_": "131072"}),
    ]:
        kept = reallocation_faults(mode, env)
        assert kept["took"] is False, (mode, env)
    assert reallocation_faults("server")["faults"] > 500
