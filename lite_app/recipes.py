"""Recipes: saved, named looks that others open, change and save as their own.

A recipe is stored under an unguessable short id, so its share link
(``?recipe=ID``) is the only way to find an unlisted one. Saving a changed
recipe makes a new one that records its parent; only the owner may rename,
publish or delete a recipe. The public gallery lists the recipes used by the
most visitors first. Names are kept exactly as typed (markup included) and
escaped wherever they are shown as HTML, as :func:`recipe_card_html` does.

A recipe file holds ``{"name": ..., "look": {...}}``, the look in the same
format the editor uses; a bare look is accepted on import too.
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import re
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lite_app import store
from lite_app.errors import LiteError, LookInvalid
from lite_app.look import Look
from lite_app.visitors import VisitorRefused, is_visitor_id

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)

OPERATOR = "operator"
MAX_NAME_CHARS = 80
MAX_THUMBNAIL_BYTES = 256 * 1024
MAX_THUMBNAIL_SIDE = 1024
MAX_RECIPE_FILE_BYTES = 256 * 1024
THUMBNAIL_SIDE = 160
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

_RECIPE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class RecipeNotFound(LiteError):
    """No recipe with that id (or the id is malformed)."""


class RecipeNotYours(LiteError):
    """Someone other than the owner tried to change a recipe."""


class RecipeInvalid(LiteError):
    """A recipe name, thumbnail or file that does not hold."""


@dataclass(frozen=True)
class Recipe:
    """A saved look. ``owner`` is a visitor id: keep it off public pages."""

    id: str
    owner: str
    name: str
    look: Look
    parent_id: str | None
    public: bool
    uses: int
    created_at: datetime
    updated_at: datetime
    thumbnail: bytes | None = field(default=None, repr=False)


# --- saving and changing -------------------------------------------------------


def save(
    owner: str,
    name: str,
    look: Look,
    *,
    thumbnail: bytes | None = None,
    parent_id: str | None = None,
    public: bool = False,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Recipe:
    """Save a look as a new recipe; ``parent_id`` records the recipe it came from.

    Recipes are unlisted unless ``public``: only their link finds them.
    """
    _check_owner(owner)
    name = _checked_name(name)
    _check_thumbnail(thumbnail)
    look = Look.from_dict(look.to_dict())
    from lite_app.editor import check_look

    check_look(look)  # an unknown scene, target or option is refused here
    stamp = _iso(now)
    with _connection(data_dir) as connection, store.write(connection):
        if parent_id is not None:
            _require(connection, parent_id)
        recipe_id = _insert(
            connection,
            (
                owner,
                name,
                look.to_json(),
                thumbnail,
                parent_id,
                int(bool(public)),
                stamp,
                stamp,
            ),
        )
        recipe = _fetch(connection, recipe_id)
    logger.info("saved a recipe%s", " from a parent" if parent_id else "")
    return recipe


def rename(
    recipe_id: str,
    owner: str,
    name: str,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Recipe:
    """Give a recipe a new name; only its owner may."""
    name = _checked_name(name)
    return _owner_update(
        "UPDATE recipes SET name = ?, updated_at = ? WHERE id = ? AND owner = ?",
        (name, _iso(now)),
        recipe_id,
        owner,
        data_dir,
    )


def set_public(
    recipe_id: str,
    owner: str,
    public: bool,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Recipe:
    """Show a recipe in the public gallery, or take it out; only its owner may."""
    return _owner_update(
        "UPDATE recipes SET public = ?, updated_at = ? WHERE id = ? AND owner = ?",
        (int(bool(public)), _iso(now)),
        recipe_id,
        owner,
        data_dir,
    )


def delete(recipe_id: str, owner: str, *, data_dir: Path | None = None) -> None:
    """Delete a recipe; only its owner may. Recipes made from it stay."""
    with _connection(data_dir) as connection, store.write(connection):
        _require_owner(connection, recipe_id, owner)
        connection.execute(
            "DELETE FROM recipes WHERE id = ? AND owner = ?", (recipe_id, owner)
        )
    logger.info("deleted a recipe")


# --- reading -------------------------------------------------------------------


def get(recipe_id: str, *, data_dir: Path | None = None) -> Recipe:
    """The recipe with this id; raises :class:`RecipeNotFound`."""
    with _connection(data_dir) as connection:
        return _require(connection, recipe_id)


def load(recipe_id: str, *, data_dir: Path | None = None) -> Look:
    """The recipe's look, validated like any outside look."""
    return get(recipe_id, data_dir=data_dir).look


