"""Scenes: the backgrounds a product is placed on.

Rendered presets (no model needed) live in :mod:`lite_app.scenes.presets`; the
names below are loaded from there on first use, so importing this package
stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "DEFAULT_SCENE",
    "PRESETS",
    "Scene",
    "ScenePreset",
    "checked_params",
    "list_presets",
    "render_scene",
    "thumbnail_path",
]

if TYPE_CHECKING:
    from lite_app.scenes.presets import (
        DEFAULT_SCENE,
        PRESETS,
        Scene,
        ScenePreset,
        checked_params,
        list_presets,
        render_scene,
        thumbnail_path,
    )


def __getattr__(name: str) -> Any:
    if name in __all__:
        from lite_app.scenes import presets

        return getattr(presets, name)
    raise AttributeError(f"module 'lite_app.scenes' has no attribute {name!r}")
