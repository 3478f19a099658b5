"""Words: Korean prompts to English, and free text to a scene.

Papago translates when keys are set; the offline glossary otherwise, and
whenever Papago fails. Every translation says which of them made it.
"""

from __future__ import annotations

from lite_app.words.mapping import SceneMatch, generation_prompt, match_scene
from lite_app.words.papago import PapagoClient, PapagoError
from lite_app.words.suggestions import Suggestion, suggest
from lite_app.words.translation import Translation, translate

__all__ = [
    "PapagoClient",
    "PapagoError",
    "SceneMatch",
    "Suggestion",
    "Translation",
    "generation_prompt",
    "match_scene",
    "suggest",
    "translate",
]