def use(
    recipe_id: str,
    visitor_id: str | None = None,
    *,
    now: datetime | None = None,
    data_dir: Path | None = None,
) -> Recipe:
    """Open a recipe for use and count it, once per visitor when one is given."""
    stamp = _iso(now)
    with _connection(data_dir) as connection, store.write(connection):
        _require(connection, recipe_id)
        first = True
        if visitor_id is not None:
            first = bool(
                connection.execute(
                    "INSERT INTO recipe_uses (recipe_id, visitor_id, at)"
                    " VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    (recipe_id, visitor_id, stamp),
                ).rowcount
            )
        if first:
            connection.execute(
                "UPDATE recipes SET uses = uses + 1 WHERE id = ?", (recipe_id,)
            )
        return _fetch(connection, recipe_id)


def gallery(
    limit: int = 24, offset: int = 0, *, data_dir: Path | None = None
) -> list[Recipe]:
    """Public recipes, used by the most visitors first, newest first among equals."""
    return _listed(
        "SELECT * FROM recipes WHERE public = 1"
        " ORDER BY uses DESC, created_at DESC, id LIMIT ? OFFSET ?",
        (_clamped(limit), max(int(offset), 0)),
        data_dir,
    )


def owned_by(
    owner: str, limit: int = 100, *, data_dir: Path | None = None
) -> list[Recipe]:
    """One visitor's recipes, newest first."""
    return _listed(
        "SELECT * FROM recipes WHERE owner = ? ORDER BY created_at DESC, id LIMIT ?",
        (owner, _clamped(limit)),
        data_dir,
    )


def all_recipes(limit: int = 100, *, data_dir: Path | None = None) -> list[Recipe]:
    """Every recipe, newest first (for the operator)."""
    return _listed(
        "SELECT * FROM recipes ORDER BY created_at DESC, id LIMIT ?",
        (_clamped(limit, 10_000),),
        data_dir,
    )


# --- files and links -------------------------------------------------------------


def to_file_json(recipe: Recipe) -> str:
    """The recipe as a file: ``{"name": ..., "look": {...}}``."""
    document = {"name": recipe.name, "look": recipe.look.to_dict()}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def export_json(recipe_id: str, *, data_dir: Path | None = None) -> str:
    return to_file_json(get(recipe_id, data_dir=data_dir))


def read_file(text: str | bytes, default_name: str = "") -> tuple[str, Look]:
    """The name and validated look in a recipe file (or a bare look file)."""
    if len(text) > MAX_RECIPE_FILE_BYTES:
        raise _unreadable("the file is too large", "파일이 너무 큽니다")
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise _unreadable("the file is not JSON", "JSON 파일이 아닙니다") from error
    if isinstance(document, dict) and "look" in document:
        extra = set(document) - {"name", "look"}
        if extra:
            raise _unreadable(
                "only name and look belong in a recipe file",
                "레시피 파일에는 이름(name)과 룩(look)만 들어갈 수 있습니다",
            )
        return _checked_name(document.get("name", default_name)), Look.from_dict(
            document["look"]
        )
    return _checked_name(default_name), Look.from_dict(document)


def import_json(
    text: str | bytes,
    owner: str = OPERATOR,
    *,
    default_name: str = "",
    public: bool = False,
    data_dir: Path | None = None,
) -> Recipe:
    """Save the recipe in a file as a new recipe."""
    name, look = read_file(text, default_name)
    return save(owner, name, look, public=public, data_dir=data_dir)


