"""How much of a seller's text the words module reads.

A look holds a prompt of at most ``MAX_PROMPT_CHARS`` (1,000) characters, and
the web app stops there; the command line and the API can hand over more. The
words module reads that much and no more: a longer text is cut at the last
word break before the limit, the log gets a warning, and the seller a note, so
a pasted page costs no more than a long sentence.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lite_app.look import MAX_PROMPT_CHARS

logger = logging.getLogger(__name__)

MAX_TEXT_CHARS = MAX_PROMPT_CHARS
# A cut looks this far back from the limit for a break between words.
_BREAK_WINDOW = 100
_BREAK = re.compile(r"[\s,.!?;:/·~…]")


@dataclass(frozen=True)
class BoundedText:
    """The part of a text that is read, and how long the whole was."""

    text: str
    original_length: int

    @property
    def cut(self) -> bool:
        return len(self.text) < self.original_length

    @property
    def note_ko(self) -> str:
        return (
            f"글이 길어({self.original_length:,}자) 앞의 {len(self.text):,}자까지만 "
            "읽었어요."
        )

    @property
    def note_en(self) -> str:
        return (
            f"The text is long ({self.original_length:,} characters), so only its "
            f"first {len(self.text):,} characters were read."
        )


def bound_text(text: str, limit: int = MAX_TEXT_CHARS) -> BoundedText:
    """``text`` itself when it fits, else its start up to a word break."""
    if len(text) <= limit:
        return BoundedText(text, len(text))
    head = text[:limit]
    cut = limit
    if not _BREAK.match(text[limit]):
        start = max(0, limit - _BREAK_WINDOW)
        breaks = [m.start() for m in _BREAK.finditer(head, start)]
        if breaks:
            cut = breaks[-1]
    bounded = BoundedText(head[:cut].rstrip(), len(text))
    logger.info(
        "text of %d characters cut to %d before reading",
        bounded.original_length,
        len(bounded.text),
    )
    return bounded
