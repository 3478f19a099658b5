"""Recipes: saving, forking, ownership, the gallery, files and safe names."""

from __future__ import annotations

import html
import io
import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from skimage import data

from lite_app import recipes, store, visitors
from lite_app.errors import LookInvalid
from lite_app.look import Look

NOW = datetime(2025, 7, 10, 3, 0, tzinfo=UTC)
MARKUP_NAME = '<script>alert("x")</script><b>Sale</b> & "more"'
SQL_NAME = "x'); DROP TABLE recipes; --"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LITE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LITE_SECRET", raising=False)
    return tmp_path


@pytest.fixture
def owner() -> str:
    return visitors.verify(visitors.new_visitor())


@pytest.fixture
def stranger() -> str:
    return visitors.verify(visitors.new_visitor())


@pytest.fixture
def look() -> Look:
    return Look(scene="marble", target="coupang", scale=0.6, shadow=0.3, seed=42)


def _png(size: tuple[int, int] = (32, 24), colour: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _table_names() -> set[str]:
    connection = store.connect()
    try:
        rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in rows}
    finally:
        connection.close()


# --- saving and loading ----------------------------------------------------------


def test_saved_recipe_loads_the_same_look(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, "Marble for Coupang", look, now=NOW)
    assert recipes.load(recipe.id) == look
    fetched = recipes.get(recipe.id)
    assert (fetched.name, fetched.owner, fetched.parent_id) == (
        "Marble for Coupang",
        owner,
        None,
    )
    assert fetched.created_at == NOW and fetched.uses == 0 and not fetched.public


def test_recipe_ids_are_short_unguessable_and_url_safe(owner: str, look: Look) -> None:
    ids = {recipes.save(owner, f"look {n}", look).id for n in range(30)}
    assert len(ids) == 30
    for recipe_id in ids:
        assert re.fullmatch(r"[A-Za-z0-9_-]{8,16}", recipe_id)


def test_share_link_opens_the_recipe(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, "linked", look)
    assert recipes.share_link(recipe.id) == f"/?recipe={recipe.id}"
    assert recipes.share_link(recipe.id, "https://shop.example/") == (
        f"https://shop.example/?recipe={recipe.id}"
    )


def test_thumbnail_is_kept_byte_for_byte(owner: str, look: Look) -> None:
    thumbnail = _png()
    recipe = recipes.save(owner, "with picture", look, thumbnail=thumbnail)
    assert recipes.get(recipe.id).thumbnail == thumbnail


@pytest.mark.parametrize(
    "thumbnail",
    [b"GIF89a not a png", b"\x89PNG\r\n\x1a\nbroken", _png((2000, 10))],
    ids=["not-png", "broken-png", "too-wide"],
)
def test_bad_thumbnail_is_refused(owner: str, look: Look, thumbnail: bytes) -> None:
    with pytest.raises(recipes.RecipeInvalid):
        recipes.save(owner, "bad picture", look, thumbnail=thumbnail)
    assert recipes.all_recipes() == []


def test_make_thumbnail_puts_before_and_after_side_by_side() -> None:
    before = Image.new("RGB", (300, 200), "blue")
    after = Image.new("RGB", (200, 300), "green")
    encoded = recipes.make_thumbnail(before, after, side=80)
    picture = Image.open(io.BytesIO(encoded))
    assert picture.format == "PNG" and picture.size == (160, 80)
    picture = picture.convert("RGB")
    assert picture.getpixel((40, 40))[:3] == (0, 0, 255)
    assert picture.getpixel((120, 40))[:3] == (0, 128, 0)
    assert picture.getpixel((40, 2))[:3] == (255, 255, 255)


def test_thumbnail_of_a_real_photo_is_small() -> None:
    photo = Image.fromarray(data.coffee())
    encoded = recipes.make_thumbnail(photo, photo.rotate(90, expand=True))
    assert len(encoded) < 40_000
    with Image.open(io.BytesIO(encoded)) as picture:
        assert picture.size == (2 * recipes.THUMBNAIL_SIDE, recipes.THUMBNAIL_SIDE)


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 81, "line\nbreak", "nul\x00"], ids=repr
)
def test_bad_name_is_refused(owner: str, look: Look, name: str) -> None:
    with pytest.raises(recipes.RecipeInvalid):
        recipes.save(owner, name, look)


