"""Parts of a prompt that must come out of translation exactly as typed.

Brand names (Latin-script words inside Korean text) and anything the seller
quotes stay verbatim. Before text goes to a translation service they are swapped
for placeholder tokens that translators leave alone, and swapped back after.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HANGUL = re.compile(r"[\uac00-\ud7a3\u1100-\u11ff\u3130-\u318f]")

_QUOTED = (
    r'"[^"\n]*"'
    r"|“[^”\n]*”"
    r"|‘[^’\n]*’"
    r"|「[^」\n]*」"
    r"|『[^』\n]*』"
    r"|(?<![A-Za-z0-9])'[^\n]+?'(?![A-Za-z0-9])"
)
# A Latin word may hold digits and a few joiners but ends on a letter or digit;
# words separated by single spaces stay together ("New Balance", "iPhone 15").
_LATIN_WORD = r"[A-Za-z](?:[A-Za-z0-9&'’+.\-]*[A-Za-z0-9+])?"
_LATIN = rf"{_LATIN_WORD}(?: [A-Za-z0-9](?:[A-Za-z0-9&'’+.\-]*[A-Za-z0-9+])?)*"
PROTECTED = re.compile(rf"(?P<quoted>{_QUOTED})|(?P<latin>{_LATIN})")

# Uppercase letters around a number survive machine translation untouched; the
# lenient pattern also finds tokens a translator spaced out or lowercased.
_TOKEN = "ZZ{}ZZ"
_TOKEN_FOUND = re.compile(r"z\s*z\s*(\d+)\s*z\s*z", re.IGNORECASE)


def has_hangul(text: str) -> bool:
    return HANGUL.search(text) is not None


@dataclass(frozen=True)
class Shielded:
    """Text with its protected parts swapped for tokens, and those parts."""

    text: str
    originals: tuple[str, ...]


def shield(text: str) -> Shielded:
    """Swap brand names and quoted parts for placeholder tokens."""
    originals: list[str] = []

    def swap(match: re.Match[str]) -> str:
        originals.append(match.group(0))
        return _TOKEN.format(len(originals) - 1)

    return Shielded(PROTECTED.sub(swap, text), tuple(originals))


def unshield(translated: str, originals: tuple[str, ...]) -> str | None:
    """Put the protected parts back; None when a token did not survive."""
    seen: set[int] = set()

    def restore(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if index >= len(originals):
            return match.group(0)
        seen.add(index)
        return originals[index]

    restored = _TOKEN_FOUND.sub(restore, translated)
    if len(seen) != len(originals):
        return None
    return restored


def split_protected(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is_protected) in order, nothing dropped."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in PROTECTED.finditer(text):
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def join_words(parts: list[str]) -> str:
    """Join translated pieces with single spaces, punctuation kept snug."""
    text = " ".join(part.strip() for part in parts if part.strip())
    text = re.sub(r"\s+([,.!?;:])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()
