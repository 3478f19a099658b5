"""Generated scenes: seconds per step and per image, and the app's own share.

    .venv/bin/python bench/generate.py [--sizes 512 1024] [--runs 2]
                                      [--kinds text2image inpaint]

Times the models configured in LITE_SCENE_MODEL (backdrop mode) and
LITE_INPAINT_MODEL (around mode) on this machine. Where one cannot be loaded,
it builds the tiny random-weight pipelines the tests use and says so: those
numbers measure the app's plumbing, not a real model.

"overhead" is the share of each image's time spent outside the pipeline call:
prompt fitting, masks, resizing and putting the product pixels back.

On a machine without network, set HF_HUB_OFFLINE=1: otherwise each hub id
that is not cached costs about 25 s of retries before the tiny fallback.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from PIL import Image, ImageDraw  # noqa: E402
from skimage import data  # noqa: E402

from lite_app.errors import GenerationUnavailable  # noqa: E402
from lite_app.scenes import generated  # noqa: E402

PROMPT = "a perfume bottle on wet rocks by the sea at dawn"
SETTING = {"text2image": "LITE_SCENE_MODEL", "inpaint": "LITE_INPAINT_MODEL"}


@dataclass(frozen=True)
class Timing:
    image_s: float
    pipeline_s: float
    step_s: float


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--runs", type=int, default=2, help="timed runs per size")
    parser.add_argument("--kinds", nargs="+", default=list(SETTING), choices=SETTING)
    args = parser.parse_args()

    tiny_root = Path(tempfile.mkdtemp(prefix="tiny-pipelines-"))
    for kind in args.kinds:
        pipe = _pipeline_or_tiny(kind, tiny_root)
        calls = _time_calls(pipe)
        print(f"\n{kind}: {os.environ.get(SETTING[kind], '(default)')}")
        print(f"{'size':>6} {'s/step':>9} {'s/image':>9}", end="")
        print(f" {'pipeline s':>11} {'overhead':>9}")
        for side in args.sizes:
            run = _runner(kind, side)
            run()  # warm-up: first use of a size builds kernels and caches
            timings = [_timed(run, calls) for _ in range(args.runs)]
            _report(side, timings)
    return 0


def _pipeline_or_tiny(kind: str, tiny_root: Path) -> object:
    try:
        return generated.load_pipeline(kind)
    except GenerationUnavailable as error:
        reason = error.context.get("reason", error.message_en)
        print(
            f"NOTE: the configured {kind} model could not be loaded ({reason}).\n"
            "      Timing a tiny random-weight pipeline instead: these numbers show "
            "the app's own costs, not a real model's."
        )
    from tiny_pipelines import build_tiny_pipelines

    if not (tiny_root / "tiny-text2image").exists():
        words = [PROMPT, generated.BACKDROP_SUFFIX, generated.AROUND_SUFFIX]
        build_tiny_pipelines(tiny_root, [*words, generated.DEFAULT_NEGATIVE_PROMPT])
    folder = "tiny-text2image" if kind == "text2image" else "tiny-inpaint"
    os.environ[SETTING[kind]] = str(tiny_root / folder)
    return generated.load_pipeline(kind)


def _time_calls(pipe: object) -> list[float]:
    """Record the seconds of every call to the pipeline's class from now on."""
    calls: list[float] = []
    pipeline_class = type(pipe)
    original = pipeline_class.__call__

    def timed(self: object, *args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            calls.append(time.perf_counter() - started)

    pipeline_class.__call__ = timed
    return calls


def _runner(kind: str, side: int) -> Callable[[], list[float]]:
    """A function that generates once and returns the time of every step."""
    if kind == "text2image":

        def run() -> list[float]:
            stamps = [time.perf_counter()]
            generated.generate_backdrop(
                PROMPT,
                (side, side),
                on_step=lambda *_: stamps.append(time.perf_counter()),
            )
            return stamps

        return run

    canvas = Image.fromarray(data.coffee()).resize((side, side))
    mask = Image.new("L", (side, side), 0)
    ImageDraw.Draw(mask).ellipse(
        (side // 3, side // 4, 2 * side // 3, 3 * side // 4), 255
    )

    def run_around() -> list[float]:
        stamps = [time.perf_counter()]
        generated.generate_around(
            canvas, mask, PROMPT, on_step=lambda *_: stamps.append(time.perf_counter())
        )
        return stamps

    return run_around


def _timed(run: Callable[[], list[float]], calls: list[float]) -> Timing:
    started = time.perf_counter()
    stamps = run()
    image_s = time.perf_counter() - started
    # Steps after the first exclude prompt encoding; with one step, use it whole.
    gaps = [
        later - earlier for earlier, later in zip(stamps[1:], stamps[2:], strict=False)
    ]
    step_s = statistics.mean(gaps) if gaps else stamps[-1] - stamps[0]
    return Timing(image_s=image_s, pipeline_s=calls[-1], step_s=step_s)


def _report(side: int, timings: list[Timing]) -> None:
    image_s = statistics.median(t.image_s for t in timings)
    pipeline_s = statistics.median(t.pipeline_s for t in timings)
    step_s = statistics.median(t.step_s for t in timings)
    overhead = (image_s - pipeline_s) / image_s
    print(
        f"{side:>6} {step_s:>9.3f} {image_s:>9.3f} {pipeline_s:>11.3f} {overhead:>9.1%}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