def test_name_is_trimmed_of_surrounding_spaces(owner: str, look: Look) -> None:
    assert recipes.save(owner, "  summer  ", look).name == "summer"


def test_invalid_look_is_refused_before_saving(owner: str) -> None:
    with pytest.raises(LookInvalid):
        recipes.save(owner, "broken", Look(scale=9.0))
    assert recipes.all_recipes() == []


def test_unknown_or_malformed_id_is_not_found() -> None:
    for recipe_id in ["AAAAAAAAAAA", "short", "../../etc", SQL_NAME]:
        with pytest.raises(recipes.RecipeNotFound, match="not found"):
            recipes.get(recipe_id)


# --- forks and ownership -----------------------------------------------------------


def test_saving_a_changed_recipe_makes_a_child(
    owner: str, stranger: str, look: Look
) -> None:
    original = recipes.save(owner, "original", look, now=NOW)
    changed = recipes.load(original.id).with_changes(scene="wood-table", seed=7)
    child = recipes.save(stranger, "my version", changed, parent_id=original.id)
    assert child.parent_id == original.id and child.id != original.id
    assert child.owner == stranger
    assert recipes.load(child.id).scene == "wood-table"
    untouched = recipes.get(original.id)
    assert untouched.look == look and untouched.updated_at == NOW


def test_fork_of_a_missing_parent_is_refused(owner: str, look: Look) -> None:
    with pytest.raises(recipes.RecipeNotFound):
        recipes.save(owner, "orphan", look, parent_id="AAAAAAAAAAA")


def test_only_the_owner_renames(owner: str, stranger: str, look: Look) -> None:
    recipe = recipes.save(owner, "before", look)
    with pytest.raises(recipes.RecipeNotYours):
        recipes.rename(recipe.id, stranger, "stolen")
    assert recipes.get(recipe.id).name == "before"
    later = NOW + timedelta(hours=1)
    renamed = recipes.rename(recipe.id, owner, "after", now=later)
    assert renamed.name == "after" and renamed.updated_at == later


def test_only_the_owner_deletes(owner: str, stranger: str, look: Look) -> None:
    recipe = recipes.save(owner, "keep me", look)
    with pytest.raises(recipes.RecipeNotYours):
        recipes.delete(recipe.id, stranger)
    assert recipes.get(recipe.id).name == "keep me"
    recipes.delete(recipe.id, owner)
    with pytest.raises(recipes.RecipeNotFound):
        recipes.get(recipe.id)


def test_only_the_owner_publishes(owner: str, stranger: str, look: Look) -> None:
    recipe = recipes.save(owner, "private", look)
    with pytest.raises(recipes.RecipeNotYours):
        recipes.set_public(recipe.id, stranger, True)
    assert recipes.gallery() == []
    recipes.set_public(recipe.id, owner, True)
    assert [r.id for r in recipes.gallery()] == [recipe.id]


def test_deleting_a_parent_keeps_its_children(
    owner: str, stranger: str, look: Look
) -> None:
    parent = recipes.save(owner, "parent", look)
    child = recipes.save(stranger, "child", look, parent_id=parent.id)
    recipes.delete(parent.id, owner)
    survivor = recipes.get(child.id)
    assert survivor.parent_id is None and survivor.look == look


def test_owned_by_lists_only_my_recipes(owner: str, stranger: str, look: Look) -> None:
    mine = recipes.save(owner, "mine", look)
    recipes.save(stranger, "theirs", look)
    assert [r.id for r in recipes.owned_by(owner)] == [mine.id]


# --- gallery and uses ----------------------------------------------------------------


def test_gallery_lists_public_recipes_most_used_first(owner: str, look: Look) -> None:
    quiet = recipes.save(owner, "quiet", look, public=True, now=NOW)
    popular = recipes.save(owner, "popular", look, public=True, now=NOW)
    recipes.save(owner, "unlisted", look, public=False)
    for _ in range(3):
        recipes.use(popular.id, visitors.verify(visitors.new_visitor()))
    recipes.use(quiet.id, visitors.verify(visitors.new_visitor()))
    shown = recipes.gallery()
    assert [(r.name, r.uses) for r in shown] == [("popular", 3), ("quiet", 1)]


def test_use_counts_each_visitor_once(owner: str, stranger: str, look: Look) -> None:
    recipe = recipes.save(owner, "counted", look)
    for _ in range(5):
        used = recipes.use(recipe.id, stranger)
    assert used.uses == 1 and used.look == look
    assert recipes.use(recipe.id).uses == 2  # no visitor: always counted


