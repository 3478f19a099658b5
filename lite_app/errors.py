"""The app's exceptions: one root, a few meaningful kinds.

Every error carries a message for people in Korean and in English. Internal
detail (paths, values, codes) goes into ``context`` and the log, never into the
message a seller reads.
"""

from __future__ import annotations

from typing import Any


class LiteError(Exception):
    """Root of every error the app raises on purpose."""

    def __init__(self, message_ko: str, message_en: str, **context: Any) -> None:
        super().__init__(f"{message_ko}\n{message_en}")
        self.message_ko = message_ko
        self.message_en = message_en
        self.context = context

    def user_message(self, language: str = "ko") -> str:
        """The message for a person: Korean first, English beside it."""
        if language == "en":
            return self.message_en
        return f"{self.message_ko}\n{self.message_en}"


class PhotoRejected(LiteError):
    """The uploaded file is not a photo the app can use."""


class LookInvalid(LiteError):
    """A look (from the UI, a recipe link or a file) does not hold."""


class WeightsUnavailable(LiteError):
    """Model weights could not be found or fetched."""


class CutoutFailed(LiteError):
    """The cutout model could not run or produced nothing usable."""


class ExportFailed(LiteError):
    """The result cannot be written within the target's rules."""


class TranslationFailed(LiteError):
    """An outside translation service failed; carries its HTTP status and code."""


class GenerationUnavailable(LiteError):
    """A generative scene model could not be loaded or run."""


class NotEnoughCredits(LiteError):
    """The visitor has no images left to spend."""


class RateLimited(LiteError):
    """Too many requests from one visitor or address."""
