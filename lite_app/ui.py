"""The web app: Gradio Blocks, Korean first, with an English switch.

Uploading a photo is the one click: a free preview on the default scene and
target appears at once. Changing the scene, the words or the target refreshes
the preview; "full size" makes the marketplace file to download.
Every event has an explicit API name, so ``gradio_client`` can drive the app.

Only the full-size image costs an image from the visitor's credits; previews,
cutouts and a second download of the same result are free. The visitor is a
signed token kept in the browser; the page load also opens ``?promo=CODE`` and
``?recipe=ID`` links. A look can be saved as a recipe with a share link, and
public recipes fill a gallery, most used first.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import io
import logging
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import numpy as np
from PIL import Image

from lite_app import config, credits, limits, memory, recipes, refine, visitors
from lite_app import cutout as cutouts
from lite_app.config import settings
from lite_app.editor import PREVIEW_SIDE, Note, Result, edit
from lite_app.errors import LiteError, LookInvalid
from lite_app.export import DEFAULT_TARGET, TARGETS
from lite_app.look import MAX_MASK_EDITS, RANGES, Look
from lite_app.scenes import presets
from lite_app.scenes.generated import GenerationCancelled
from lite_app.words.papago import papago_keys

logger = logging.getLogger(__name__)

CUTOUT_CONCURRENCY = max(1, os.cpu_count() or 1)
MAX_UPLOAD = "30mb"
MAX_RESULT_FOLDERS = 500
OUTPUT_ROOT = Path(tempfile.gettempdir()) / "sporky-lite-results"

TEXT: dict[str, tuple[str, str]] = {
    "title": (
        "# Sporky Lite\n사진 한 장이면 판매처에 맞는 상품 이미지가 완성됩니다.",
        "# Sporky Lite\nOne photo in, a marketplace-ready product image out.",
    ),
    "photo": ("상품 사진 올리기", "Upload a product photo"),
    "original": ("원본 (바로 세운 사진)", "Original (upright)"),
    "samples": ("예시 사진으로 해 보기", "Try a sample photo"),
    "scene": ("배경 장면", "Scene"),
    "prompt": ("원하는 배경을 글로 적기 (Enter)", "Describe the scene (Enter)"),
    "suggestions": ("추천 문구", "Suggestions"),
    "prompt_hint": ("예: 대리석 테이블 위, 아침 햇살", "e.g. on a marble table"),
    "generate": ("장면 새로 그리기", "Generate the scene"),
    "generate_info": (
        "새 장면은 고화질 이미지를 만들 때 한 번에 한 장씩 그립니다. 기다리는 동안 "
        "미리보기 칸에 대기 순서가, 그리는 동안 단계가 보입니다.",
        "Generated scenes are painted for the full-size image, one at a time. "
        "While you wait, the preview shows your place in the queue, then each step.",
    ),
    "generate_off": (
        "끄기 (글에 맞는 기본 장면)",
        "Off (the scene that fits your words)",
    ),
    "generate_backdrop": ("배경만 그리기", "Paint the backdrop"),
    "generate_around": ("상품 둘레까지 그리기", "Paint around the product"),
    "make_generated": ("장면을 그려 고화질 만들기", "Generate the full-size image"),
    "cancel_generation": ("그리기 취소", "Cancel"),
    "painting": ("장면 그리는 중", "Painting the scene"),
    "generation_cancelled": (
        "장면 그리기를 취소했습니다. 사진과 이전 결과는 그대로이고, 이미지는 차감되지 "
        "않았습니다.",
        "The scene generation was cancelled. Your photo and the previous result are "
        "kept, and no image was charged.",
    ),
    "generation_fell_back": (
        "장면을 그리지 못해 글에 맞는 기본 장면으로 무료 미리보기만 보여 드립니다. "
        "이미지는 차감되지 않았습니다. 생성을 끄면 기본 장면으로 고화질 이미지를 "
        "만들 수 있습니다.",
        "The scene could not be generated, so this is a free preview on the scene "
        "that fits your words; no image was charged. Turn generation off to make "
        "the full-size image on that scene.",
    ),
    "use_generate_button": (
        "새로 그리는 장면은 '장면을 그려 고화질 만들기' 버튼으로 만들어 주세요.",
        "Generated scenes are made with the 'Generate the full-size image' button "
        "(API: /generate).",
    ),
    "target": ("판매처 / 크기", "Marketplace / size"),
    "adjust": ("세부 조정", "Adjust"),
    "scale": ("상품 크기", "Product size"),
    "offset_x": ("좌우 위치", "Left / right"),
    "offset_y": ("위아래 위치", "Up / down"),
    "shadow": ("그림자 세기", "Shadow strength"),
    "reflection": ("바닥 반사 (광택 바닥)", "Reflection (glossy floors)"),
    "seed": ("무늬 번호 (같은 번호 = 같은 배경)", "Pattern number (seed)"),
    "new_cutout": ("투명 사진도 새로 누끼 따기", "Cut out again even if transparent"),
    "color": ("배경 색", "Background colour"),
    "result": ("미리보기", "Preview"),
    "make_final": ("고화질 이미지 만들기", "Make the full-size image"),
    "download": ("다운로드", "Download"),
    "custom_size": ("직접 정한 크기", "Custom size"),
    "cutout": ("투명 배경 PNG 받기", "Get a transparent PNG"),
    "language": ("언어", "Language"),
    "recipes": ("레시피 (룩 저장과 공유)", "Recipes (save and share a look)"),
    "recipe_name": ("레시피 이름", "Recipe name"),
    "recipe_public": ("갤러리에 공개", "Public in the gallery"),
    "save_recipe": ("지금 룩을 레시피로 저장", "Save this look as a recipe"),
    "share_link": ("공유 링크", "Share link"),
    "recipe_gallery": (
        "공개 레시피 (많이 쓴 순서, 누르면 불러옵니다)",
        "Public recipes (most used first; click one to load it)",
    ),
    "recipe_loaded": (
        "레시피의 룩을 불러왔습니다. 내 상품 사진을 올려 보세요.",
        "The recipe's look is loaded. Upload your own product photo.",
    ),
    "recipe_missing": (
        "그 레시피를 찾을 수 없습니다. 갤러리를 새로 고쳐 주세요.",
        "That recipe was not found. Please reload the gallery.",
    ),
    "promo_used": (
        "이 프로모션 코드는 이미 받았습니다.",
        "You have already used this promo code.",
    ),
    "token_refused": (
        "방문자 토큰을 확인할 수 없습니다. 이 앱이 준 토큰을 그대로 보내거나, "
        "비워 두면 새 방문자로 시작합니다.",
        "The visitor token could not be confirmed. Send the token this app gave "
        "you as it is, or leave it empty to start as a new visitor.",
    ),
    "token_replaced": (
        "이 브라우저에 저장된 방문자 정보를 확인할 수 없어 새로 시작합니다.",
        "The visitor id kept in this browser could not be confirmed; starting afresh.",
    ),
    # The language picker keeps both names in Korean, so that a visitor who
    # reads no Korean still finds it.
    "language_picker": ("언어 / Language", "Language"),
    "fix": ("누끼 다듬기", "Fix the cutout"),
    "fix_help": (
        "초록 브러시는 상품에 더하고, 빨강은 지웁니다. 파랑으로 상품 둘레를 그리면 "
        "그 안에서만 상품을 찾습니다. 유리나 투명한 상품은 단색 배경에서는 속의 "
        "투명도를 색으로 짐작하지만, 복잡한 배경에서는 속이 실제보다 불투명하게 "
        "나오기 쉽습니다.",
        "Green adds to the product, red erases. Circle the product in blue to look "
        "for it only there. On a plain background the body of a glass or other "
        "see-through product gets its transparency estimated from its colour; on a "
        "busy background it usually comes out more opaque than it is.",
    ),
    "fix_apply": ("누끼에 적용", "Apply to the cutout"),
    "fix_clear": ("처음대로", "Start over"),
}
LANGUAGES = {"한국어": "ko", "English": "en"}


def text(key: str, language: str = "ko") -> str:
    korean, english = TEXT[key]
    return english if language == "en" else korean


# Handlers: each takes plain values and returns plain values or updates.


def preview_photo(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    request: gr.Request | None = None,
) -> tuple[str, str]:
    """A small free preview of the current look (API: /preview): its file and notes.

    Without a photo it says so, like every other event, and leaves the
    preview and notes already shown as they are. Images go out as files of
    their own (see :func:`save_result`).
    """
    if not photo:
        raise gr.Error(_no_photo_message(language), print_exception=False)
    result = _run_edit(photo, look_json, language, preview=True, request=request)
    return str(save_result(result)), notes_markdown(result.notes, language)


def refresh_preview(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    request: gr.Request | None = None,
) -> tuple[Any, Any]:
    """The page's preview after a change of look; nothing to do without a photo.

    The seller may set a scene or a target before uploading, so a changed look
    without a photo is not a mistake worth a message.
    """
    if not photo:
        return gr.update(), gr.update()
    return preview_photo(photo, look_json, language, request)


def edit_photo(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    visitor_token: str = "",
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str, str, str, str]:
    """The full-size image and its file, for one image of credit (API: /edit).

    Returns the image, the file, the receipt, the visitor token (a new one when
    none was given) and the images-left line. Nothing is charged when the edit
    fails, and the same photo and look again cost nothing. A look that asks
    for a generated scene is refused here: generation has its own queue
    (/generate), one at a time, which this event must not bypass.
    """
    if not photo:
        raise gr.Error(_no_photo_message(language), print_exception=False)
    if _look_or_default(look_json).generate:
        raise gr.Error(_in(language, "use_generate_button"), print_exception=False)
    visitor = request_visitor(visitor_token, profile, language)
    result = _run_edit(
        photo,
        look_json,
        language,
        preview=False,
        request=request,
        charge_to=visitor.visitor_id,
    )
    path = str(save_result(result))
    return (
        path,
        path,
        receipt_markdown(result, language),
        visitor.token,
        credits_markdown(visitor.visitor_id, language),
    )


def cutout_photo(
    photo: str | None, language: str = "ko", request: gr.Request | None = None
) -> str:
    """The product alone on transparency, as a PNG file (API: /cutout)."""
    if not photo:
        raise gr.Error(_no_photo_message(language), print_exception=False)
    look = Look(target="transparent").to_json()
    result = _run_edit(photo, look, language, preview=False, request=request)
    return str(save_result(result))


def _run_edit(
    photo: str,
    look_json: str,
    language: str,
    *,
    preview: bool,
    request: gr.Request | None = None,
    charge_to: str | None = None,
) -> Result:
    """Run one edit; ``charge_to`` pays one image for it, only if it succeeds.

    Afterwards the memory the edit freed goes back to the system (see
    :mod:`lite_app.memory`), so many edits do not make the server grow.
    """
    try:
        with _page_errors(language):
            limits.check_edit(limits.client_address(request), charge_to)
            look = Look.from_json(look_json or "{}")
            with _charge(charge_to, photo, look):
                return edit(
                    photo, look, preview=preview, photo_name=_upload_name(photo)
                )
    finally:
        memory.release_free_memory()


@contextlib.contextmanager
def _page_errors(language: str) -> Iterator[None]:
    """Turn an edit's errors into a plain message for the page."""
    try:
        yield
    except LiteError as error:
        logger.info("edit refused: %s", error.message_en)
        raise gr.Error(error.user_message(language), print_exception=False) from None
    except Exception:
        logger.exception("edit failed")
        raise gr.Error(_unexpected_message(language), print_exception=False) from None


