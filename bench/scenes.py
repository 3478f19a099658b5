"""How long each rendered scene takes to paint at 1000x1000.

Prints milliseconds per preset (median and best wall time of several fresh
renders, each with a new seed so the cache never answers, and the median CPU
time, which other busy processes on the machine disturb less) and the ratio
of the median to a cutout's 0.15 s, which painting a scene must stay well
under. Also prints what a cached scene costs, as in a batch that reuses one
look.

    .venv/bin/python bench/scenes.py [--size 1000x1000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lite_app.scenes.presets import list_presets, render_scene  # noqa: E402

CUTOUT_SECONDS = 0.15
TARGET_MS = 60.0


def time_preset(
    scene_id: str, size: tuple[int, int], repeat: int
) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds for `repeat` fresh renders, one seed each."""
    render_scene(scene_id, size, seed=10_000)  # warm up imports and caches
    wall, cpu = [], []
    for seed in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        render_scene(scene_id, size, seed=seed)
        wall.append((time.perf_counter() - started) * 1000.0)
        cpu.append((time.process_time() - started_cpu) * 1000.0)
    return wall, cpu


def time_cached(scene_id: str, size: tuple[int, int]) -> float:
    render_scene(scene_id, size, seed=0)
    started = time.perf_counter()
    for _ in range(100):
        render_scene(scene_id, size, seed=0)
    return (time.perf_counter() - started) * 10.0  # ms per call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1000x1000", help="WIDTHxHEIGHT")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    width, height = (int(side) for side in args.size.lower().split("x"))
    size = (width, height)

    print(f"scene paint time at {width}x{height}, {args.repeat} fresh renders each")
    print(
        f"{'scene':<16}{'median ms':>10}{'best ms':>9}{'cpu ms':>8}"
        f"{'/ 0.15 s':>10}{'cached ms':>11}"
    )
    worst = 0.0
    for preset in list_presets():
        wall, cpu = time_preset(preset.id, size, args.repeat)
        median = statistics.median(wall)
        worst = max(worst, median)
        ratio = median / (CUTOUT_SECONDS * 1000.0)
        cached = time_cached(preset.id, size)
        print(
            f"{preset.id:<16}{median:>10.1f}{min(wall):>9.1f}"
            f"{statistics.median(cpu):>8.1f}{ratio:>10.2f}{cached:>11.3f}"
        )
    verdict = "meets" if worst <= TARGET_MS else "misses"
    print(
        f"slowest median {worst:.1f} ms = {worst / (CUTOUT_SECONDS * 1000):.2f} "
        f"of a cutout; {verdict} the {TARGET_MS:.0f} ms target"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
