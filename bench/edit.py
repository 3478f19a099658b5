"""How fast is one edit, next to the model's own floor and to bare rembg?

Prints, for real photos at about 1000 and 3000 px:
- the bare U2-Net-p forward pass through onnxruntime (the floor),
- ``rembg.remove`` alone with a u2netp session,
- our whole ``edit`` (cutout, scene, compose, JPEG export),
with the ratios edit/forward and edit/rembg (the three are timed in turns, so
a busy moment on a shared machine hits each alike); then the wall time and peak memory
of a fresh ``python -m lite_app edit`` process against a fresh process doing
what ``rembg i -m u2netp`` does. Targets: edit of a 1000 px photo at most 1.5x
the forward pass; the one-photo command at most 0.7x rembg's one-shot process;
peak memory at most 400 MB.

Run: ``python bench/edit.py`` (from the project root, weights fetched).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lite_app import Look, edit, editor  # noqa: E402
from lite_app.cutout import MEAN, MODEL_SIDE, STD  # noqa: E402
from lite_app.weights import ensure_weights  # noqa: E402

REPEATS = 5
RSS_TARGET_MB = 400


def real_photo(side: int) -> bytes:
    from skimage import data

    photo = Image.fromarray(data.coffee())
    factor = side / max(photo.size)
    size = (round(photo.width * factor), round(photo.height * factor))
    buffer = io.BytesIO()
    photo.resize(size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def forward_pass() -> Callable[[], object]:
    """The model alone, in an onnxruntime session with its default options."""
    import onnxruntime as ort

    session = ort.InferenceSession(
        str(ensure_weights(download=True)), providers=["CPUExecutionProvider"]
    )
    name = session.get_inputs()[0].name
    pixels = np.random.default_rng(0).random((MODEL_SIDE, MODEL_SIDE, 3))
    tensor = ((pixels - MEAN) / STD).astype(np.float32).transpose(2, 0, 1)[None]
    return lambda: session.run(None, {name: tensor})


def rembg_remove(photo: bytes) -> Callable[[], object]:
    os.environ["U2NET_HOME"] = str(ensure_weights().parent)
    from rembg import new_session, remove

    session = new_session("u2netp")
    image = Image.open(io.BytesIO(photo))
    return lambda: remove(image, session=session)


def in_turns(actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """Median seconds of each action, run in turns so a busy moment hits all."""
    for action in actions.values():
        action()  # warm
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(REPEATS):
        for name, action in actions.items():
            started = time.perf_counter()
            action()
            times[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in times.items()}


PEAK_REPORTER = """
import atexit, runpy, sys
def report():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("PEAK_KB " + line.split()[1] + "\\n")
atexit.register(report)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__") if sys.argv[0].endswith(".py") \\
    else runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def process_run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of a fresh process.

    The child reports its own high-water mark (VmHWM): a forked child's
    rusage would also count the memory of this benchmark process.
    """
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK_REPORTER, *command],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{command[:2]} failed: {done.stderr[-500:]}")
    peak_kb = int(done.stderr.rsplit("PEAK_KB ", 1)[1].split()[0])
    return wall, peak_kb / 1024


REMBG_ONE_SHOT = """
import os, sys
os.environ["U2NET_HOME"] = sys.argv[3]
from rembg import new_session, remove
from PIL import Image
remove(Image.open(sys.argv[1]), session=new_session("u2netp")).save(sys.argv[2])
"""


def one_shot_processes(photo: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        path.write_bytes(photo)
        ours_cmd = ["lite_app", "edit", str(path)]
        ours_cmd += ["-o", str(Path(folder) / "out.jpg")]
        script = Path(folder) / "rembg_one_shot.py"
        script.write_text(REMBG_ONE_SHOT)
        rembg_cmd = [str(script), str(path)]
        rembg_cmd += [str(Path(folder) / "out.png"), str(ensure_weights().parent)]
        process_run(rembg_cmd)  # fill caches once
        ours = [process_run(ours_cmd) for _ in range(3)]
        theirs = [process_run(rembg_cmd) for _ in range(3)]
    ours_wall = statistics.median(w for w, _ in ours)
    theirs_wall = statistics.median(w for w, _ in theirs)
    ours_rss = max(r for _, r in ours)
    theirs_rss = max(r for _, r in theirs)
    print("\nfresh process, one 1000 px photo")
    print(f"  python -m lite_app edit : {ours_wall:6.2f} s  peak {ours_rss:5.0f} MB")
    print(
        f"  rembg one-shot (u2netp) : {theirs_wall:6.2f} s  peak {theirs_rss:5.0f} MB"
    )
    print(
        f"  wall ratio ours/rembg   : {ours_wall / theirs_wall:6.2f}  (target <= 0.70)"
    )
    print(
        f"  peak memory ours / 400  : {ours_rss / RSS_TARGET_MB:6.2f}  (target <= 1.00)"
    )


def fresh_edit(photo: bytes) -> None:
    """One whole edit, the cutout included: no reuse from the last round."""
    editor._recent_cutouts.clear()
    edit(photo, Look())


def main() -> None:
    forward = forward_pass()
    print("U2-Net-p forward pass at 320x320 (the floor), timed in turns with each")
    print(
        f"{'photo':>8} {'forward':>9} {'rembg':>9} {'edit':>9} {'edit/fwd':>9}", end=""
    )
    print(f" {'edit/rembg':>11}")
    for side in (1000, 3000):
        photo = real_photo(side)
        actions = {"forward": forward, "rembg": rembg_remove(photo)}
        actions["edit"] = lambda photo=photo: fresh_edit(photo)
        seconds = in_turns(actions)
        fwd, rembg_s, edit_s = seconds["forward"], seconds["rembg"], seconds["edit"]
        print(
            f"{side:>6}px {fwd * 1000:>7.0f}ms {rembg_s * 1000:>7.0f}ms "
            f"{edit_s * 1000:>7.0f}ms {edit_s / fwd:>9.2f} {edit_s / rembg_s:>11.2f}"
        )
    print("target: edit/fwd <= 1.50 for the 1000 px photo")
    one_shot_processes(real_photo(1000))


if __name__ == "__main__":
    main()