@contextlib.contextmanager
def _charge(visitor_id: str | None, photo: str, look: Look) -> Iterator[None]:
    """Hold one image while the edit runs; keep it only if the edit succeeds."""
    if visitor_id is None:
        yield
        return
    key = credits.result_key(Path(photo).read_bytes(), look)
    with credits.charge_on_success(visitor_id, key):
        yield


# Generated scenes: their own queue (one at a time), progress and cancel.

GENERATE_OFF = "off"
GENERATION_CONCURRENCY = 1
_RUNNING_GENERATIONS: dict[str, threading.Event] = {}
_RUNNING_LOCK = threading.Lock()


async def generate_photo(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    visitor_token: str = "",
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
    progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's own marker)
) -> tuple[str, str | None, str, str, str]:
    """The full-size image on a generated scene (API: /generate).

    Returns what /edit returns; a fallback's file is None (see
    :func:`generation_outputs`). Each denoising step moves the progress bar.
    Cancelling (the cancel button, /cancel_generation, or cancelling the API
    job) stops the model at its next step; the photo and the previous result
    stay. Only a scene that was really generated costs an image (see
    :func:`_generate_and_charge`).
    """
    if not photo:
        raise gr.Error(_no_photo_message(language), print_exception=False)
    visitor = request_visitor(visitor_token, profile, language)
    session = _session_of(request)
    stop = _start_generation(session)
    report = _step_reporter(progress, language)
    try:
        result = await asyncio.to_thread(
            _run_generation, photo, look_json, language, request, visitor, stop, report
        )
    except asyncio.CancelledError:
        # Gradio cancelled the event; the model runs on in its worker
        # thread unless told to stop there too.
        stop.set()
        raise
    finally:
        _end_generation(session, stop)
    return generation_outputs(result, visitor, language)


def cancel_generation(language: str = "ko", request: gr.Request | None = None) -> str:
    """Stop this page's generation at its next step (API: /cancel_generation).

    The page's cancel button also cancels the event itself, which takes a
    generation still waiting out of the queue. Returns the page's notice.

    Known limitation: a model that is still loading (its first use in the
    process) cannot be stopped; the cancel takes effect when loading ends,
    before the first step. Loading the models at start-up would lift this.
    """
    with _RUNNING_LOCK:
        stop = _RUNNING_GENERATIONS.get(_session_of(request))
    if stop is not None:
        stop.set()
        logger.info("a running generation was cancelled")
    return _in(language, "generation_cancelled")