def test_use_of_a_missing_recipe_is_not_found(stranger: str) -> None:
    with pytest.raises(recipes.RecipeNotFound):
        recipes.use("AAAAAAAAAAA", stranger)


def test_gallery_skips_a_stored_look_that_no_longer_validates(
    owner: str, look: Look
) -> None:
    good = recipes.save(owner, "good", look, public=True)
    bad = recipes.save(owner, "bad", look, public=True)
    connection = store.connect()
    try:
        connection.execute(
            "UPDATE recipes SET look = ? WHERE id = ?", ('{"scale": 99}', bad.id)
        )
    finally:
        connection.close()
    assert [r.id for r in recipes.gallery()] == [good.id]
    with pytest.raises(LookInvalid):
        recipes.load(bad.id)


# --- markup and SQL in names ----------------------------------------------------------


def test_markup_in_a_name_is_kept_as_text(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, MARKUP_NAME, look, public=True)
    assert recipes.get(recipe.id).name == MARKUP_NAME
    assert recipes.gallery()[0].name == MARKUP_NAME


def test_recipe_card_shows_markup_as_text(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, MARKUP_NAME, look, thumbnail=_png(), public=True)
    card = recipes.recipe_card_html(recipes.get(recipe.id))
    assert "<script>" not in card and "<b>Sale" not in card
    assert html.escape(MARKUP_NAME, quote=True) in card
    assert f'href="/?recipe={recipe.id}"' in card
    assert 'src="data:image/png;base64,' in card
    assert owner not in card


def test_sql_in_a_name_is_stored_verbatim(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, SQL_NAME, look)
    renamed = recipes.rename(recipe.id, owner, SQL_NAME + " again")
    assert renamed.name == SQL_NAME + " again"
    assert {"recipes", "recipe_uses", "ledger", "visitors"} <= _table_names()
    assert [r.name for r in recipes.all_recipes()] == [SQL_NAME + " again"]


def test_recipe_tables_enforce_their_checks(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, "checked", look)
    connection = store.connect()
    try:
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(
                "UPDATE recipes SET uses = -1 WHERE id = ?", (recipe.id,)
            )
    finally:
        connection.close()


# --- files -------------------------------------------------------------------------


def test_export_then_import_round_trips(owner: str, look: Look) -> None:
    recipe = recipes.save(owner, "사과 마블 배경", look)
    text = recipes.export_json(recipe.id)
    document = json.loads(text)
    assert set(document) == {"name", "look"}
    assert document["name"] == "사과 마블 배경"
    assert Look.from_dict(document["look"]) == look
    copy = recipes.import_json(text)
    assert copy.id != recipe.id and copy.owner == recipes.OPERATOR
    assert copy.name == recipe.name and copy.look == look


def test_import_accepts_a_bare_look(look: Look) -> None:
    imported = recipes.import_json(look.to_json(), default_name="from file")
    assert imported.name == "from file" and imported.look == look


@pytest.mark.parametrize(
    "text, error",
    [
        ("not json", recipes.RecipeInvalid),
        ('{"name": "x", "look": {}, "owner": "me"}', recipes.RecipeInvalid),
        ('{"name": "x", "look": {"scale": 5}}', LookInvalid),
        ('{"name": "x", "look": {"evil": 1}}', LookInvalid),
        ('{"name": 3, "look": {}}', recipes.RecipeInvalid),
        ("[1, 2]", LookInvalid),
    ],
    ids=[
        "not-json",
        "extra-key",
        "out-of-range",
        "unknown-look-key",
        "bad-name",
        "list",
    ],
)
def test_import_refuses_a_bad_file(text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        recipes.import_json(text, default_name="x")
    assert recipes.all_recipes() == []


def test_look_from_reference_reads_an_id_or_a_file(
    owner: str, look: Look, tmp_path: Path
) -> None:
    recipe = recipes.save(owner, "by id", look)
    assert recipes.look_from_reference(recipe.id) == look
    other = look.with_changes(scene="wood")
    path = tmp_path / "wood.json"
    path.write_text(json.dumps({"name": "wood", "look": other.to_dict()}))
    assert recipes.look_from_reference(str(path)) == other
    bare = tmp_path / "bare.json"
    bare.write_text(other.to_json())
    assert recipes.look_from_reference(str(bare)) == other
