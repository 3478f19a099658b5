"""End to end in headless Chromium: the real app, as a seller's browser sees it.

One app process and one browser for the whole module, so the few page loads
stay cheap on a small machine.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from browser import chromium_context, coffee_jpeg, ensure_chromium, running_app
from PIL import Image

pytest.importorskip("playwright.sync_api")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PROMO_IMAGES = 7


@pytest.fixture(scope="module")
def chromium():
    path, reason = ensure_chromium()
    if path is None:
        pytest.skip(f"headless Chromium is not available: {reason}")
    return path


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("browser") / "data"
    with running_app(data_dir) as running:
        yield running


@pytest.fixture(scope="module")
def context(chromium, tmp_path_factory):
    with chromium_context(chromium, tmp_path_factory.mktemp("profile")) as browser:
        yield browser


@pytest.fixture
def page(context, app):
    page = context.new_page()
    yield page
    page.close()


@pytest.fixture(scope="module")
def coffee(tmp_path_factory):
    return coffee_jpeg(tmp_path_factory.mktemp("photos") / "coffee.jpg")


def open_app(page, app, query: str = "") -> None:
    page.goto(app.url + query)
    page.locator("#photo input[type=file]").wait_for(state="attached")
    page.locator("#make-final").wait_for(state="visible")


def upload(page, path) -> None:
    page.locator("#photo input[type=file]").set_input_files(str(path))


def preview_src(page, timeout_ms: int = 90_000, other_than: str = "") -> str:
    """The preview's image source once it shows one (different from ``other_than``)."""
    image = page.locator("#preview img").first
    image.wait_for(state="visible", timeout=timeout_ms)
    page.wait_for_function(
        """([previous]) => {
            const img = document.querySelector('#preview img');
            return img && img.complete && img.naturalWidth > 0
                && img.getAttribute('src') !== previous;
        }""",
        arg=[other_than],
        timeout=timeout_ms,
    )
    return image.get_attribute("src") or ""


def preview_size(page) -> tuple[int, int]:
    size = page.locator("#preview img").first.evaluate(
        "img => [img.naturalWidth, img.naturalHeight]"
    )
    return int(size[0]), int(size[1])


def toast_text(page, timeout_ms: int = 60_000) -> str:
    toast = page.locator(".toast-body").first
    toast.wait_for(state="visible", timeout=timeout_ms)
    return toast.inner_text()


def test_the_page_speaks_korean_by_default(page, app):
    open_app(page, app)
    body = page.locator("body").inner_text()
    assert "사진 한 장이면" in body
    assert "상품 사진 올리기" in body
    assert "고화질 이미지 만들기" in body
    assert "One photo in" not in body


def test_a_seller_uploads_switches_scene_and_target_and_downloads(
    page, app, coffee, tmp_path
):
    open_app(page, app)
    upload(page, coffee)
    first = preview_src(page)
    assert preview_size(page) == (512, 512)

    page.locator("#scenes").get_by_text("대리석").click()
    marble = preview_src(page, other_than=first)

    page.locator("#target input").click()
    page.get_by_role(
        "option", name="카카오톡 스토어 세로 (KakaoTalk Store, tall)"
    ).click()
    preview_src(page, other_than=marble)
    assert preview_size(page) == (384, 512)

    page.locator("#make-final").click()
    download_button = page.locator("#download")
    download_button.wait_for(state="visible", timeout=90_000)
    assert "750x1000" in page.locator("#receipt").inner_text()
    with page.expect_download() as waiting:
        download_button.click()
    saved = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(saved)
    assert saved.name == "coffee-kakao-tall.jpg"
    image = Image.open(io.BytesIO(saved.read_bytes()))
    assert (image.format, image.size, image.mode) == ("JPEG", (750, 1000), "RGB")


def test_a_korean_prompt_and_enter_pick_a_scene(page, app, coffee):
    open_app(page, app)
    upload(page, coffee)
    first = preview_src(page)
    prompt = page.locator("#prompt textarea, #prompt input").first
    prompt.fill("대리석 테이블 위, 아침 햇살")
    prompt.press("Enter")
    preview_src(page, other_than=first)
    note = page.locator("#prompt-note")
    note.wait_for(state="visible")
    assert note.inner_text().strip()


def test_removing_the_photo_asks_for_one_and_keeps_the_preview(page, app, coffee):
    open_app(page, app)
    upload(page, coffee)
    shown = preview_src(page)
    page.locator("#photo button[aria-label='지우기']").click()
    message = toast_text(page)
    assert "먼저 상품 사진을 올려 주세요." in message
    assert "Upload a product photo first." in message
    assert page.locator("#preview img").first.get_attribute("src") == shown


