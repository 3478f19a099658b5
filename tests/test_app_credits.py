"""Credits, visitors, promo links and recipes through the real web app.

The app runs on loopback and is driven through gradio_client like any API
caller; the page-load handler gets a real starlette request for the page's
address, since gradio_client cannot open a page with a query string. Every
test has its own database (see conftest.py), which the server reads too.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path

import gradio as gr
import pytest
from conftest import jpeg_bytes, launched_app, real_photo, run_cli
from PIL import Image
from starlette.requests import Request

from lite_app import credits, recipes, ui, visitors
from lite_app.look import Look

gradio_client = pytest.importorskip("gradio_client")
AppError = gradio_client.exceptions.AppError
GREEN = (0, 200, 0)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with launched_app(tmp_path_factory.mktemp("app-data")) as url:
        yield url.rstrip("/")


@pytest.fixture(scope="module")
def client(app_url):
    return gradio_client.Client(f"{app_url}/", verbose=False)


@pytest.fixture(scope="module")
def rocket(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("upload") / "rocket.jpg"
    path.write_bytes(jpeg_bytes(real_photo("rocket")))
    return path


@pytest.fixture
def broken(tmp_path) -> Path:
    path = tmp_path / "broken.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0 not really a photo")
    return path


def look_json(**fields) -> str:
    return Look(target="coupang", **fields).to_json()


def full_size(client, photo: Path, look: str, token: str = "") -> tuple:
    """/edit: (image, file, receipt, token, images-left line)."""
    handle = gradio_client.handle_file(str(photo))
    return client.predict(handle, look, token, api_name="/edit")


def images_left(token: str) -> int:
    return credits.balance(visitors.verify(token)).images_left


def charges(token: str) -> list[credits.LedgerRow]:
    rows = credits.ledger_rows(visitors.verify(token))
    return [row for row in rows if row.kind == "charge"]


def page_request(query: str = "") -> gr.Request:
    """A page load of ``/?query`` as the server receives it."""
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 7860),
        "client": ("127.0.0.1", 50000),
        "path": "/",
        "root_path": "",
        "query_string": query.encode(),
        "headers": [(b"host", b"127.0.0.1:7860")],
    }
    return gr.Request(request=Request(scope))


def load(query: str = "", token: str = "") -> dict:
    names = ("token", "images_left", "notice", "look", "recipe_id", "recipe_name")
    return dict(zip(names, ui.load_page(token, page_request(query)), strict=True))


def is_unchanged(update) -> bool:
    return isinstance(update, dict) and update.get("__type__") == "update"


# --- charging through /edit ---------------------------------------------------


def test_api_call_without_a_token_gets_a_visitor_and_spends_one_trial_image(
    client, rocket
):
    _image, path, receipt, token, left = full_size(client, rocket, look_json())
    assert visitors.verify(token)
    assert images_left(token) == 4
    assert "남은 이미지 4장" in left
    assert [(row.images, row.krw) for row in charges(token)] == [(1, 15)]
    assert Image.open(path).size == (1000, 1000)


def test_images_left_goes_down_by_one_per_new_result(client, rocket):
    token = full_size(client, rocket, look_json(seed=1))[3]
    shown = [full_size(client, rocket, look_json(seed=s), token)[4] for s in (2, 3)]
    assert "남은 이미지 3장" in shown[0]
    assert "남은 이미지 2장" in shown[1]
    assert len(charges(token)) == 3


def test_the_same_result_downloaded_again_is_free(client, rocket):
    first = full_size(client, rocket, look_json(scale=0.6))
    again = full_size(client, rocket, look_json(scale=0.6), first[3])
    assert Path(again[1]).read_bytes() == Path(first[1]).read_bytes()
    assert "남은 이미지 4장" in again[4]
    assert len(charges(first[3])) == 1


def test_a_failed_edit_costs_nothing(client, rocket, broken):
    token = full_size(client, rocket, look_json())[3]
    with pytest.raises(AppError, match="사진"):
        full_size(client, broken, look_json(), token)
    with pytest.raises(AppError, match="scale"):
        full_size(client, rocket, json.dumps({"scale": 99}), token)
    assert images_left(token) == 4
    assert len(charges(token)) == 1
    assert credits.ledger_rows(visitors.verify(token))[-1].kind == "charge"


def test_previews_cost_nothing(client, rocket):
    token = full_size(client, rocket, look_json())[3]
    handle = gradio_client.handle_file(str(rocket))
    for seed in (4, 5, 6):
        preview, _notes = client.predict(
            handle, look_json(seed=seed), api_name="/preview"
        )
        assert max(Image.open(preview).size) <= 512
    assert images_left(token) == 4
    assert len(credits.ledger_rows(visitors.verify(token))) == 2  # trial, charge


def test_no_images_left_says_how_to_get_more_and_paid_results_stay_free(
    client, rocket, monkeypatch
):
    monkeypatch.setenv("LITE_TRIAL_IMAGES", "1")
    paid = full_size(client, rocket, look_json(seed=1))
    assert "남은 이미지 0장" in paid[4]
    with pytest.raises(AppError) as caught:
        full_size(client, rocket, look_json(seed=2), paid[3])
    message = str(caught.value)
    assert "남은 이미지가 없습니다" in message
    assert "promo link" in message and "monthly plan" in message
    again = full_size(client, rocket, look_json(seed=1), paid[3])
    assert Path(again[1]).read_bytes() == Path(paid[1]).read_bytes()
    assert images_left(paid[3]) == 0
    assert len(charges(paid[3])) == 1


def test_a_granted_plan_pays_before_the_trial(client, rocket):
    token = load()["token"]
    credits.grant_plan(visitors.verify(token))
    left = full_size(client, rocket, look_json(), token)[4]
    assert "월 요금제 1999장" in left
    assert [row.pool for row in charges(token)] == ["plan"]


def test_an_altered_token_is_refused_and_nothing_is_spent(client, rocket, tmp_path):
    token = load()["token"]
    altered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    elsewhere = visitors.new_visitor(data_dir=tmp_path / "another-server")
    for forged in (altered, elsewhere, "v1.not-a-token.x"):
        with pytest.raises(AppError, match="토큰"):
            full_size(client, rocket, look_json(), forged)
    assert images_left(token) == 5
    stranger = visitors.verify(elsewhere, tmp_path / "another-server")
    assert not credits.visitor_known(stranger)


# --- page load: visitor, promo and recipe links ---------------------------------


def test_first_page_load_gives_a_new_visitor_the_trial():
    page = load()
    assert visitors.verify(page["token"])
    assert "남은 이미지 5장" in page["images_left"]
    assert page["notice"] == ""
    assert is_unchanged(page["look"])


def test_page_load_keeps_a_known_visitor():
    first = load()
    again = load(token=first["token"])
    assert again["token"] == first["token"]


def test_page_load_replaces_a_forged_token_and_says_so(tmp_path):
    forged = visitors.new_visitor(data_dir=tmp_path / "another-server")
    page = load(token=forged)
    assert page["token"] != forged
    assert visitors.verify(page["token"])
    assert "새로 시작합니다" in page["notice"]


def test_a_signed_in_hugging_face_user_is_the_visitor():
    profile = gr.OAuthProfile(
        {
            "preferred_username": "seller-kim",
            "name": "Kim",
            "profile": "",
            "picture": "",
        }
    )
    page = ui.load_page("", page_request(), profile)
    assert page[0] == ""  # nothing to keep in the browser
    assert "`hf:seller-kim`" in page[1]
    visitor = ui.request_visitor("v1.forged.token", profile)
    assert visitor.visitor_id == "hf:seller-kim"
    assert credits.visitor_known("hf:seller-kim")


def test_promo_link_grants_its_images_once_per_visitor():
    promo = credits.create_promo(30, 100, date.today() + timedelta(days=7))
    first = load(f"promo={promo.code}")
    assert "남은 이미지 35장" in first["images_left"]
    assert "30장" in first["notice"]
    again = load(f"promo={promo.code}", token=first["token"])
    assert "남은 이미지 35장" in again["images_left"]
    assert "이미 받았습니다" in again["notice"]
    rows = credits.ledger_rows(visitors.verify(first["token"]))
    assert [row.kind for row in rows] == ["trial", "promo"]


def test_a_wrong_promo_code_is_said_plainly_and_grants_nothing():
    page = load("promo=NOSUCHCODE123")
    assert "프로모션 코드를 사용할 수 없습니다" in page["notice"]
    assert "남은 이미지 5장" in page["images_left"]


def test_recipe_link_loads_its_look_into_the_editor():
    look = Look(
        scene="solid",
        scene_params={"color": "#00C800"},
        target="kakao-tall",
        scale=0.2,
        offset_x=0.45,
        offset_y=-0.1,
        shadow=0.3,
        reflection=True,
        seed=7,
    )
    recipe = recipes.save("operator", "<b>Green</b> & co", look)
    page = load(f"recipe={recipe.id}")
    assert Look.from_json(page["look"]) == look
    assert page["recipe_id"] == recipe.id
    assert page["recipe_name"] == "<b>Green</b> & co"
    assert "불러왔습니다" in page["notice"]
    assert recipes.get(recipe.id).uses == 1


def test_loaded_look_shows_in_the_controls_and_folds_back_unchanged():
    look = Look(
        scene="solid",
        scene_params={"color": "#00C800"},
        target="640x480",
        scale=0.1,
        offset_x=-0.5,
        seed=12,
        prompt="",
    )
    shown = ui.show_look_in_controls(look.to_json())
    assert shown[:4] == ("solid", "640x480", 0.1, -0.5)
    assert shown[-1] == "#00C800"
    assert Look.from_json(ui.look_from_controls(look.to_json(), *shown)) == look


def test_a_missing_recipe_link_leaves_the_look_alone():
    page = load("recipe=doesnotexist1")
    assert "찾을 수 없습니다" in page["notice"]
    assert is_unchanged(page["look"])
    assert "남은 이미지 5장" in page["images_left"]


# --- saving, forking and the gallery ----------------------------------------------


def save(client, name, look, public=False, parent="", photo=None, token=""):
    handle = gradio_client.handle_file(str(photo)) if photo else None
    return client.predict(
        name, look, public, parent, handle, token, api_name="/save_recipe"
    )


def test_saving_a_recipe_gives_its_share_link_and_a_before_after_card(
    client, app_url, rocket
):
    token = load()["token"]
    look = look_json(scene="marble", seed=3)
    link, recipe_id, same_token = save(client, "Marble", look, True, "", rocket, token)
    assert link == f"{app_url}/?recipe={recipe_id}"
    assert same_token == token
    recipe = recipes.get(recipe_id)
    assert (recipe.owner, recipe.name, recipe.public) == (
        visitors.verify(token),
        "Marble",
        True,
    )
    assert recipe.look == Look.from_json(look)
    card = Image.open(io.BytesIO(recipe.thumbnail))
    assert (card.format, card.size) == ("PNG", (320, 160))


def test_a_changed_recipe_is_saved_as_a_new_one_with_its_parent(client):
    original = recipes.save("operator", "Sky", Look(target="coupang", scale=0.5))
    page = load(f"recipe={original.id}")
    controls = list(ui.show_look_in_controls(page["look"]))
    controls[2] = 0.9  # the seller makes the product bigger
    changed = ui.look_from_controls(page["look"], *controls)
    _link, fork_id, _token = save(
        client, "Sky, bigger", changed, parent=page["recipe_id"], token=page["token"]
    )
    fork = recipes.get(fork_id)
    assert fork.parent_id == original.id
    assert (fork.look.scale, fork.owner) == (0.9, visitors.verify(page["token"]))
    kept = recipes.get(original.id)
    assert (kept.look.scale, kept.name, kept.owner) == (0.5, "Sky", "operator")


def test_saving_without_a_name_is_refused(client):
    with pytest.raises(AppError, match="이름"):
        save(client, "   ", look_json())
    assert recipes.all_recipes() == []


def test_gallery_shows_public_recipes_most_used_first_with_names_as_text():
    names = ["<script>x()</script>", "Quiet", "Loud"]
    saved = [recipes.save("operator", name, Look(), public=True) for name in names]
    recipes.save("operator", "Private", Look())
    for _ in range(3):
        recipes.use(saved[2].id, visitors.identify(None).visitor_id)
    recipes.use(saved[0].id, visitors.identify(None).visitor_id)
    cards, ids = ui.show_gallery()
    assert ids == [saved[2].id, saved[0].id, saved[1].id]
    assert [caption for _image, caption in cards] == ["Loud", names[0], "Quiet"]


def test_clicking_a_gallery_card_opens_its_recipe():
    recipe = recipes.save("operator", "Wood", Look(scene="wood-table"), public=True)
    _cards, ids = ui.show_gallery()
    token = load()["token"]
    event = gr.SelectData(None, {"index": 0, "value": None, "selected": True})
    look, recipe_id, name, _notice = ui.open_picked_recipe(ids, token, "ko", event)
    assert Look.from_json(look).scene == "wood-table"
    assert (recipe_id, name) == (recipe.id, "Wood")
    assert recipes.get(recipe.id).uses == 1


def test_language_switch_shows_images_left_in_english():
    token = load()["token"]
    english = ui.switch_recipe_language("English", token)[0]
    assert "**5 images left**" in english
    assert "남은" not in english


# --- the command line: edit and batch with --recipe -----------------------------


def green_recipe() -> recipes.Recipe:
    look = Look(scene="solid", scene_params={"color": "#00C800"}, target="coupang")
    return recipes.save("operator", "Green", look)


def corner(path: Path) -> tuple[int, int, int]:
    return Image.open(path).convert("RGB").getpixel((4, 4))


def close_to(pixel, expected, tolerance=6) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def test_edit_with_a_saved_recipe_makes_its_look(rocket, tmp_path):
    out = tmp_path / "out.jpg"
    done = run_cli("edit", str(rocket), "--recipe", green_recipe().id, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (1000, 1000)
    assert close_to(corner(out), GREEN)


def test_options_beside_a_recipe_change_only_their_field(rocket, tmp_path):
    out = tmp_path / "out.jpg"
    recipe_id = green_recipe().id
    done = run_cli(
        "edit",
        str(rocket),
        "--recipe",
        recipe_id,
        "--target",
        "kakao-tall",
        "-o",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert Image.open(out).size == (750, 1000)
    assert close_to(corner(out), GREEN)


def test_batch_with_a_recipe_file(rocket, tmp_path):
    photos = tmp_path / "in"
    photos.mkdir()
    (photos / "a.jpg").write_bytes(rocket.read_bytes())
    recipe_file = tmp_path / "green.json"
    recipe_file.write_text(recipes.to_file_json(green_recipe()), encoding="utf-8")
    done = run_cli(
        "batch",
        str(photos),
        str(tmp_path / "out"),
        "--recipe",
        str(recipe_file),
        "--target",
        "kakao",
    )
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out" / "a-kakao.jpg"
    assert Image.open(out).size == (750, 750)
    assert close_to(corner(out), GREEN)


def test_an_unknown_recipe_is_bad_usage(rocket):
    done = run_cli("edit", str(rocket), "--recipe", "nosuchrecipe1")
    assert done.returncode == 2
    assert "레시피를 찾을 수 없습니다" in done.stderr
    assert "Traceback" not in done.stderr


# --- in a real browser: the page a seller sees ----------------------------------

TRIAL_IN_BROWSER = 1


@pytest.fixture(scope="module")
def chromium():
    pytest.importorskip("playwright.sync_api")
    from browser import ensure_chromium

    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(f"headless Chromium is not available: {reason}")
    return path


@pytest.fixture(scope="module")
def browser_app(chromium, tmp_path_factory):
    from browser import running_app

    data_dir = tmp_path_factory.mktemp("browser-app") / "data"
    env = {"LITE_TRIAL_IMAGES": str(TRIAL_IN_BROWSER)}
    with running_app(data_dir, env=env) as running:
        yield running


@pytest.fixture
def page(chromium, browser_app, tmp_path):
    """A fresh browser profile: empty storage, so a new visitor."""
    from browser import chromium_context

    with chromium_context(chromium, tmp_path / "profile") as context:
        yield context.new_page()


def open_page(page, app, query: str = "") -> str:
    """Open the app and wait for the images-left line; returns that line."""
    page.goto(app.url + query)
    label = page.locator("#images-left")
    label.get_by_text("남은 이미지").wait_for(timeout=60_000)
    return label.inner_text()


def shown_visitor(label: str) -> str:
    return label.split("방문자 ID", 1)[1].split()[0]


@pytest.mark.browser
@pytest.mark.slow
def test_in_the_browser_the_visitor_stays_and_an_empty_balance_keeps_the_work(
    page, browser_app, rocket
):
    first = open_page(page, browser_app)
    visitor_id = shown_visitor(first)
    assert f"남은 이미지 {TRIAL_IN_BROWSER}장" in first
    assert shown_visitor(open_page(page, browser_app)) == visitor_id  # reloaded

    page.locator("#photo input[type=file]").set_input_files(str(rocket))
    page.locator("#preview img").first.wait_for(state="visible", timeout=90_000)
    page.locator("#make-final").click()
    page.locator("#images-left").get_by_text("남은 이미지 0장").wait_for(timeout=90_000)

    # Wait for the new target's preview: the look has changed by then.
    before = page.locator("#preview img").first.get_attribute("src")
    page.locator("#target input").click()
    page.get_by_role(
        "option", name="카카오톡 스토어 세로 (KakaoTalk Store, tall)"
    ).click()
    page.wait_for_function(
        """([before]) => {
            const img = document.querySelector('#preview img');
            return img && img.getAttribute('src') !== before;
        }""",
        arg=[before],
        timeout=90_000,
    )
    page.locator("#make-final").click()
    toast = page.locator(".toast-body").first
    toast.wait_for(state="visible", timeout=90_000)
    assert "남은 이미지가 없습니다" in toast.inner_text()
    assert "rocket" in page.locator("#photo").inner_text()
    assert "KakaoTalk Store, tall" in page.locator("#target input").input_value()
    assert page.locator("#preview img").first.is_visible()

    data_dir = browser_app.data_dir
    assert credits.balance(visitor_id, data_dir=data_dir).images_left == 0
    rows = credits.ledger_rows(visitor_id, data_dir=data_dir)
    assert [row.kind for row in rows] == ["trial", "charge"]


@pytest.mark.browser
@pytest.mark.slow
def test_in_the_browser_a_gallery_card_loads_its_look_and_its_name_as_text(
    page, browser_app
):
    name = "<b>Bold</b> wood"
    look = Look(scene="wood-table", target="coupang", scale=0.5)
    recipe = recipes.save(
        "operator", name, look, public=True, data_dir=browser_app.data_dir
    )
    open_page(page, browser_app)
    gallery = page.locator("#recipe-gallery")
    gallery.get_by_text(name).wait_for(timeout=30_000)
    assert gallery.locator("b").count() == 0

    gallery.locator("img").first.click()
    page.wait_for_function(
        "() => document.querySelector('#target input').value.includes('Coupang')",
        timeout=30_000,
    )
    page.get_by_text("레시피 (룩 저장과 공유)").click()
    assert page.locator("#recipe-name textarea").input_value() == name
    stored = recipes.get(recipe.id, data_dir=browser_app.data_dir)
    assert stored.uses == 1
