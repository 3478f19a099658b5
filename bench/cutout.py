"""Cutout quality: bare rembg u2netp against ours, on the synthetic set.

Prints, per category and overall, IoU at alpha 0.5, mean absolute alpha error,
boundary F-measure at 3 px and seconds per image, for:

- ``bare``: rembg's own ``u2netp`` session, its mask as is;
- ``bare+box``: the same, run on the seller's box and zero outside it;
- ``ours``: :func:`lite_app.cutout.cut_out`;
- ``ours+box``: the same with the box hint.

Then the time per 1000 px photo (every photo of the set scaled to 1000 px on
its longer side): bare, ``model`` (the app's own model session, one pass, no
refinement), and
ours, each as a ratio to bare.

    .venv/bin/python bench/cutout.py [--per-category 5] [--only thin,holes]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from cutout_set import CATEGORIES, Sample, load_set  # noqa: E402

from lite_app.config import settings  # noqa: E402
from lite_app.errors import CutoutFailed  # noqa: E402

BOUNDARY_TOLERANCE = 3
Method = Callable[[Sample], np.ndarray]


@dataclass(frozen=True)
class Score:
    iou: float
    mae: float
    boundary_f: float
    seconds: float
    empty: bool


def iou_at_half(predicted: np.ndarray, truth: np.ndarray) -> float:
    a, b = predicted >= 0.5, truth >= 0.5
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def boundary(mask: np.ndarray) -> np.ndarray:
    from scipy.ndimage import binary_erosion

    return mask & ~binary_erosion(mask, border_value=1)


def boundary_f(predicted: np.ndarray, truth: np.ndarray) -> float:
    """F-measure of boundary pixels matched within a few pixels either way."""
    from scipy.ndimage import distance_transform_edt

    ours, theirs = boundary(predicted >= 0.5), boundary(truth >= 0.5)
    if not ours.any() or not theirs.any():
        return float(ours.any() == theirs.any())
    precision = (distance_transform_edt(~theirs)[ours] <= BOUNDARY_TOLERANCE).mean()
    recall = (distance_transform_edt(~ours)[theirs] <= BOUNDARY_TOLERANCE).mean()
    if precision + recall == 0:
        return 0.0
    return float(2 * precision * recall / (precision + recall))


def score(method: Method, sample: Sample) -> Score:
    started = time.perf_counter()
    alpha = method(sample)
    seconds = time.perf_counter() - started
    return Score(
        iou=iou_at_half(alpha, sample.alpha),
        mae=float(np.abs(alpha - sample.alpha).mean()),
        boundary_f=boundary_f(alpha, sample.alpha),
        seconds=seconds,
        empty=not (alpha >= 0.5).any(),
    )


def rembg_session():
    os.environ["U2NET_HOME"] = str(settings().models_dir)
    from rembg import new_session

    return new_session("u2netp")


def bare(session) -> Method:
    def run(sample: Sample) -> np.ndarray:
        mask = session.predict(sample.photo)[0]
        return np.asarray(mask, np.float32) / 255.0

    return run


def bare_with_box(session) -> Method:
    def run(sample: Sample) -> np.ndarray:
        x0, y0, x1, y1 = sample.box
        mask = session.predict(sample.photo.crop(sample.box))[0]
        alpha = np.zeros(sample.alpha.shape, np.float32)
        alpha[y0:y1, x0:x1] = np.asarray(mask, np.float32) / 255.0
        return alpha

    return run


def model_only() -> Method:
    """The app's own model session, one pass, its mask as is (no refinement)."""
    from lite_app.cutout import predict_mask

    def run(sample: Sample) -> np.ndarray:
        return np.asarray(predict_mask(sample.photo), np.float32) / 255.0

    return run


def ours(use_box: bool) -> Method:
    from lite_app.cutout import cut_out

    def run(sample: Sample) -> np.ndarray:
        try:
            cutout = cut_out(sample.photo, box=sample.box if use_box else None)
        except CutoutFailed:
            return np.zeros(sample.alpha.shape, np.float32)
        return np.asarray(cutout.mask, np.float32) / 255.0

    return run


def print_table(results: dict[str, dict[str, list[Score]]], order: list[str]) -> None:
    methods = list(results)
    header = f"{'category':15s}" + "".join(
        f" | {m:>8s} IoU  MAE   BF    s  " for m in methods
    )
    print(header)
    print("-" * len(header))
    for category in [*order, "overall"]:
        row = f"{category:15s}"
        for method in methods:
            scores = [
                s
                for c, group in results[method].items()
                for s in group
                if category in (c, "overall")
            ]
            row += " | " + _cells(scores)
        print(row)


def _cells(scores: list[Score]) -> str:
    iou = np.mean([s.iou for s in scores])
    mae = np.mean([s.mae for s in scores])
    bf = np.mean([s.boundary_f for s in scores])
    seconds = np.mean([s.seconds for s in scores])
    empty = sum(s.empty for s in scores)
    mark = f"!{empty}" if empty else "  "
    return f"{iou:.3f} {mae:.3f} {bf:.3f} {seconds:5.2f}{mark}"


def time_at_1000(samples: list[Sample], methods: dict[str, Method]) -> None:
    """Seconds per photo with every photo scaled to 1000 px on its longer side.

    The methods take turns photo by photo, twice over, so that a busy machine
    slows them alike.
    """
    scaled = []
    for sample in samples:
        factor = 1000 / max(sample.photo.size)
        size = (round(sample.photo.width * factor), round(sample.photo.height * factor))
        photo = sample.photo.resize(size, Image.Resampling.BILINEAR)
        blank = np.zeros(size[::-1], np.float32)
        scaled.append(Sample(sample.name, sample.category, photo, blank, sample.box))
    seconds = dict.fromkeys(methods, 0.0)
    for _ in range(2):
        for sample in scaled:
            for name, method in methods.items():
                started = time.perf_counter()
                method(sample)
                seconds[name] += time.perf_counter() - started
    runs = 2 * len(scaled)
    base = seconds["bare"] / runs
    print()
    print(
        "seconds per 1000 px photo: "
        + ", ".join(
            f"{name} {value / runs:.3f} s ({value / runs / base:.2f}x)"
            for name, value in seconds.items()
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-category", type=int, default=5)
    parser.add_argument("--only", help="comma-separated categories")
    parser.add_argument(
        "--methods", help="comma-separated: bare,ours,bare+box,ours+box"
    )
    parser.add_argument("--no-timing", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    order = args.only.split(",") if args.only else list(CATEGORIES)
    samples = [s for s in load_set(args.per_category) if s.category in order]
    session = rembg_session()
    methods = {
        "bare": bare(session),
        "ours": ours(False),
        "bare+box": bare_with_box(session),
        "ours+box": ours(True),
    }
    if args.methods:
        methods = {k: v for k, v in methods.items() if k in args.methods.split(",")}
    for method in methods.values():  # warm up both sessions
        method(samples[0])
    results: dict[str, dict[str, list[Score]]] = {m: {} for m in methods}
    for sample in samples:
        for name, method in methods.items():
            results[name].setdefault(sample.category, []).append(score(method, sample))
    print(
        f"{len(samples)} photos; cells: IoU@0.5, mean |alpha error|, boundary F@3px,"
        " seconds; !n = n empty masks"
    )
    print_table(results, order)
    if not args.no_timing and {"bare", "ours"} <= set(methods):
        timed = {
            "bare": methods["bare"],
            "model": model_only(),
            "ours": methods["ours"],
        }
        time_at_1000(samples, timed)


if __name__ == "__main__":
    main()