def _run_generation(
    photo: str,
    look_json: str,
    language: str,
    request: gr.Request | None,
    visitor: visitors.Visitor,
    stop: threading.Event,
    on_step: Callable[[int, int], None],
) -> Result:
    with _page_errors(language):
        limits.check_edit(limits.client_address(request), visitor.visitor_id)
        look = Look.from_json(look_json or "{}")
        if not look.generate:
            raise LookInvalid(
                "장면을 그릴 방식(배경만 / 상품 둘레까지)을 골라 주세요.",
                "Choose how to generate the scene: backdrop or around.",
            )
        return _generate_and_charge(photo, look, visitor.visitor_id, stop, on_step)


def _generate_and_charge(
    photo: str,
    look: Look,
    visitor_id: str,
    stop: threading.Event,
    on_step: Callable[[int, int], None],
) -> Result:
    """Hold one image, generate, and keep the image only for a generated scene.

    A generation that fell back to the rendered scene did not happen, so its
    image goes back; the seller gets that result free at preview size and
    without a download (:func:`generation_outputs`), since a full-size file
    would be a rendered edit nobody paid for. A cancel that arrives after the
    model finished still cancels: the page has dropped that result.
    """
    key = credits.result_key(Path(photo).read_bytes(), look)
    hold = credits.reserve(visitor_id, key)
    try:
        result = edit(
            photo,
            look,
            photo_name=_upload_name(photo),
            on_step=on_step,
            should_stop=stop.is_set,
        )
        if stop.is_set():
            raise GenerationCancelled(*TEXT["generation_cancelled"])
    except BaseException as error:
        credits.release(hold)
        if isinstance(error, GenerationCancelled):
            raise GenerationCancelled(*TEXT["generation_cancelled"]) from None
        raise
    if result.generated:
        credits.commit(hold)
    else:
        credits.release(hold)
        logger.info("generation fell back to a rendered scene; nothing charged")
    return result


def generation_outputs(
    result: Result, visitor: visitors.Visitor, language: str = "ko"
) -> tuple[str, str | None, str, str, str]:
    """The image, file, receipt, token and images-left line of a generation.

    A fallback has no file: its image is a free preview-size one.
    """
    left = credits_markdown(visitor.visitor_id, language)
    if result.generated:
        path = str(save_result(result))
        return (
            path,
            path,
            receipt_markdown(result, language),
            visitor.token,
            left,
        )
    small = result.image.copy()
    small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE), Image.Resampling.LANCZOS)
    receipt = "\n\n".join(
        [_in(language, "generation_fell_back"), notes_markdown(result.notes, language)]
    )
    return str(save_image(small, "preview.png")), None, receipt, visitor.token, left


def show_download_if_made(path: str | None) -> dict[str, Any]:
    return gr.update(visible=bool(path))


def _step_reporter(
    progress: Callable[..., Any], language: str
) -> Callable[[int, int], None]:
    korean, english = TEXT["painting"]
    desc = english if language == "en" else f"{korean} / {english}"

    def report(step: int, total: int) -> None:
        progress((step, total), desc=desc, unit="steps")

    return report


def _session_of(request: gr.Request | None) -> str:
    return str(getattr(request, "session_hash", None) or "")


def _start_generation(session: str) -> threading.Event:
    stop = threading.Event()
    with _RUNNING_LOCK:
        _RUNNING_GENERATIONS[session] = stop
    return stop


def _end_generation(session: str, stop: threading.Event) -> None:
    with _RUNNING_LOCK:
        if _RUNNING_GENERATIONS.get(session) is stop:
            del _RUNNING_GENERATIONS[session]


def generate_choices(language: str = "ko") -> list[tuple[str, str]]:
    """Off (the rendered scene from the words), backdrop or around."""
    keys = {GENERATE_OFF: "generate_off", "backdrop": "generate_backdrop"}
    keys["around"] = "generate_around"
    return [(text(key, language), mode) for mode, key in keys.items()]


def show_generation_buttons(mode: str | None) -> tuple[Any, Any, Any]:
    """Generating swaps the full-size button for generate and cancel."""
    generating = bool(mode) and mode != GENERATE_OFF
    return (
        gr.update(visible=not generating),
        gr.update(visible=generating),
        gr.update(visible=generating),
    )


def switch_generation_language(choice: str) -> tuple[Any, Any, Any]:
    language = LANGUAGES.get(choice, "ko")
    return (
        gr.update(
            label=text("generate", language),
            info=text("generate_info", language),
            choices=generate_choices(language),
        ),
        gr.update(value=text("make_generated", language)),
        gr.update(value=text("cancel_generation", language)),
    )


# Visitors and credits.


def page_visitor(
    token: str | None, profile: gr.OAuthProfile | None = None
) -> visitors.Visitor:
    """The visitor of a page load; a token this server did not sign is replaced."""
    username = profile.username if profile is not None else None
    return visitors.identify(token if isinstance(token, str) else None, username)


def request_visitor(
    token: Any, profile: gr.OAuthProfile | None = None, language: str = "ko"
) -> visitors.Visitor:
    """The visitor of an edit or a save, as the page and API callers send it.

    No token: a new visitor with its trial, whose token goes back with the
    answer. A token this server did not sign is refused, so a caller never
    spends someone else's images nor starts over on a new trial unawares.
    """
    if profile is not None or not token:
        return page_visitor(None, profile)
    try:
        return visitors.Visitor(visitors.verify(token), token)
    except visitors.VisitorRefused:
        logger.info("a request with a token this server did not sign was refused")
        raise gr.Error(_in(language, "token_refused"), print_exception=False) from None


def credits_markdown(visitor_id: str, language: str = "ko") -> str:
    """The images-left line at the top of the page, read from the database."""
    return images_left_markdown(credits.balance(visitor_id), language)


def images_left_markdown(current: credits.Balance, language: str = "ko") -> str:
    """Images left (and the plan's share), then the id to quote when buying.

    English alone when asked; else the Korean lines with the English under them.
    """
    english = _images_left_lines(current, "en")
    if language == "en":
        return english
    return f"{_images_left_lines(current, 'ko')}  \n{english}"


def _images_left_lines(current: credits.Balance, language: str) -> str:
    left, plan_left = current.images_left, current.plan_images_left
    until = ""
    if current.plan_until is not None:
        until = current.plan_until.astimezone(credits.KST).strftime("%Y-%m-%d")
    if language == "en":
        line = f"**{left} {'image' if left == 1 else 'images'} left**"
        plan = f" · monthly plan: {plan_left} until {until}" if until else ""
        who = f"Visitor ID `{current.visitor_id}` (quote it when buying a plan)"
    else:
        line = f"**남은 이미지 {left}장**"
        plan = f" · 월 요금제 {plan_left}장 ({until}까지)" if until else ""
        who = f"방문자 ID `{current.visitor_id}` (요금제를 살 때 알려 주세요)"
    return f"{line}{plan}  \n{who}"


