"""Recipe ids a command line can read, and looks that can be used."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import jpeg_bytes, synthetic_product
from PIL import Image

from lite_app import cli, recipes, store
from lite_app.look import Look

OLD_DASH_ID = "-FFoPaZ5orU"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_new_ids_never_start_with_a_dash() -> None:
    ids = [recipes.new_recipe_id() for _ in range(5000)]
    assert not [recipe_id for recipe_id in ids if recipe_id.startswith("-")]
    assert all(recipes._RECIPE_ID.fullmatch(recipe_id) for recipe_id in ids)
    assert len(set(ids)) == len(ids)


def test_saved_recipes_get_ids_that_do_not_start_with_a_dash() -> None:
    saved = [
        recipes.save(recipes.OPERATOR, f"look {n}", Look(seed=n)) for n in range(300)
    ]
    assert not [recipe.id for recipe in saved if recipe.id.startswith("-")]


def stored_with_dash_id(look: Look) -> None:
    """A recipe saved before ids were kept from starting with a dash."""
    stamp = "2025-07-01T00:00:00.000000Z"
    connection = store.connect()
    try:
        with store.write(connection):
            connection.execute(
                "INSERT INTO recipes (id, owner, name, look, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (OLD_DASH_ID, recipes.OPERATOR, "old", look.to_json(), stamp, stamp),
            )
    finally:
        connection.close()


def test_an_old_id_with_a_dash_still_opens(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    look = Look(scene="solid", scene_params={"color": "#00C800"}, target="120x90")
    stored_with_dash_id(look)
    assert recipes.load(OLD_DASH_ID) == look
    code, out, _ = run(capsys, "recipe", "show", "--", OLD_DASH_ID)
    assert code == 0 and f"id: {OLD_DASH_ID}" in out
    photo = tmp_path / "bottle.jpg"
    photo.write_bytes(jpeg_bytes(synthetic_product((160, 120))[0]))
    output = tmp_path / "out.jpg"
    code, _, err = run(
        capsys, "edit", str(photo), f"--recipe={OLD_DASH_ID}", "-o", str(output)
    )
    assert code == 0, err
    image = Image.open(output).convert("RGB")
    assert image.size == (120, 90)
    assert image.getpixel((2, 2)) == pytest.approx((0, 200, 0), abs=6)
