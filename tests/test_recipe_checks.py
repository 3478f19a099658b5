"""Recipe ids a command line can read, and looks that can be used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import jpeg_bytes, synthetic_product
from PIL import Image

from lite_app import cli, recipes, store
from lite_app.errors import LookInvalid
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


# --- only looks the editor can use are saved -------------------------------------

UNUSABLE = [
    ({"scene": "nope"}, "There is no scene called 'nope'"),
    ({"scene": "solid", "scene_params": {"color": "banana"}}, "colour code"),
    ({"target": "moon"}, "Unknown target"),
]


@pytest.mark.parametrize(("look", "message"), UNUSABLE)
def test_saving_a_look_the_editor_refuses_is_refused(look: dict, message: str) -> None:
    with pytest.raises(LookInvalid) as refused:
        recipes.save(recipes.OPERATOR, "broken", Look.from_dict(look))
    assert message in refused.value.message_en and refused.value.message_ko
    assert recipes.all_recipes() == []


def test_importing_a_recipe_with_a_missing_scene_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "nope.json"
    path.write_text(json.dumps({"name": "nope", "look": {"scene": "nope"}}))
    code, out, err = run(capsys, "recipe", "import", str(path))
    assert code == 1 and out == ""
    assert "없는 장면입니다" in err and "There is no scene called 'nope'" in err
    assert recipes.all_recipes() == []


def test_the_web_save_refuses_a_missing_scene_in_the_visitors_language() -> None:
    import gradio as gr

    from lite_app import ui

    with pytest.raises(gr.Error) as refused:
        ui.save_recipe("nope", json.dumps({"scene": "nope"}), False, "", None, "", "en")
    assert "There is no scene called 'nope'" in str(refused.value.message)
    assert recipes.all_recipes() == []
    link, recipe_id, _ = ui.save_recipe(
        "ok", json.dumps({"scene": "sunset"}), False, "", None, "", "en"
    )
    assert link.endswith(f"/?recipe={recipe_id}")
    assert recipes.load(recipe_id).scene == "sunset"