def load_page(
    visitor_token: str,
    request: gr.Request,
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str, str, Any, Any, Any]:
    """Every page load: who the visitor is, then any promo or recipe link.

    Returns the token to keep in the browser, the images-left line, a notice,
    and the recipe's look, id and name (left as they are without a recipe).
    """
    visitor = page_visitor(visitor_token, profile)
    notices = [_both("token_replaced")] if visitor.refused else []
    query = dict(request.query_params) if request is not None else {}
    if query.get("promo"):
        notices.append(redeem_promo(visitor.visitor_id, query["promo"], request))
    look, recipe_id, name = gr.update(), gr.update(), gr.update()
    if query.get("recipe"):
        try:
            recipe = recipes.use(query["recipe"], visitor.visitor_id)
        except LiteError as error:
            notices.append(error.user_message())
        else:
            look, recipe_id, name = recipe.look.to_json(), recipe.id, recipe.name
            notices.append(_both("recipe_loaded"))
    return (
        visitor.token,
        credits_markdown(visitor.visitor_id),
        "\n\n".join(notices),
        look,
        recipe_id,
        name,
    )


def redeem_promo(visitor_id: str, code: str, request: gr.Request | None) -> str:
    """Grant a promo link's images; the notice says what happened."""
    try:
        limits.check_promo(limits.client_address(request), visitor_id)
        redemption = credits.redeem_promo(visitor_id, code)
    except LiteError as error:
        return error.user_message()
    if not redemption.granted:
        return _both("promo_used")
    return (
        f"프로모션 이미지 {redemption.images}장을 받았습니다.\n"
        f"{redemption.images} promo images were added."
    )


def refresh_credits(
    visitor_token: str, language: str = "ko", profile: gr.OAuthProfile | None = None
) -> Any:
    """The images-left line again, in the chosen language."""
    if profile is None and not visitor_token:
        return gr.update()
    try:
        visitor = request_visitor(visitor_token, profile, language)
    except gr.Error:
        return gr.update()
    return credits_markdown(visitor.visitor_id, language)


# Recipes.


def save_recipe(
    name: str,
    look_json: str,
    public: bool,
    parent_id: str,
    photo: str | None,
    visitor_token: str = "",
    language: str = "ko",
    request: gr.Request | None = None,
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str, str]:
    """Save the current look as a recipe (API: /save_recipe).

    Returns the share link, the new recipe's id and the visitor token. A recipe
    opened before (``parent_id``) is its parent: the original stays as it was.
    """
    visitor = request_visitor(visitor_token, profile, language)
    try:
        look = Look.from_json(look_json or "{}")
        if not (name or "").strip():
            raise recipes.RecipeInvalid(
                "레시피 이름을 적어 주세요.", "Give the recipe a name."
            )
        recipe = recipes.save(
            visitor.visitor_id,
            name,
            look,
            thumbnail=recipe_thumbnail(photo, look, request),
            parent_id=parent_id or None,
            public=bool(public),
        )
    except LiteError as error:
        raise gr.Error(error.user_message(language), print_exception=False) from None
    return recipes.share_link(recipe.id, app_url(request)), recipe.id, visitor.token


def recipe_thumbnail(
    photo: str | None, look: Look, request: gr.Request | None = None
) -> bytes | None:
    """A small before | after card from the seller's photo; None without one."""
    if not photo:
        return None
    from lite_app.intake import load_photo

    try:
        limits.check_edit(limits.client_address(request))
        before = load_photo(photo, max_side=512).image
        after = edit(photo, look, preview=True, photo_name=_upload_name(photo)).image
        return recipes.make_thumbnail(before, after)
    except Exception:
        # The recipe matters more than its card: save it without one.
        logger.warning("recipe saved without a thumbnail", exc_info=True)
        return None


def open_recipe(
    recipe_id: str,
    visitor_token: str = "",
    language: str = "ko",
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str, str, str]:
    """A recipe's look for the editor: the look, its id, its name and a notice.

    Opening counts as one use per visitor; without a visitor nothing is counted.
    """
    visitor_id = None
    if profile is not None or visitor_token:
        visitor_id = request_visitor(visitor_token, profile, language).visitor_id
    try:
        if visitor_id is None:
            recipe = recipes.get(recipe_id)
        else:
            recipe = recipes.use(recipe_id, visitor_id)
    except LiteError as error:
        raise gr.Error(error.user_message(language), print_exception=False) from None
    notice = _in(language, "recipe_loaded")
    return recipe.look.to_json(), recipe.id, recipe.name, notice


def open_picked_recipe(
    recipe_ids: list[str],
    visitor_token: str,
    language: str,
    event: gr.SelectData,
    profile: gr.OAuthProfile | None = None,
) -> tuple[str, str, str, str]:
    """The gallery card the seller clicked, opened like a recipe link."""
    if not 0 <= event.index < len(recipe_ids or []):
        raise gr.Error(_in(language, "recipe_missing"), print_exception=False)
    return open_recipe(recipe_ids[event.index], visitor_token, language, profile)


def show_gallery() -> tuple[list[tuple[Image.Image | str, str]], list[str]]:
    """Public recipes, most used first: the cards and their ids in order."""
    found = recipes.gallery()
    return [(_card_image(recipe), recipe.name) for recipe in found], [
        recipe.id for recipe in found
    ]


def _card_image(recipe: recipes.Recipe) -> Image.Image | str:
    if recipe.thumbnail:
        return Image.open(io.BytesIO(recipe.thumbnail))
    try:
        return str(presets.thumbnail_path(recipe.look.scene))
    except LiteError:
        return str(presets.thumbnail_path(presets.DEFAULT_SCENE))


def show_look_in_controls(look_json: str) -> tuple[Any, ...]:
    """Set every control to the look's value; whatever sets the look runs this.

    The order is that of the controls after ``look_json`` in :func:`build_demo`.
    Values the controls already hold fold back into the same look.
    """
    look = _look_or_default(look_json)
    color = gr.update()
    if look.scene == "solid" and look.scene_params.get("color"):
        color = look.scene_params["color"]
    return (
        look.scene,
        look.target,
        look.scale,
        look.offset_x,
        look.offset_y,
        look.shadow,
        look.reflection,
        look.seed,
        look.new_cutout,
        look.prompt,
        look.generate or GENERATE_OFF,
        color,
    )


def app_url(request: gr.Request | None) -> str:
    """The app's address as the visitor reached it, for share links."""
    if request is None:
        return ""
    url = str(getattr(request, "url", "") or "")
    base = url.split("?", 1)[0].split("/gradio_api/", 1)[0].rstrip("/")
    headers = getattr(request, "headers", None) or {}
    host = (headers.get("x-forwarded-host") or "").split(",")[0].strip()
    if host and "://" in base:
        scheme, rest = base.split("://", 1)
        path = rest.split("/", 1)[1] if "/" in rest else ""
        base = f"{scheme}://{host}/{path}".rstrip("/")
    if (headers.get("x-forwarded-proto") or "").split(",")[0].strip() == "https":
        base = base.replace("http://", "https://", 1)
    return base


def browser_storage_secret() -> str:
    """The key gradio scrambles the visitor token with in browser storage.

    Gradio sends this key to the page, so it hides nothing from the visitor:
    the token's signature is what protects it. It must stay the same across
    restarts, or every browser would lose its visitor id and its images.
    """
    message = b"sporky-lite browser storage"
    return hmac.new(visitors.server_secret(), message, hashlib.sha256).hexdigest()


