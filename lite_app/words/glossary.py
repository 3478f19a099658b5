"""The offline Korean-to-English dictionary for scene prompts.

Without Papago the app still has to understand "대리석 테이블 위, 아침 햇살".
Each run of Korean is cut into known words by the longest match over the
glossary (``assets/words/glossary.json``), ignoring spacing differences
(대리석 테이블 / 대리석테이블); particles and endings (구름이, 위에서,
따뜻한) are recognised and dropped. Words the glossary does not know are left
out of the English and reported, never guessed.

The English is word for word, with one reordering: Korean puts place words
after the noun (테이블 위), English before it (on the table). Anything longer
reads rough; a real translator lifts that.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lite_app.config import settings
from lite_app.words.bounds import bound_text
from lite_app.words.protect import PROTECTED, join_words

logger = logging.getLogger(__name__)

CATEGORIES = (
    "places",
    "materials",
    "colours",
    "light",
    "seasons",
    "moods",
    "products",
    "spatial",
)

# Particles close a phrase: what comes after them is a new phrase.
PARTICLES = frozenset(
    "이 가 을 를 에 에서 에게 께 으로 로 와 과 랑 이랑 하고 도 만 까지 부터 "
    "처럼 같이 보다 에서는 에서도 에는 에도 으로는 로는 으로도 로도 이나 나 "
    "이며 며 들 들이 들을 들의 들에 들과 들도 이다 이에요 예요 입니다 에다 "
    "에다가 이라 라 이랑은".split()
)
# Endings that turn a stem into a describing word (따뜻한, 깔끔하게, 몽환적인).
MODIFIER_ENDINGS = frozenset(
    "은 는 의 한 하게 해 해서 하다 함 히 게 고 운 로운 스러운 스럽게 스럽고 "
    "스러움 스런 인 적인 적 적으로 던 진 된 있는 있게 이는 하는 하며 한데 "
    "는데 같은 다운 색 해요 하고요".split()
)
ENDINGS = PARTICLES | MODIFIER_ENDINGS
# No ending, alone or a describing ending with a particle, is longer than this.
LONGEST_ENDING = max(map(len, MODIFIER_ENDINGS)) + max(map(len, PARTICLES))
# After an unknown word only these one-letter endings are surely particles;
# others (이, 과, 한...) may just as well be the word's last syllable.
CLEAR_PARTICLES = frozenset("을 를 가 에 의 와 도 은 는".split())
# Counting words after a number (3개, 2장) carry no scene meaning.
COUNTERS = "개|장|벌|켤레|세트|팩|병|잔|개입|종"

# A known word ending like this is a verb form (드는, 놓인, 흩어진): what
# came before it was its subject, so a new phrase starts after it.
VERB_FORM_ENDS = ("는", "인", "진", "린", "된")

# English place words that go before the noun they follow in Korean.
POSTPOSITIONS = frozenset(
    {
        "on",
        "under",
        "in front of",
        "behind",
        "next to",
        "in",
        "inside",
        "between",
        "in the middle of",
        "around",
        "near",
        "beside",
        "beyond",
        "outside",
    }
)

_HANGUL_CHARS = "\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f"
_TOKENS = re.compile(
    rf"(?P<protected>{PROTECTED.pattern})"
    rf"|(?P<number>\d+(?:[.,]\d+)*%?)(?:\s?(?:{COUNTERS})(?![{_HANGUL_CHARS}]))?"
    rf"|(?P<korean>[{_HANGUL_CHARS}]+(?:\s+[{_HANGUL_CHARS}]+)*)"
    r"|(?P<separator>[,.!?;:/·~\n…]+)"
)


def is_ending(letters: str) -> bool:
    """An ending, or a describing ending and a particle (색과, 적인데)."""
    if len(letters) > LONGEST_ENDING:
        return False
    if letters in ENDINGS:
        return True
    return any(
        letters[:cut] in MODIFIER_ENDINGS and letters[cut:] in PARTICLES
        for cut in range(1, len(letters))
    )


@dataclass(frozen=True)
class Glossary:
    """Korean words (spaces removed) with their English and category.

    ``trie`` holds the same words letter by letter (``WORD_END`` marks where
    one ends), so the words starting at a position are found in one walk.
    """

    english: dict[str, str]
    category: dict[str, str]
    longest: int
    trie: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.english)

    def word_ends(self, letters: str, start: int) -> list[int]:
        """Where the glossary words that start at ``letters[start]`` end."""
        ends: list[int] = []
        node = self.trie
        for position in range(start, min(len(letters), start + self.longest)):
            node = node.get(letters[position])
            if node is None:
                break
            if WORD_END in node:
                ends.append(position + 1)
        return ends


WORD_END = ""


def _trie(words: Iterable[str]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for letter in word:
            node = node.setdefault(letter, {})
        node[WORD_END] = True
    return root


@dataclass(frozen=True)
class Piece:
    """One cut of a Korean run: a known word, an ending, or an unknown word."""

    korean: str
    kind: str  # "word" | "ending" | "unknown"
    english: str = ""
    category: str = ""


@dataclass(frozen=True)
class GlossaryTranslation:
    english: str
    unknown_words: tuple[str, ...]
    known_words: tuple[tuple[str, str], ...]  # (korean, english) in text order


def glossary_file() -> Path:
    return settings().assets_dir / "words" / "glossary.json"


def load_glossary(path: Path | None = None) -> Glossary:
    """The glossary at ``path`` (default: the bundled one), read once."""
    return _load(path or glossary_file())


@lru_cache(maxsize=4)
def _load(path: Path) -> Glossary:
    data = json.loads(path.read_text(encoding="utf-8"))
    english: dict[str, str] = {}
    category: dict[str, str] = {}
    for name, entries in data.items():
        for korean, meaning in entries.items():
            key = "".join(korean.split())
            english[key] = meaning
            category[key] = name
    logger.debug("glossary loaded: %d words", len(english))
    longest = max(map(len, english), default=1)
    return Glossary(english, category, longest, _trie(english))


def glossary_translate(
    text: str, glossary: Glossary | None = None
) -> GlossaryTranslation:
    """Word-for-word English for ``text``; unknown Korean words are reported.

    Only the first ``bounds.MAX_TEXT_CHARS`` characters are read.
    """
    glossary = glossary or load_glossary()
    text = bound_text(text).text
    tokens: list[tuple[str, str]] = []  # (english, role)
    unknown: list[str] = []
    known: list[tuple[str, str]] = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup or ""
        if kind == "korean":
            for piece in segment(match.group(0), glossary):
                tokens.append(_token_for(piece))
                if piece.kind == "unknown" and piece.korean not in unknown:
                    unknown.append(piece.korean)
                elif piece.kind == "word":
                    known.append((piece.korean, piece.english))
        elif kind == "separator":
            tokens.append(("." if match.group(0)[0] in ".!?" else ",", "separator"))
        elif kind == "number":
            tokens.append((match.group("number"), "content"))
        else:
            tokens.append((match.group(0), "content"))
    return GlossaryTranslation(_english(tokens), tuple(unknown), tuple(known))


def _token_for(piece: Piece) -> tuple[str, str]:
    if piece.kind == "word":
        if piece.category == "spatial" and piece.english in POSTPOSITIONS:
            return piece.english, "place"
        if piece.korean.endswith(VERB_FORM_ENDS):
            return piece.english, "content-then-boundary"
        return piece.english, "content"
    if piece.kind == "ending" and not _closes_phrase(piece.korean):
        return "", "none"
    return "", "boundary"


def _closes_phrase(ending: str) -> bool:
    return any(ending[cut:] in PARTICLES for cut in range(len(ending)))


def _english(tokens: list[tuple[str, str]]) -> str:
    """Assemble English, moving place words before the phrase they follow."""
    words: list[str] = []
    phrase_start = 0
    for english, role in tokens:
        if role.startswith("content"):
            if not words or words[-1] != english:
                words.append(english)
            if role == "content-then-boundary":
                phrase_start = len(words)
        elif role == "place":
            words.insert(phrase_start, english)
            phrase_start = len(words)
        elif role in ("boundary", "separator"):
            if role == "separator" and words and words[-1] not in ",.":
                words.append(english)
            phrase_start = len(words)
    while words and words[-1] == ",":
        words.pop()
    return join_words(words)


def segment(run: str, glossary: Glossary) -> list[Piece]:
    """Cut a run of Korean words into glossary words, endings and unknowns.

    Among all cuts the one with the fewest unknown letters wins, then the one
    with the fewest pieces (so the longest glossary words).
    """
    words = run.split()
    letters = "".join(words)
    word_end: list[int] = []
    word_start: list[int] = []
    position = 0
    for word in words:
        word_start += [position] * len(word)
        position += len(word)
        word_end += [position] * len(word)
    choices = _best_cuts(letters, word_start, word_end, glossary)
    return _pieces(letters, word_end, choices, glossary)


def _best_cuts(
    letters: str, word_start: list[int], word_end: list[int], glossary: Glossary
) -> list[tuple[str, int]]:
    """For each position, the best (kind, end) cut starting there."""
    size = len(letters)
    cost: list[tuple[int, int]] = [(0, 0)] * (size + 1)
    choice: list[tuple[str, int]] = [("", size)] * (size + 1)
    for start in range(size - 1, -1, -1):
        unknown_cost, pieces = cost[start + 1]
        best = ((unknown_cost + 1, pieces + 1), ("unknown", start + 1))
        end = word_end[start]
        if 0 < start and end - start <= LONGEST_ENDING:
            if is_ending(letters[start:end]):
                candidate = (cost[end][0], cost[end][1] + 1)
                best = min(best, (candidate, ("ending", end)))
        for stop in glossary.word_ends(letters, start):
            if _fits(letters, start, stop, word_start, word_end, glossary):
                candidate = (cost[stop][0], cost[stop][1] + 1)
                best = min(best, (candidate, ("word", stop)))
        cost[start], choice[start] = best
    return choice


def _fits(
    letters: str,
    start: int,
    stop: int,
    word_start: list[int],
    word_end: list[int],
    glossary: Glossary,
) -> bool:
    """Whether a glossary word may sit at letters[start:stop].

    A word spanning a space must start a word and end one (before an ending);
    a one-letter word must close its word or stand before another known word,
    so 안 (in) is not found inside 안경.
    """
    last_word_end = word_end[stop - 1]
    rest = letters[stop:last_word_end] if last_word_end - stop <= LONGEST_ENDING else ""
    closes = stop == last_word_end or (rest != "" and is_ending(rest))
    if last_word_end != word_end[start]:
        return start == word_start[start] and closes
    if stop - start > 1 or closes:
        return True
    return any(
        2 <= end - stop and end <= last_word_end
        for end in glossary.word_ends(letters, stop)
    )


def _pieces(
    letters: str,
    word_end: list[int],
    choices: list[tuple[str, int]],
    glossary: Glossary,
) -> list[Piece]:
    pieces: list[Piece] = []
    start = 0
    while start < len(letters):
        kind, stop = choices[start]
        korean = letters[start:stop]
        previous = pieces[-1] if pieces else None
        same_word = previous is not None and word_end[start - 1] == word_end[start]
        if kind == "word":
            pieces.append(
                Piece(korean, kind, glossary.english[korean], glossary.category[korean])
            )
        elif (
            previous
            and previous.kind == "unknown"
            and same_word
            and (
                kind == "unknown"
                or (len(korean) == 1 and korean not in CLEAR_PARTICLES)
            )
        ):
            # One unknown word: its letters, and a one-letter ending that may
            # just as well be its last syllable (고양이, not 고양 + 이).
            pieces[-1] = Piece(previous.korean + korean, "unknown")
        else:
            pieces.append(Piece(korean, kind))
        start = stop
    return pieces