def look_from_reference(reference: str, *, data_dir: Path | None = None) -> Look:
    """The look behind ``--recipe ID|FILE``: a recipe file's look, or a saved one."""
    path = Path(reference)
    if path.is_file():
        return read_file(path.read_bytes(), path.stem or "recipe")[1]
    return load(reference, data_dir=data_dir)


def share_link(recipe_id: str, base_url: str = "") -> str:
    """The link that opens a recipe in the editor: ``/?recipe=ID``."""
    return f"{base_url.rstrip('/')}/?recipe={recipe_id}"


def recipe_card_html(recipe: Recipe) -> str:
    """A gallery card; the name and everything else shown are escaped as text."""
    name = html.escape(recipe.name, quote=True)
    link = html.escape(share_link(recipe.id), quote=True)
    image = ""
    if recipe.thumbnail:
        encoded = base64.b64encode(recipe.thumbnail).decode("ascii")
        image = f'<img src="data:image/png;base64,{encoded}" alt="{name}">'
    return (
        f'<a class="recipe-card" href="{link}">{image}'
        f'<span class="recipe-name">{name}</span>'
        f'<span class="recipe-uses">{int(recipe.uses)}회 사용 · '
        f"used {int(recipe.uses)} times</span></a>"
    )


def make_thumbnail(
    before: Image.Image, after: Image.Image, side: int = THUMBNAIL_SIDE
) -> bytes:
    """A small before | after PNG for a recipe card."""
    from PIL import Image as PILImage

    sheet = PILImage.new("RGB", (side * 2, side), (255, 255, 255))
    for column, picture in enumerate((before, after)):
        small = picture.convert("RGBA")
        small.thumbnail((side, side))
        left = column * side + (side - small.width) // 2
        sheet.paste(small, (left, (side - small.height) // 2), small)
    # A 256-colour palette keeps a card to a few tens of kilobytes.
    buffer = io.BytesIO()
    sheet.quantize(256).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


# --- inside the database ---------------------------------------------------------


@contextmanager
def _connection(data_dir: Path | None) -> Iterator[sqlite3.Connection]:
    with closing(store.connect(data_dir)) as connection:
        yield connection


def _insert(connection: sqlite3.Connection, values: tuple[Any, ...]) -> str:
    """Insert under a fresh random id; ``values`` follow the id in column order."""
    while True:
        recipe_id = new_recipe_id()
        try:
            connection.execute(
                "INSERT INTO recipes (id, owner, name, look, thumbnail, parent_id,"
                " public, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (recipe_id, *values),
            )
            return recipe_id
        except sqlite3.IntegrityError:
            if _exists(connection, recipe_id):
                continue
            raise


def new_recipe_id() -> str:
    """A random id that never starts with "-", so a command line reads it as an id.

    Ids saved before this rule may still start with "-"; they stay valid, and
    the command line takes them after ``--`` or as ``--recipe=ID``.
    """
    while True:
        recipe_id = secrets.token_urlsafe(8)
        if not recipe_id.startswith("-"):
            return recipe_id


def _owner_update(
    statement: str,
    values: tuple[Any, ...],
    recipe_id: str,
    owner: str,
    data_dir: Path | None,
) -> Recipe:
    with _connection(data_dir) as connection, store.write(connection):
        _require_owner(connection, recipe_id, owner)
        connection.execute(statement, (*values, recipe_id, owner))
        return _fetch(connection, recipe_id)


def _require(connection: sqlite3.Connection, recipe_id: str) -> Recipe:
    if not isinstance(recipe_id, str) or not _RECIPE_ID.fullmatch(recipe_id):
        raise _not_found()
    if not _exists(connection, recipe_id):
        raise _not_found()
    return _fetch(connection, recipe_id)


def _require_owner(connection: sqlite3.Connection, recipe_id: str, owner: str) -> None:
    recipe = _require(connection, recipe_id)
    if recipe.owner != owner:
        raise RecipeNotYours(
            "내가 만든 레시피만 바꾸거나 지울 수 있습니다.",
            "Only the recipe's owner can change or delete it.",
        )


def _exists(connection: sqlite3.Connection, recipe_id: str) -> bool:
    row = connection.execute(
        "SELECT 1 FROM recipes WHERE id = ?", (recipe_id,)
    ).fetchone()
    return row is not None


def _fetch(connection: sqlite3.Connection, recipe_id: str) -> Recipe:
    row = connection.execute(
        "SELECT * FROM recipes WHERE id = ?", (recipe_id,)
    ).fetchone()
    return _recipe(row)


def _listed(
    query: str, parameters: tuple[Any, ...], data_dir: Path | None
) -> list[Recipe]:
    with _connection(data_dir) as connection:
        rows = connection.execute(query, parameters).fetchall()
    recipes = []
    for row in rows:
        try:
            recipes.append(_recipe(row))
        except LookInvalid:
            logger.warning("skipped a stored recipe whose look no longer validates")
    return recipes


def _recipe(row: sqlite3.Row) -> Recipe:
    return Recipe(
        id=row["id"],
        owner=row["owner"],
        name=row["name"],
        look=Look.from_json(row["look"]),
        parent_id=row["parent_id"],
        public=bool(row["public"]),
        uses=row["uses"],
        created_at=_parse(row["created_at"]),
        updated_at=_parse(row["updated_at"]),
        thumbnail=row["thumbnail"],
    )


# --- checks --------------------------------------------------------------------


def _check_owner(owner: str) -> None:
    if owner != OPERATOR and not is_visitor_id(owner):
        raise VisitorRefused(
            "방문자 정보를 확인할 수 없습니다.",
            "The visitor could not be confirmed.",
            detail="malformed owner id",
        )


def _checked_name(name: Any) -> str:
    if not isinstance(name, str):
        raise _invalid("the name must be text", "이름은 글자여야 합니다")
    name = name.strip()
    if not 1 <= len(name) <= MAX_NAME_CHARS:
        raise _invalid(
            f"the name must be 1 to {MAX_NAME_CHARS} characters",
            f"이름은 1~{MAX_NAME_CHARS}자로 지어 주세요",
        )
    if _CONTROL_CHARS.search(name):
        raise _invalid("the name has control characters", "이름에 쓸 수 없는 문자")
    return name


def _check_thumbnail(thumbnail: bytes | None) -> None:
    """A thumbnail must be a small PNG that decodes."""
    if thumbnail is None:
        return
    if not isinstance(thumbnail, bytes) or not thumbnail.startswith(PNG_SIGNATURE):
        raise _invalid("the thumbnail must be a PNG", "미리보기는 PNG여야 합니다")
    if len(thumbnail) > MAX_THUMBNAIL_BYTES:
        raise _invalid("the thumbnail is too large", "미리보기가 너무 큽니다")
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(thumbnail)) as picture:
            width, height = picture.size
            if max(width, height) > MAX_THUMBNAIL_SIDE:
                raise _invalid("the thumbnail is too large", "미리보기가 너무 큽니다")
            picture.load()
    except (OSError, SyntaxError, ValueError) as error:
        raise _invalid(
            "the thumbnail cannot be read", "미리보기를 읽을 수 없습니다"
        ) from error


def _clamped(limit: int, highest: int = 200) -> int:
    return min(max(int(limit), 1), highest)


def _invalid(detail_en: str, detail_ko: str) -> RecipeInvalid:
    return RecipeInvalid(
        f"레시피를 저장할 수 없습니다: {detail_ko}.",
        f"The recipe cannot be saved: {detail_en}.",
        detail=detail_en,
    )


def _unreadable(detail_en: str, detail_ko: str) -> RecipeInvalid:
    """A recipe file that cannot be read, whether it was to be used or saved."""
    return RecipeInvalid(
        f"레시피 파일을 읽을 수 없습니다: {detail_ko}.",
        f"The recipe file cannot be read: {detail_en}.",
        detail=detail_en,
    )


def _not_found() -> RecipeNotFound:
    return RecipeNotFound(
        "레시피를 찾을 수 없습니다. 링크를 다시 확인해 주세요.",
        "The recipe was not found. Please check the link.",
    )


def _iso(now: datetime | None) -> str:
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        raise ValueError("now must carry a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