def test_a_corrupt_file_gets_a_readable_korean_notice(page, app, tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8\xff\xe0" + b"not really a photo" * 20)
    open_app(page, app)
    upload(page, broken)
    message = toast_text(page)
    assert "사진" in message
    assert "Traceback" not in message
    assert str(tmp_path) not in message


def test_a_promo_link_grants_images(page, app):
    from lite_app import credits

    promo = credits.create_promo(
        PROMO_IMAGES,
        max_uses=10,
        expires=date.today() + timedelta(days=30),
        data_dir=app.data_dir,
    )
    open_app(page, app)
    before = images_left(page)
    open_app(page, app, f"?promo={promo.code}")
    expected = f"남은 이미지 {before + PROMO_IMAGES}장"
    page.get_by_text(expected).first.wait_for(timeout=30_000)
    assert (
        f"프로모션 이미지 {PROMO_IMAGES}장을 받았습니다"
        in page.locator("#notice").inner_text()
    )


def test_a_recipe_link_opens_its_look(page, app):
    from lite_app import recipes
    from lite_app.look import Look

    recipe = recipes.save(
        recipes.OPERATOR,
        "쿠팡 대리석",
        Look(scene="marble", target="coupang", scale=0.6),
        data_dir=app.data_dir,
    )
    open_app(page, app, f"?recipe={recipe.id}")
    target = page.locator("#target input")
    page.wait_for_function(
        "() => document.querySelector('#target input').value.includes('쿠팡')",
        timeout=30_000,
    )
    assert "쿠팡" in target.input_value()
    assert "레시피의 룩을 불러왔습니다" in page.locator("#notice").inner_text()


def images_left(page) -> int:
    """The number in the page's "남은 이미지 N장" line, once it shows."""
    label = page.locator("#images-left")
    label.get_by_text("남은 이미지").first.wait_for(timeout=30_000)
    text = label.inner_text()
    return int(text.split("남은 이미지", 1)[1].split("장", 1)[0].strip())


# What the English page may still show in Korean: the language picker's own
# "한국어" (so a Korean seller can switch back), the seller's data (recipe
# names in the gallery), and Gradio's words inside the upload area, which
# Gradio writes once in the browser's language when the page opens.
HANGUL = re.compile(r"[\uac00-\ud7a3]")
PAGE_WORDS_JS = """() => {
    const skip = '#recipe-gallery, [data-testid="upload-text"]';
    const shown = (element) => element.closest(skip) === null
        && element.getClientRects().length > 0
        && getComputedStyle(element).visibility !== 'hidden';
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const text = node.textContent.trim();
        if (text && node.parentElement && shown(node.parentElement)) {
            found.push(text);
        }
    }
    for (const element of document.querySelectorAll(
            '[placeholder], [aria-label], [title], img[alt]')) {
        if (!shown(element)) continue;
        for (const name of ['placeholder', 'aria-label', 'title', 'alt']) {
            const value = element.getAttribute(name);
            if (value) found.push(value);
        }
    }
    return found;
}"""


def korean_words_on(page) -> list[str]:
    words = page.evaluate(PAGE_WORDS_JS)
    return [word for word in words if HANGUL.search(word) and word != "한국어"]


def test_the_english_page_shows_no_korean_outside_the_sellers_data(page, app):
    open_app(page, app)
    page.locator("#language").get_by_text("English", exact=True).click()
    page.get_by_text("Make the full-size image").first.wait_for(timeout=30_000)
    page.locator("#scenes").get_by_text("Cloudy sky").wait_for(timeout=30_000)
    page.get_by_text("images left").first.wait_for(timeout=30_000)
    # The Korean page shows the English line too; wait for the Korean to go.
    left = page.locator("#images-left")
    left.get_by_text("남은 이미지").wait_for(state="hidden", timeout=30_000)
    for accordion in page.locator("button.label-wrap").all():
        accordion.click()
    page.get_by_text("Product size").first.wait_for(state="visible")
    prompt = page.locator("#prompt textarea, #prompt input").first
    assert prompt.get_attribute("placeholder") == "e.g. on a marble table"
    assert korean_words_on(page) == []

    page.locator("#target input").click()
    options = [option.inner_text() for option in page.get_by_role("option").all()]
    assert "KakaoTalk Store, tall" in options
    assert [option for option in options if HANGUL.search(option)] == []