def _both(key: str) -> str:
    """A notice in Korean with the English under it."""
    korean, english = TEXT[key]
    return f"{korean}\n{english}"


def _in(language: str, key: str) -> str:
    """A message for people: English alone when asked, else both languages."""
    return text(key, "en") if language == "en" else _both(key)


def save_result(result: Result) -> Path:
    """Write the result's bytes under a fresh folder; old folders are pruned.

    Every image the app shows goes out this way, never as a Pillow image:
    Gradio writes those into its cache under a name made from their pixels,
    in place, so two sellers getting the same picture at once (a sample
    photo, say) could be sent a half-written file. A fresh folder per result,
    which Gradio copies into its cache by renaming, cannot collide.
    """
    return _fresh_file(result.filename, result.data)


def save_image(image: Image.Image, filename: str) -> Path:
    """A PNG of ``image`` under a fresh folder, as :func:`save_result`."""
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return _fresh_file(filename, buffer.getvalue())


def _fresh_file(filename: str, data: bytes) -> Path:
    prune_results()
    folder = OUTPUT_ROOT / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_bytes(data)
    return path


def prune_results(
    max_age_s: float | None = None, keep: int = MAX_RESULT_FOLDERS
) -> int:
    """Delete result folders older than ``max_age_s`` (default
    :func:`cache_seconds`) and all but the newest ``keep``; returns how many went.

    Gradio copies each returned file into its own cache before serving it, so
    a folder here is only needed for the moment the event finishes.
    """
    if not OUTPUT_ROOT.is_dir():
        return 0
    age = cache_seconds() if max_age_s is None else max_age_s
    folders = []
    for folder in OUTPUT_ROOT.iterdir():
        with contextlib.suppress(OSError):
            if folder.is_dir():
                folders.append((folder.stat().st_mtime, folder))
    folders.sort(reverse=True)
    cutoff = time.time() - age
    doomed = [path for at, path in folders[keep:]]
    doomed += [path for at, path in folders[:keep] if at < cutoff]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)
    return len(doomed)


def cache_seconds() -> int:
    """How long results and Gradio's cached files are kept (LITE_CACHE_SECONDS)."""
    return config.cache_seconds()


def notes_markdown(notes: tuple[Note, ...], language: str) -> str:
    """The result's notes as a list: English alone when asked, else both.

    In Korean each note keeps its English on the next line of the same item,
    as every other message of the app does.
    """
    return "\n".join(f"- {_note_text(note, language)}" for note in notes)


def _note_text(note: Note, language: str) -> str:
    if language == "en" or note.ko == note.en:
        return note.text(language)
    return f"{note.ko}  \n  {note.en}"


def receipt_markdown(result: Result, language: str) -> str:
    """What was made, with the market named as sellers know it, then the notes.

    In Korean the English line follows under the Korean one; sizes are written
    the same way in both.
    """
    target = TARGETS.get(result.target)
    korean, english = (
        (target.label_ko, target.label_en) if target else TEXT["custom_size"]
    )
    width, height = result.size
    made = f"{width}x{height} {result.format}, {_file_size(len(result.data))}"
    line = f"{english}: {made}"
    if language != "en":
        line = f"{korean}: {made}  \n{line}"
    return "\n".join([line, notes_markdown(result.notes, language)]).strip()


def _file_size(size: int) -> str:
    """A file's size as 183 KB or 1.4 MB, the same on every page."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024)):,} KB"


def look_from_controls(
    look_json: str,
    scene_id: str,
    target: str,
    scale: float,
    offset_x: float,
    offset_y: float,
    shadow: float,
    reflection: bool,
    seed: float,
    new_cutout: bool,
    prompt: str,
    generate: str | None,
    color: str | None,
) -> str:
    """Fold the controls into the look JSON the edit events read."""
    current = _look_or_default(look_json)
    params = dict(current.scene_params)
    if scene_id == "solid" and color:
        params["color"] = _hex_color(color)
    elif scene_id != current.scene:
        params = {}
    look = current.with_changes(
        scene=scene_id,
        scene_params=params,
        target=target,
        scale=float(scale),
        offset_x=float(offset_x),
        offset_y=float(offset_y),
        shadow=float(shadow),
        reflection=bool(reflection),
        seed=int(seed or 0),
        new_cutout=bool(new_cutout),
        prompt=(prompt or "").strip(),
        generate="" if generate in (None, GENERATE_OFF) else generate,
    )
    return look.to_json()


def _look_or_default(look_json: str) -> Look:
    try:
        return Look.from_json(look_json or "{}")
    except LiteError:
        return Look()


def _hex_color(value: str) -> str:
    """Gradio's colour picker may give #rrggbb or rgba(...); keep #RRGGBB."""
    value = value.strip()
    if value.startswith("rgb"):
        numbers = value[value.index("(") + 1 : value.index(")")].split(",")[:3]
        red, green, blue = (round(float(part)) for part in numbers)
        return f"#{red:02X}{green:02X}{blue:02X}"
    return value.upper()[:7]


def original_view(photo: str | None) -> Image.Image | None:
    """The upright photo, small, so the seller sees what was uploaded."""
    if not photo:
        return None
    from lite_app.intake import load_photo

    try:
        return load_photo(photo, max_side=512).image
    except LiteError:
        return None


# Fixing the cutout: the seller paints on a copy of the photo. Green keeps,
# red removes, a blue outline marks the box the product is in.
FIX_COLOURS = {"add": "#22C55E", "erase": "#EF4444", "box": "#3B82F6"}


def apply_cutout_fix(
    drawing: dict[str, Any] | None, photo: str | None, look_json: str
) -> str:
    """Fold the painted fixes into the look: a box and brush strokes."""
    look = _look_or_default(look_json)
    if not photo or not drawing or not drawing.get("layers"):
        return look.to_json()
    painted = {
        name: _painted(drawing["layers"], hex_colour)
        for name, hex_colour in FIX_COLOURS.items()
    }
    budget = MAX_MASK_EDITS // 2
    edits = refine.strokes_from_paint(painted["add"], "add", budget)
    edits += refine.strokes_from_paint(painted["erase"], "erase", budget)
    share = refine.box_from_paint(painted["box"])
    box = _photo_box(share, photo) if share else None
    return look.with_changes(box=box, mask_edits=edits).to_json()


def clear_cutout_fix(photo: str | None, look_json: str) -> tuple[Any, str]:
    """Drop the box and brush strokes; show the photo to paint on afresh."""
    look = _look_or_default(look_json)
    if look.box is not None or look.mask_edits:
        look = look.with_changes(box=None, mask_edits=[])
    return original_view(photo), look.to_json()


def _painted(layers: list[Any], hex_colour: str) -> np.ndarray:
    """Where any layer was painted in about this colour."""
    target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    found = None
    for layer in layers:
        pixels = np.asarray(layer)
        if pixels.ndim != 3 or pixels.shape[2] < 4:
            continue
        near = np.abs(pixels[..., :3].astype(np.int16) - target).max(axis=2) < 60
        hit = near & (pixels[..., 3] > 0)
        found = hit if found is None else found | hit
    return found if found is not None else np.zeros((1, 1), bool)


