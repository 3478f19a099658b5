"""How do long prompts cost in the words module?

Prints, for Korean prompts of 100 to 20,000 characters, with spaces and as one
unbroken run (the slow case for cutting Korean into glossary words):
- the whole words step an edit runs (translate without Papago, then pick the
  scene), and its ratio to the same step on a 1,000-character prompt (the most
  a look holds; longer text is cut to it, so the target is at most 1.5x);
- cutting the text into glossary words without that cap, as time per letter
  against 2,000 letters (linear work stays near 1x; the target is at most 2x).

Run: ``python bench/words.py`` from the project root.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lite_app.words.glossary import Glossary, load_glossary, segment  # noqa: E402
from lite_app.words.mapping import scene_for  # noqa: E402
from lite_app.words.translation import translate  # noqa: E402

LENGTHS = (100, 1_000, 5_000, 20_000)
PHRASES = (
    "대리석 테이블 위",
    "아침 햇살",
    "따뜻한 분위기",
    "나무 책상에서",
    "고양이가",
)
REPEATS = 5
CAPPED_TARGET = 1.5
LINEAR_TARGET = 2.0


def korean_prompt(length: int, spaced: bool) -> str:
    text = ""
    index = 0
    while len(text) < length:
        phrase = PHRASES[index % len(PHRASES)]
        text += phrase + " " if spaced else phrase.replace(" ", "")
        index += 1
    return text[:length]


def best_of(work: Callable[..., object], *args: object) -> float:
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work(*args)
        times.append(time.perf_counter() - started)
    return min(times)


def words_step(text: str) -> None:
    scene_for(translate(text))


def measure(spaced: bool, glossary: Glossary) -> tuple[float, float]:
    """Print one row per length; return the worst capped and per-letter ratios."""
    capped_base = best_of(words_step, korean_prompt(1_000, spaced))
    linear_base = best_of(segment, korean_prompt(2_000, spaced), glossary) / 2_000
    worst_capped, worst_linear = 0.0, 0.0
    for length in LENGTHS:
        text = korean_prompt(length, spaced)
        step = best_of(words_step, text)
        cut = best_of(segment, text, glossary)
        capped = step / capped_base
        linear = cut / length / linear_base
        if length >= 1_000:
            worst_capped = max(worst_capped, capped)
            worst_linear = max(worst_linear, linear)
        print(
            f"  {length:6,d} chars  words step {step * 1000:7.1f} ms"
            f" ({capped:4.2f}x the 1,000-char prompt)"
            f"  uncapped cut {cut * 1000:7.1f} ms"
            f" ({linear:4.2f}x per letter vs 2,000)"
        )
    return worst_capped, worst_linear


def main() -> int:
    logging.disable(logging.WARNING)
    os.environ.setdefault("LITE_DATA_DIR", tempfile.mkdtemp(prefix="sporky-words-"))
    os.environ.pop("PAPAGO_CLIENT_ID", None)
    glossary = load_glossary()
    worst_capped, worst_linear = 0.0, 0.0
    for spaced in (True, False):
        print(f"Korean prompt, {'with spaces' if spaced else 'one unbroken run'}:")
        capped, linear = measure(spaced, glossary)
        worst_capped = max(worst_capped, capped)
        worst_linear = max(worst_linear, linear)
    capped_ok = worst_capped <= CAPPED_TARGET
    linear_ok = worst_linear <= LINEAR_TARGET
    print(
        f"long prompt / 1,000-char prompt: worst {worst_capped:.2f}x"
        f" (target <= {CAPPED_TARGET}) {'ok' if capped_ok else 'SLOW'}"
    )
    print(
        f"cut per letter / at 2,000 letters: worst {worst_linear:.2f}x"
        f" (target <= {LINEAR_TARGET}) {'ok' if linear_ok else 'SLOW'}"
    )
    print(f"(each time is the best of {REPEATS} runs)")
    return 0 if capped_ok and linear_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
