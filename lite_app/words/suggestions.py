"""Scene prompts offered as the seller types, in Korean or English.

The curated list lives in ``assets/words/suggestions.json`` (Korean and English
pairs, best first). A suggestion whose start matches what was typed ranks above
one where each typed word starts some word of it, which ranks above one that
merely contains it; ties keep the curated order.

Popular recipes are not in the list yet; once recipes record their use, the
most used prompts can be appended to it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lite_app.config import settings

PREFIX, WORD_START, CONTAINS = 3, 2, 1
MAX_QUERY_CHARS = 200
_LONE_JAMO = re.compile(r"[\u3131-\u318e]+$")


@dataclass(frozen=True)
class Suggestion:
    ko: str
    en: str


def suggestions_file() -> Path:
    return settings().assets_dir / "words" / "suggestions.json"


def load_suggestions(path: Path | None = None) -> tuple[Suggestion, ...]:
    return _load(path or suggestions_file())


@lru_cache(maxsize=4)
def _load(path: Path) -> tuple[Suggestion, ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return tuple(Suggestion(item["ko"], item["en"]) for item in data)


def suggest(text: str, limit: int = 8) -> list[Suggestion]:
    """Up to ``limit`` suggestions for what the seller has typed so far."""
    if limit <= 0:
        return []
    every = load_suggestions()
    # A syllable still being composed arrives as a lone jamo (대리ㅅ); drop it.
    query = _LONE_JAMO.sub("", _normal(text[:MAX_QUERY_CHARS]))
    if not query:
        return list(every[:limit])
    ranked = []
    for order, suggestion in enumerate(every):
        score = max(_score(query, suggestion.ko), _score(query, suggestion.en))
        if score:
            ranked.append((-score, order, suggestion))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [suggestion for _, _, suggestion in ranked[:limit]]


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _score(query: str, candidate: str) -> int:
    candidate = _normal(candidate)
    tight_query, tight_candidate = query.replace(" ", ""), candidate.replace(" ", "")
    if candidate.startswith(query) or tight_candidate.startswith(tight_query):
        return PREFIX
    words = candidate.split()
    if all(any(word.startswith(part) for word in words) for part in query.split()):
        return WORD_START
    if tight_query in tight_candidate:
        return CONTAINS
    return 0