def _photo_box(
    share: tuple[float, float, float, float], photo: str
) -> list[int] | None:
    from lite_app.intake import load_photo

    try:
        width, height = load_photo(photo).original_size
    except LiteError:
        return None
    x0, y0, x1, y1 = share
    box = [int(x0 * width), int(y0 * height), round(x1 * width), round(y1 * height)]
    return box if box[2] > box[0] and box[3] > box[1] else None


def suggest_prompts(typed: str, language: str = "ko") -> dict[str, Any]:
    """Completions from the curated scene prompts as the seller types."""
    from lite_app.words import suggest

    found = suggest(typed or "", limit=6) if (typed or "").strip() else []
    samples = [[item.en if language == "en" else item.ko] for item in found]
    return gr.update(samples=samples, visible=bool(samples))


def chosen_suggestion(sample: list[str]) -> str:
    return sample[0] if sample else ""


def show_download() -> dict[str, Any]:
    return gr.update(visible=True)


def scene_from_gallery(event: gr.SelectData) -> str:
    return presets.list_presets()[event.index].id


def switch_language(choice: str, notice: str = "") -> list[Any]:
    """Every label, caption, placeholder and choice in the chosen language.

    The order is that of the language switch's outputs in :func:`build_demo`.
    A notice already shown keeps only its English lines in English. A receipt
    already shown keeps the language it was made in, since the result's notes
    are not kept beside it; the next image follows the switch.
    """
    language = LANGUAGES.get(choice, "ko")

    def label(key: str, **more: Any) -> Any:
        return gr.update(label=text(key, language), **more)

    def value(key: str) -> Any:
        return gr.update(value=text(key, language))

    adjust_keys = ("scale", "offset_x", "offset_y", "shadow", "reflection", "seed")
    return [
        language,
        value("title"),
        label("photo"),
        label("original"),
        label("scene", value=scene_thumbnails(language)),
        label("prompt", placeholder=text("prompt_hint", language)),
        label("target", choices=target_choices(language)),
        *(label(key) for key in adjust_keys),
        label("new_cutout"),
        label("color"),
        label("result"),
        value("make_final"),
        value("cutout"),
        label("download"),
        label("samples"),
        label("suggestions"),
        label("adjust"),
        label("fix"),
        value("fix_help"),
        value("fix_apply"),
        value("fix_clear"),
        label("language_picker"),
        gr.update(value=notice_in(notice or "", language)),
    ]


# Gradio's own words on the page (the footer, the titles of its messages)
# follow its locale, which it takes from the browser. The language switch sets
# that locale too, through the same call Gradio's settings panel makes. Gradio
# does not export it under a fixed address, so the script finds the loaded
# module that exports it; should a Gradio release rename it, Gradio's words
# stay in the browser's language (the browser test for English catches that).
# The words inside Gradio's widgets (the upload area's "drop a file here") are
# written once, when the page opens, and stay in the browser's language; a
# Gradio release whose widgets follow a change of locale would lift that.
GRADIO_LOCALE_JS = """
(choice, ...rest) => {
    const locale = choice === "English" ? "en" : "ko";
    const urls = performance.getEntriesByType("resource").map((entry) => entry.name)
        .filter((url) => /\\/assets\\/core-[\\w-]+\\.js$/.test(url));
    for (const url of urls) {
        import(url).then((module) => {
            if (typeof module.changeLocale === "function") {
                module.changeLocale(locale);
            }
        }).catch(() => {});
    }
    return [choice, ...rest];
}
"""


def preview_notes(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    request: gr.Request | None = None,
) -> str:
    """The notes under the prompt again, in the page's language."""
    if not photo:
        return ""
    try:
        return preview_photo(photo, look_json, language, request)[1]
    except gr.Error:
        # The preview itself already told the seller what went wrong.
        return ""


def notice_in(notice: str, language: str) -> str:
    """A notice in the page's language: in English, its lines without Korean."""
    from lite_app.words.protect import has_hangul

    if language != "en":
        return notice
    lines = [line for line in notice.splitlines() if not has_hangul(line)]
    return "\n".join(lines).strip()


def switch_recipe_language(
    choice: str, visitor_token: str, profile: gr.OAuthProfile | None = None
) -> list[Any]:
    """The images-left line and the recipe controls in the chosen language."""
    language = LANGUAGES.get(choice, "ko")
    updates = [refresh_credits(visitor_token, language, profile)]
    updates += [
        gr.update(label=text(key, language))
        for key in ("recipes", "recipe_name", "recipe_public")
    ]
    updates.append(gr.update(value=text("save_recipe", language)))
    updates += [
        gr.update(label=text(key, language)) for key in ("share_link", "recipe_gallery")
    ]
    return updates


def _upload_name(photo: str) -> str:
    return Path(photo).name


def _no_photo_message(language: str) -> str:
    if language == "en":
        return "Upload a product photo first."
    return "먼저 상품 사진을 올려 주세요.\nUpload a product photo first."


def _unexpected_message(language: str) -> str:
    if language == "en":
        return "Something went wrong on our side. Please try again."
    return (
        "일시적인 문제가 생겼습니다. 다시 시도해 주세요.\n"
        "Something went wrong on our side. Please try again."
    )


def sample_photos() -> list[list[str]]:
    folder = settings().assets_dir / "samples"
    return [[str(path)] for path in sorted(folder.glob("*.jpg"))]


def scene_thumbnails(language: str = "ko") -> list[tuple[str, str]]:
    """Each scene's thumbnail with its name in the page's language."""
    return [
        (
            str(presets.thumbnail_path(p.id)),
            p.name_en if language == "en" else p.name_ko,
        )
        for p in presets.list_presets()
    ]


def target_choices(language: str = "ko") -> list[tuple[str, str]]:
    """Marketplaces as (label, id); the Korean label names it in English too."""
    if language == "en":
        return [(t.label_en, t.name) for t in TARGETS.values()]
    return [(f"{t.label_ko} ({t.label_en})", t.name) for t in TARGETS.values()]


def photo_upload(**options: Any) -> gr.File:
    """A ``gr.File`` for the photo that hands the handler the upload's own path.

    In Gradio 6.31 ``gr.File(type="filepath")`` also creates an empty temporary
    file in its cache on every event and never removes it, so the cache grows
    with each preview; this one leaves nothing behind. (A subclass would make
    Gradio write a type stub next to this module at import time.)
    """
    from gradio.utils import NamedString

    component = gr.File(type="filepath", **options)

    def upload_path(f: Any) -> NamedString:
        return NamedString(f.path)

    component._process_single_file = upload_path  # type: ignore[method-assign]
    return component


