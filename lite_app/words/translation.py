"""A seller's prompt in English, and where the English came from.

Order of preference: text without Korean passes through as typed; a prompt
translated before comes from the cache; with keys, Papago translates it (and the
result is cached, since Papago bills per character); without keys, or when
Papago fails, the offline glossary does, and the note says so in plain words.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from lite_app import store
from lite_app.words.bounds import bound_text
from lite_app.words.glossary import glossary_translate
from lite_app.words.papago import PapagoClient, PapagoError, PapagoKeys, papago_keys
from lite_app.words.protect import (
    has_hangul,
    join_words,
    shield,
    split_protected,
    unshield,
)

logger = logging.getLogger(__name__)

SOURCE_LANGUAGE, TARGET_LANGUAGE = "ko", "en"

_NOTES: dict[str, tuple[str, str]] = {
    "passthrough": (
        "한글이 없어 입력한 그대로 썼어요.",
        "No Korean found, so the text is used as typed.",
    ),
    "papago": ("Papago로 번역했어요.", "Translated with Papago."),
    "cache": (
        "전에 Papago로 번역한 결과를 다시 썼어요.",
        "Reused an earlier Papago translation.",
    ),
    "no_keys": (
        "Papago 키가 없어 내장 사전으로 옮겼어요. 번역이 거칠 수 있어요.",
        "No Papago keys are set, so the built-in dictionary was used; "
        "the English may be rough.",
    ),
}


@dataclass(frozen=True)
class Translation:
    """A prompt in English with its source and a note for the seller."""

    text: str
    english: str
    source: str  # "papago" | "cache" | "glossary" | "passthrough"
    unknown_words: tuple[str, ...]
    note_ko: str
    note_en: str


def translate(
    text: str, *, data_dir: Path | None = None, client: PapagoClient | None = None
) -> Translation:
    """The English for a seller's prompt, from the best source available.

    Only the first ``bounds.MAX_TEXT_CHARS`` characters are read; the note says
    so when the text was longer.
    """
    bounded = bound_text(text.strip())
    translation = _translate(bounded.text, data_dir, client)
    if not bounded.cut:
        return translation
    return replace(
        translation,
        note_ko=f"{bounded.note_ko} {translation.note_ko}",
        note_en=f"{bounded.note_en} {translation.note_en}",
    )


def _translate(
    text: str, data_dir: Path | None, client: PapagoClient | None
) -> Translation:
    if not has_hangul(text):
        return Translation(text, text, "passthrough", (), *_NOTES["passthrough"])

    cached = _cached(text, data_dir)
    if cached is not None:
        return Translation(text, cached, "cache", (), *_NOTES["cache"])

    client = client or default_client()
    if client is None:
        return _from_glossary(text, *_NOTES["no_keys"])
    try:
        english = papago_english(client, text)
    except PapagoError as error:
        logger.warning("Papago failed (%s); using the offline glossary", error.kind)
        return _from_glossary(text, *_failure_note(error))
    _remember(text, english, data_dir)
    return Translation(text, english, "papago", (), *_NOTES["papago"])


def default_client() -> PapagoClient | None:
    """A client for the configured keys, shared per process; None without keys."""
    try:
        keys = papago_keys()
    except ValueError as error:
        logger.error("Papago is not used: %s", error)
        return None
    return _client_for(keys) if keys else None


@lru_cache(maxsize=2)
def _client_for(keys: PapagoKeys) -> PapagoClient:
    return PapagoClient.from_keys(keys)


def papago_english(client: PapagoClient, text: str) -> str:
    """Papago's English with brand names and quotes kept verbatim.

    Protected parts travel as placeholder tokens. If Papago mangles a token,
    the Korean pieces between the protected parts are translated one by one
    instead, so nothing the seller typed is lost.
    """
    shielded = shield(text)
    translated = client.translate(shielded.text, SOURCE_LANGUAGE, TARGET_LANGUAGE)
    restored = unshield(translated, shielded.originals)
    if restored is not None:
        return restored.strip()
    logger.warning("Papago changed a placeholder; translating piece by piece")
    parts = [
        client.translate(piece.strip(), SOURCE_LANGUAGE, TARGET_LANGUAGE)
        if not protected and has_hangul(piece)
        else piece
        for piece, protected in split_protected(text)
    ]
    return join_words(parts)


def _from_glossary(text: str, note_ko: str, note_en: str) -> Translation:
    result = glossary_translate(text)
    if result.unknown_words:
        words = ", ".join(result.unknown_words)
        note_ko += f" 사전에 없어 뺀 말: {words}"
        note_en += f" Left out, not in the dictionary: {words}"
    return Translation(
        text, result.english, "glossary", result.unknown_words, note_ko, note_en
    )


def _failure_note(error: PapagoError) -> tuple[str, str]:
    return (
        f"Papago 번역에 실패해 내장 사전으로 옮겼어요({error.message_ko.rstrip('.')}). "
        "번역이 거칠 수 있어요.",
        f"Papago failed ({error.message_en.rstrip('.')}), so the built-in "
        "dictionary was used; the English may be rough.",
    )


def _cached(text: str, data_dir: Path | None) -> str | None:
    try:
        connection = store.connect(data_dir)
        try:
            row = connection.execute(
                "SELECT translated FROM translation_cache"
                " WHERE text = ? AND source = ? AND target = ?",
                (text, SOURCE_LANGUAGE, TARGET_LANGUAGE),
            ).fetchone()
        finally:
            connection.close()
    except sqlite3.Error as error:
        logger.warning("translation cache unreadable: %s", error)
        return None
    return row["translated"] if row else None


def _remember(text: str, english: str, data_dir: Path | None) -> None:
    try:
        connection = store.connect(data_dir)
        try:
            with store.write(connection):
                connection.execute(
                    "INSERT OR REPLACE INTO translation_cache"
                    " (text, source, target, translated) VALUES (?, ?, ?, ?)",
                    (text, SOURCE_LANGUAGE, TARGET_LANGUAGE, english),
                )
        finally:
            connection.close()
    except sqlite3.Error as error:
        logger.warning("translation not cached: %s", error)
