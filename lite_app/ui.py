"""The web app: Gradio Blocks, Korean first, with an English switch.

Uploading a photo is the one click: a free preview on the default scene and
target appears at once. Changing the scene, the words or the target refreshes
the preview; "full size" makes the marketplace file to download.
Every event has an explicit API name, so ``gradio_client`` can drive the app.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import gradio as gr
from PIL import Image

from lite_app import limits
from lite_app.config import settings
from lite_app.editor import Note, Result, edit
from lite_app.errors import LiteError
from lite_app.export import DEFAULT_TARGET, TARGETS
from lite_app.look import Look
from lite_app.scenes import presets

logger = logging.getLogger(__name__)

CUTOUT_CONCURRENCY = max(1, os.cpu_count() or 1)
MAX_UPLOAD = "30mb"
OUTPUT_MAX_AGE_S = 3600
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
    "cutout": ("투명 배경 PNG 받기", "Get a transparent PNG"),
    "language": ("언어", "Language"),
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
) -> tuple[Image.Image | None, str]:
    """A small free preview of the current look (API: /preview)."""
    if not photo:
        return None, ""
    result = _run_edit(photo, look_json, language, preview=True, request=request)
    return result.image, notes_markdown(result.notes, language)


def edit_photo(
    photo: str | None,
    look_json: str,
    language: str = "ko",
    request: gr.Request | None = None,
) -> tuple[Image.Image, str, str]:
    """The full-size marketplace image and its file (API: /edit)."""
    if not photo:
        raise gr.Error(_no_photo_message(language))
    result = _run_edit(photo, look_json, language, preview=False, request=request)
    path = save_result(result)
    return result.image, str(path), receipt_markdown(result, language)


def cutout_photo(
    photo: str | None, language: str = "ko", request: gr.Request | None = None
) -> str:
    """The product alone on transparency, as a PNG file (API: /cutout)."""
    if not photo:
        raise gr.Error(_no_photo_message(language))
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
) -> Result:
    try:
        limits.check_edit(limits.client_address(request))
        look = Look.from_json(look_json or "{}")
        return edit(photo, look, preview=preview, photo_name=_upload_name(photo))
    except LiteError as error:
        logger.info("edit refused: %s", error.message_en)
        raise gr.Error(error.user_message(language), print_exception=False) from None
    except Exception:
        logger.exception("edit failed")
        raise gr.Error(_unexpected_message(language), print_exception=False) from None


def save_result(result: Result) -> Path:
    """Write the result's bytes under a fresh folder; old folders are pruned."""
    prune_results()
    folder = OUTPUT_ROOT / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / result.filename
    path.write_bytes(result.data)
    return path


def prune_results(max_age_s: float = OUTPUT_MAX_AGE_S) -> int:
    """Delete result folders older than ``max_age_s``; returns how many went."""
    if not OUTPUT_ROOT.is_dir():
        return 0
    cutoff, removed = time.time() - max_age_s, 0
    for folder in OUTPUT_ROOT.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def notes_markdown(notes: tuple[Note, ...], language: str) -> str:
    return "\n".join(f"- {note.text(language)}" for note in notes)


def receipt_markdown(result: Result, language: str) -> str:
    width, height = result.size
    size_kb = len(result.data) / 1024
    if language == "en":
        line = f"{result.target}: {width}x{height} {result.format}, {size_kb:.0f} KB"
    else:
        line = f"{result.target}: {width}x{height} {result.format}, {size_kb:.0f}KB"
    return "\n".join([line, notes_markdown(result.notes, language)]).strip()


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


def switch_language(choice: str) -> list[Any]:
    language = LANGUAGES.get(choice, "ko")
    labels = [
        "photo",
        "original",
        "scene",
        "prompt",
        "target",
        "scale",
        "offset_x",
        "offset_y",
        "shadow",
        "reflection",
        "seed",
        "new_cutout",
        "color",
        "result",
    ]
    updates: list[Any] = [language, gr.update(value=text("title", language))]
    updates += [gr.update(label=text(key, language)) for key in labels]
    updates += [
        gr.update(value=text(key, language)) for key in ("make_final", "cutout")
    ]
    updates.append(gr.update(label=text("download", language)))
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


def scene_thumbnails() -> list[tuple[str, str]]:
    return [
        (str(presets.thumbnail_path(p.id)), p.name_ko) for p in presets.list_presets()
    ]


def target_choices() -> list[tuple[str, str]]:
    return [(f"{t.label_ko} ({t.label_en})", t.name) for t in TARGETS.values()]


def build_demo() -> gr.Blocks:
    """The whole web app. Launch it with :func:`launch`."""
    with gr.Blocks(title="Sporky Lite", delete_cache=(600, 3600)) as demo:
        language = gr.State("ko")
        look_json = gr.Textbox(Look().to_json(), visible=False)
        with gr.Row():
            title = gr.Markdown(text("title"))
            language_choice = gr.Radio(
                list(LANGUAGES), value="한국어", label="언어 / Language", scale=0
            )
        with gr.Row():
            with gr.Column(scale=1):
                photo_input = gr.File(
                    label=text("photo"), type="filepath", elem_id="photo"
                )
                original_image = gr.Image(
                    label=text("original"), interactive=False, height=220
                )
                gr.Examples(
                    sample_photos(), inputs=[photo_input], label=text("samples")
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
                prompt_note = gr.Markdown(elem_id="prompt-note")
                target_input = gr.Dropdown(
                    target_choices(),
                    value=DEFAULT_TARGET,
                    label=text("target"),
                    elem_id="target",
                )
                with gr.Accordion(text("adjust"), open=False):
                    scale_input = gr.Slider(
                        0.3, 1.0, 0.75, step=0.01, label=text("scale")
                    )
                    offset_x_input = gr.Slider(
                        -0.3, 0.3, 0, step=0.01, label=text("offset_x")
                    )
                    offset_y_input = gr.Slider(
                        -0.3, 0.3, 0, step=0.01, label=text("offset_y")
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
                download_button = gr.DownloadButton(
                    text("download"), visible=False, elem_id="download"
                )
                cutout_button = gr.Button(text("cutout"), elem_id="cutout")
                receipt = gr.Markdown(elem_id="receipt")
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
            preview_photo,
            edit_inputs,
            [result_image, prompt_note],
            api_name="preview",
            **limits,
        )
        look_json.change(
            preview_photo,
            edit_inputs,
            [result_image, prompt_note],
            api_visibility="private",
            **limits,
        )
        final_button.click(
            edit_photo,
            edit_inputs,
            [result_image, download_button, receipt],
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
            language_choice,
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
            ],
            queue=False,
            api_visibility="private",
        )
    demo.queue(default_concurrency_limit=CUTOUT_CONCURRENCY)
    return demo


def launch(demo: gr.Blocks | None = None, **options: Any) -> None:
    """Start the server on 127.0.0.1:PORT (0.0.0.0 on a Hugging Face Space)."""
    demo = demo or build_demo()
    on_space = bool(os.environ.get("SPACE_ID"))
    demo.launch(
        server_name=os.environ.get("HOST", "0.0.0.0" if on_space else "127.0.0.1"),
        server_port=settings().port,
        max_file_size=MAX_UPLOAD,
        show_error=False,
        allowed_paths=[str(settings().assets_dir)],
        **options,
    )


__all__ = ["build_demo", "edit_photo", "launch"]