def build_demo() -> gr.Blocks:
    """The whole web app. Launch it with :func:`launch`.

    Raises ``SettingInvalid`` when a server setting is wrong.
    """
    check_server_settings()
    age = cache_seconds()
    cache = (max(30, min(600, age // 2)), age)
    with gr.Blocks(title="Sporky Lite", delete_cache=cache) as demo:
        language = gr.State("ko")
        look_json = gr.Textbox(Look().to_json(), visible=False)
        visitor_state = gr.BrowserState(
            "", storage_key="sporky-visitor", secret=browser_storage_secret()
        )
        with gr.Row():
            title = gr.Markdown(text("title"))
            credits_label = gr.Markdown(elem_id="images-left")
            if os.environ.get("OAUTH_CLIENT_ID"):
                # A Space with `hf_oauth: true`: signed-in users pay from
                # their Hugging Face account instead of an anonymous id.
                gr.LoginButton(scale=0)
            language_choice = gr.Radio(
                list(LANGUAGES),
                value="한국어",
                label=text("language_picker"),
                scale=0,
                elem_id="language",
            )
        notice = gr.Markdown(line_breaks=True, elem_id="notice")
        with gr.Row():
            with gr.Column(scale=1):
                photo_input = photo_upload(label=text("photo"), elem_id="photo")
                original_image = gr.Image(
                    label=text("original"), interactive=False, height=220
                )
                samples = gr.Examples(
                    sample_photos(), inputs=[photo_input], label=text("samples")
                )
                with gr.Accordion(text("fix"), open=False) as fix_box:
                    fix_help = gr.Markdown(text("fix_help"))
                    fix_editor = gr.ImageEditor(
                        type="numpy",
                        sources=(),
                        transforms=(),
                        layers=False,
                        brush=gr.Brush(
                            colors=list(FIX_COLOURS.values()),
                            default_color=FIX_COLOURS["add"],
                            color_mode="fixed",
                        ),
                        eraser=gr.Eraser(),
                        format="png",
                        height=360,
                        show_label=False,
                        elem_id="cutout-fix",
                    )
                    with gr.Row():
                        fix_apply_button = gr.Button(
                            text("fix_apply"), elem_id="cutout-fix-apply"
                        )
                        fix_clear_button = gr.Button(
                            text("fix_clear"), elem_id="cutout-fix-clear"
                        )
            with gr.Column(scale=1):
                scene_gallery = gr.Gallery(
                    scene_thumbnails(),
                    label=text("scene"),
                    columns=4,
                    allow_preview=False,
                    height="auto",
                    elem_id="scenes",
                )
                prompt_input = gr.Textbox(
                    label=text("prompt"),
                    placeholder=text("prompt_hint"),
                    lines=1,
                    elem_id="prompt",
                )
                prompt_suggestions = gr.Dataset(
                    components=[gr.Textbox(visible=False)],
                    samples=[],
                    label=text("suggestions"),
                    visible=False,
                    elem_id="prompt-suggestions",
                )
                generate_input = gr.Radio(
                    generate_choices(),
                    value=GENERATE_OFF,
                    label=text("generate"),
                    info=text("generate_info"),
                    elem_id="generate",
                )
                prompt_note = gr.Markdown(elem_id="prompt-note")
                target_input = gr.Dropdown(
                    target_choices(),
                    value=DEFAULT_TARGET,
                    label=text("target"),
                    elem_id="target",
                    # A recipe may carry any WIDTHxHEIGHT the look accepts.
                    allow_custom_value=True,
                )
                # The sliders span every value a look (and so a recipe) may hold.
                with gr.Accordion(text("adjust"), open=False) as adjust_box:
                    scale_input = gr.Slider(
                        *RANGES["scale"], 0.75, step=0.01, label=text("scale")
                    )
                    offset_x_input = gr.Slider(
                        *RANGES["offset_x"], 0, step=0.01, label=text("offset_x")
                    )
                    offset_y_input = gr.Slider(
                        *RANGES["offset_y"], 0, step=0.01, label=text("offset_y")
                    )
                    shadow_input = gr.Slider(0, 1, 0.6, step=0.05, label=text("shadow"))
                    reflection_input = gr.Checkbox(False, label=text("reflection"))
                    seed_input = gr.Number(
                        0, precision=0, minimum=0, label=text("seed")
                    )
                    new_cutout_input = gr.Checkbox(False, label=text("new_cutout"))
                    color_input = gr.ColorPicker("#FFFFFF", label=text("color"))
            with gr.Column(scale=1):
                result_image = gr.Image(
                    label=text("result"),
                    interactive=False,
                    format="png",
                    height=420,
                    elem_id="preview",
                )
                final_button = gr.Button(
                    text("make_final"), variant="primary", elem_id="make-final"
                )
                with gr.Row():
                    generate_button = gr.Button(
                        text("make_generated"),
                        variant="primary",
                        visible=False,
                        elem_id="make-generated",
                    )
                    cancel_button = gr.Button(
                        text("cancel_generation"),
                        variant="stop",
                        visible=False,
                        scale=0,
                        elem_id="cancel-generation",
                    )
                download_button = gr.DownloadButton(
                    text("download"), visible=False, elem_id="download"
                )
                cutout_button = gr.Button(text("cutout"), elem_id="cutout")
                receipt = gr.Markdown(elem_id="receipt")
                with gr.Accordion(text("recipes"), open=False) as recipe_box:
                    recipe_name = gr.Textbox(
                        label=text("recipe_name"), max_length=80, elem_id="recipe-name"
                    )
                    recipe_public = gr.Checkbox(
                        False, label=text("recipe_public"), elem_id="recipe-public"
                    )
                    save_recipe_button = gr.Button(
                        text("save_recipe"), elem_id="save-recipe"
                    )
                    share_link = gr.Textbox(
                        label=text("share_link"),
                        interactive=False,
                        buttons=["copy"],
                        elem_id="share-link",
                    )
        recipe_gallery = gr.Gallery(
            label=text("recipe_gallery"),
            columns=6,
            fit_columns=False,
            object_fit="contain",
            allow_preview=False,
            height="auto",
            format="png",
            elem_id="recipe-gallery",
        )
        # The recipe the look came from: the parent of the next one saved.
        recipe_id = gr.Textbox("", visible=False)
        gallery_ids = gr.State([])
        scene_id = gr.Textbox(presets.DEFAULT_SCENE, visible=False)

        controls = [
            look_json,
            scene_id,
            target_input,
            scale_input,
            offset_x_input,
            offset_y_input,
            shadow_input,
            reflection_input,
            seed_input,
            new_cutout_input,
            prompt_input,
            generate_input,
            color_input,
        ]
        edit_inputs = [photo_input, look_json, language]
        limits = {"concurrency_id": "cutout", "concurrency_limit": CUTOUT_CONCURRENCY}

        scene_gallery.select(
            scene_from_gallery, None, scene_id, api_visibility="private"
        )
        prompt_input.input(
            suggest_prompts,
            [prompt_input, language],
            prompt_suggestions,
            queue=False,
            api_visibility="private",
        )
        prompt_suggestions.click(
            chosen_suggestion,
            prompt_suggestions,
            prompt_input,
            queue=False,
            api_visibility="private",
        ).then(
            look_from_controls,
            controls,
            look_json,
            queue=False,
            api_visibility="private",
        )
        for control in controls[1:]:
            trigger = control.submit if control is prompt_input else control.change
            trigger(
                look_from_controls,
                controls,
                look_json,
                queue=False,
                api_visibility="private",
            )
        photo_input.change(
            original_view, photo_input, original_image, api_name="original"
        )
        photo_input.change(
            clear_cutout_fix,
            [photo_input, look_json],
            [fix_editor, look_json],
            queue=False,
            api_visibility="private",
        )
        fix_apply_button.click(
            apply_cutout_fix,
            [fix_editor, photo_input, look_json],
            look_json,
            queue=False,
            api_visibility="private",
        )
        fix_clear_button.click(
            clear_cutout_fix,
            [photo_input, look_json],
            [fix_editor, look_json],
            queue=False,
            api_visibility="private",
        )
        photo_input.change(
            preview_photo,
            edit_inputs,
            [result_image, prompt_note],
            api_name="preview",
            **limits,
        )
        look_json.change(
            refresh_preview,
            edit_inputs,
            [result_image, prompt_note],
            api_visibility="private",
            **limits,
        )
        final_button.click(
            edit_photo,
            [*edit_inputs, visitor_state],
            [result_image, download_button, receipt, visitor_state, credits_label],
            api_name="edit",
            **limits,
        ).success(
            show_download,
            None,
            download_button,
            queue=False,
            api_visibility="private",
        )
        cutout_button.click(
            cutout_photo,
            [photo_input, language],
            download_button,
            api_name="cutout",
            **limits,
        ).success(
            show_download,
            None,
            download_button,
            queue=False,
            api_visibility="private",
        )
        language_choice.change(
            switch_language,
            [language_choice, notice],
            [
                language,
                title,
                photo_input,
                original_image,
                scene_gallery,
                prompt_input,
                target_input,
                scale_input,
                offset_x_input,
                offset_y_input,
                shadow_input,
                reflection_input,
                seed_input,
                new_cutout_input,
                color_input,
                result_image,
                final_button,
                cutout_button,
                download_button,
                samples.dataset,
                prompt_suggestions,
                adjust_box,
                fix_box,
                fix_help,
                fix_apply_button,
                fix_clear_button,
                language_choice,
                notice,
            ],
            queue=False,
            api_visibility="private",
            js=GRADIO_LOCALE_JS,
        ).then(
            preview_notes,
            edit_inputs,
            prompt_note,
            api_visibility="private",
            **limits,
        )

        # Visitors, credits and recipes. Whatever sets the look from outside
        # the controls (a recipe link, a gallery card) then shows it in them.
        look_controls = controls[1:]
        recipe_outputs = [look_json, recipe_id, recipe_name, notice]
        private = {"queue": False, "api_visibility": "private"}
        demo.load(
            load_page,
            visitor_state,
            [visitor_state, credits_label, notice, look_json, recipe_id, recipe_name],
            api_visibility="private",
        ).then(show_look_in_controls, look_json, look_controls, **private)
        demo.load(show_gallery, None, [recipe_gallery, gallery_ids], **private)
        language_choice.change(
            switch_recipe_language,
            [language_choice, visitor_state],
            [
                credits_label,
                recipe_box,
                recipe_name,
                recipe_public,
                save_recipe_button,
                share_link,
                recipe_gallery,
            ],
            **private,
        )
        save_recipe_button.click(
            save_recipe,
            [
                recipe_name,
                look_json,
                recipe_public,
                recipe_id,
                photo_input,
                visitor_state,
                language,
            ],
            [share_link, recipe_id, visitor_state],
            api_name="save_recipe",
            **limits,
        ).success(show_gallery, None, [recipe_gallery, gallery_ids], **private)
        recipe_gallery.select(
            open_picked_recipe,
            [gallery_ids, visitor_state, language],
            recipe_outputs,
            api_visibility="private",
        ).success(show_look_in_controls, look_json, look_controls, **private)

        # Generated scenes wait in their own queue and run one at a time,
        # while cutouts and rendered scenes go on in theirs. The result image
        # shows the progress bar: first the place in the queue, then the steps.
        generate_input.change(
            show_generation_buttons,
            generate_input,
            [final_button, generate_button, cancel_button],
            **private,
        )
        generation = generate_button.click(
            generate_photo,
            [*edit_inputs, visitor_state],
            [result_image, download_button, receipt, visitor_state, credits_label],
            api_name="generate",
            concurrency_id="generate",
            concurrency_limit=GENERATION_CONCURRENCY,
            show_progress="full",
            show_progress_on=result_image,
        )
        generation.success(
            show_download_if_made, download_button, download_button, **private
        )
        cancel_button.click(
            cancel_generation,
            language,
            notice,
            api_name="cancel_generation",
            queue=False,
            cancels=[generation],
        )
        language_choice.change(
            switch_generation_language,
            language_choice,
            [generate_input, generate_button, cancel_button],
            **private,
        )
    demo.queue(default_concurrency_limit=CUTOUT_CONCURRENCY)
    return demo


def check_server_settings() -> None:
    """Read every setting the web server uses; raises ``SettingInvalid``."""
    settings()
    config.server_port()
    config.log_level()
    config.cache_seconds()
    config.one_of("LITE_MALLOC_TRIM", "1", ("0", "1"))
    memory.malloc_arenas()
    limits.check_settings()
    _check_secret()
    papago_keys()


def _check_secret() -> None:
    secret = os.environ.get(visitors.SECRET_ENV, "")
    least = visitors.MIN_SECRET_CHARS
    # Spaces around a secret are no part of its strength.
    if secret and len(secret.strip()) < least:
        raise config.setting_invalid(
            visitors.SECRET_ENV,
            secret,
            f"{least}자 이상이어야 합니다.",
            f"it must be at least {least} characters long",
            show=False,
        )


def stop_on_bad_settings() -> None:
    """Check the server's settings; a bad one stops the process in one line."""
    try:
        check_server_settings()
    except config.SettingInvalid as error:
        raise SystemExit(error.one_line()) from None


def launch(demo: gr.Blocks | None = None, **options: Any) -> None:
    """Start the server on 127.0.0.1:PORT (0.0.0.0 on a Hugging Face Space).

    Every setting is checked first: a bad one stops the process with one line
    naming it and what it takes, exit code 1.
    """
    stop_on_bad_settings()
    memory.cap_memory_arenas()
    memory.prefer_small_heap()
    cutouts.keep_model_memory_low()
    demo = demo or build_demo()
    on_space = bool(os.environ.get("SPACE_ID"))
    host = os.environ.get("HOST", "0.0.0.0" if on_space else "127.0.0.1")
    try:
        demo.launch(
            server_name=host,
            server_port=config.server_port(),
            max_file_size=MAX_UPLOAD,
            show_error=False,
            allowed_paths=[str(settings().assets_dir)],
            **options,
        )
    except OSError as error:
        logger.debug("the server could not listen", exc_info=True)
        raise SystemExit(_cannot_listen(host, config.server_port())) from error


def _cannot_listen(host: str, port: int) -> str:
    """One line for a server that cannot open its address."""
    return (
        f"{host}:{port} 에서 서버를 열 수 없습니다. 이 포트를 이미 다른 프로그램이 "
        "쓰고 있거나 HOST가 이 컴퓨터의 주소가 아닙니다. PORT나 HOST를 바꿔 주세요. / "
        f"The server cannot listen on {host}:{port}: another program already uses "
        "the port, or HOST is not an address of this machine. Set another PORT or HOST."
    )


__all__ = ["build_demo", "edit_photo", "launch"]
