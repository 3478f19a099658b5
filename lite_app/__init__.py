"""Sporky Lite: one-click product photos for online marketplaces.

The one call every door uses is :func:`lite_app.edit`; a :class:`Look` plus the
photo fully decide its :class:`Result`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from lite_app.errors import LiteError
from lite_app.look import Look

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["Look", "LiteError", "Result", "edit"]

if TYPE_CHECKING:
    from lite_app.editor import Result, edit


def __getattr__(name: str) -> Any:
    # The editor pulls in numpy and Pillow; keep `import lite_app` light.
    if name in ("edit", "Result"):
        from lite_app import editor

        return getattr(editor, name)
    raise AttributeError(f"module 'lite_app' has no attribute {name!r}")
