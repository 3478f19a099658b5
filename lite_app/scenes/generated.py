"""Generated scenes: a backdrop from the seller's words, or a scene painted
around the product already placed on the canvas.

Two models come from settings, each a hub id or a local folder:
``scene_model`` (text-to-image) and ``inpaint_model`` (inpainting). Each is
loaded once per process on first use, on CUDA in float16 where present, else
on Apple MPS or the CPU in float32 (float16 layer norm fails on the CPU).
Torch and diffusers are imported only when a model is loaded, so the command
line and the rendered scenes never pay for them.

Steps and guidance follow the model class. A turbo-class model (its name says
"turbo", "lcm" or "lightning", or its scheduler uses trailing timestep spacing
or is an LCM scheduler) runs :data:`TURBO_STEPS` steps without guidance: two
steps keep most of the speed of one and give cleaner surfaces and edges. Any
other model runs :data:`FULL_STEPS` steps at guidance :data:`FULL_GUIDANCE`.

Where the product is on the canvas, its own pixels always come back on top of
whatever the model painted.

Known limitation: the pipeline runs at the requested size (capped at
:data:`MAX_SIDE` on the long side), not at the size the model was trained at,
so a 512 px model asked for 1000 px may repeat things in the scene. Generating
at the model's own size and upscaling would lift this.

A failed load or run logs one warning line with the reason; the traceback is
logged at debug level. With HF_HUB_OFFLINE=1 a hub id that is not in the local
cache fails at once, before torch and diffusers are imported.

Known limitation: with the hub left online on a machine without network, the
first load of a hub id that is not cached spends about 25 s in the hub
client's own retries (each logged by it) before it fails. Setting
HF_HUB_OFFLINE=1 there makes it fail at once; a failure is remembered until the
model setting changes.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageFilter

from lite_app.config import settings
from lite_app.errors import GenerationUnavailable, LiteError, LookInvalid

logger = logging.getLogger(__name__)

KINDS = ("text2image", "inpaint")
TURBO_STEPS = 2
TURBO_GUIDANCE = 0.0
FULL_STEPS = 25
FULL_GUIDANCE = 7.0
TURBO_NAME_HINTS = ("turbo", "lcm", "lightning")
MAX_SIDE = 1024
MIN_SIDE = 64
MAX_GROW_PX = 64

BACKDROP_SUFFIX = (
    "empty product photography backdrop, clear space in the middle for a product, "
    "soft even light, gentle shadows, high detail, sharp focus"
)
AROUND_SUFFIX = (
    "professional product photography, natural light falling on the product, "
    "realistic contact shadow, high detail, sharp focus"
)
DEFAULT_NEGATIVE_PROMPT = (
    "text, letters, watermark, logo, signature, frame, border, people, hands, "
    "blurry, low quality, noisy, distorted, deformed, oversaturated"
)

# Generation runs one at a time in a process. generate_backdrop and
# generate_around take it themselves: a caller must not hold it around them.
GENERATION_LOCK = threading.Lock()

_LOAD_LOCK = threading.Lock()
_HUB_TRUE = {"1", "true", "yes", "on"}
_UNLIMITED_TOKENS = 100_000


class GenerationCancelled(LiteError):
    """The person stopped a generation before it finished."""


@dataclass(frozen=True)
class GeneratedScene:
    """A generated scene and what made it."""

    image: Image.Image  # RGB at the requested size
    prompt: str  # the words the model was given, suffix included
    negative_prompt: str
    truncated: bool  # the seller's words were cut to the text encoder's limit
    model: str
    device: str
    steps: int
    seconds: float  # time spent loading and generating, not waiting for the lock


@dataclass(frozen=True)
class Sampling:
    steps: int
    guidance: float


@dataclass(frozen=True)
class _Loaded:
    model: str
    pipe: Any
    device: str
    sampling: Sampling


@dataclass(frozen=True)
class _Failure:
    model: str
    error: GenerationUnavailable


@dataclass(frozen=True)
class _Prompts:
    prompt: str
    negative_prompt: str
    truncated: bool


class _Stopped(Exception):
    """Raised inside the step callback to leave the denoising loop at once."""


_PIPELINES: dict[str, _Loaded] = {}
_FAILURES: dict[str, _Failure] = {}


# Public calls ---------------------------------------------------------------


def generation_available(kind: str = "text2image") -> bool:
    """Whether a model of this kind can probably be loaded. Loads nothing.

    True for a loaded model, a local folder with a ``model_index.json``, a hub
    id found in the local cache, or (when the hub is not set offline) any hub
    id, since it can be downloaded. False after a failed load of the same model.
    """
    model = _model_for(kind)
    failure = _FAILURES.get(kind)
    if failure is not None and failure.model == model:
        return False
    loaded = _PIPELINES.get(kind)
    if loaded is not None and loaded.model == model:
        return True
    if not model or importlib.util.find_spec("diffusers") is None:
        return False
    folder = _local_folder(model)
    if folder is not None:
        return (folder / "model_index.json").is_file()
    if _looks_like_path(model):
        return False
    return _in_hub_cache(model) or not _hub_offline()


def load_pipeline(kind: str) -> Any:
    """The pipeline for ``"text2image"`` or ``"inpaint"``, loaded once.

    A failed load is remembered, so later calls fail fast until the configured
    model changes. Raises :class:`GenerationUnavailable`.
    """
    return _loaded(kind).pipe


def generate_backdrop(
    prompt_en: str,
    size: tuple[int, int],
    *,
    seed: int = 0,
    negative_prompt: str | None = None,
    on_step: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GeneratedScene:
    """A scene from English words, as an RGB image of exactly ``size``.

    ``on_step(step, total)`` is called after every denoising step;
    ``should_stop()`` is asked before and after every step, and a True answer
    raises :class:`GenerationCancelled`. Raises :class:`GenerationUnavailable`
    when no model can be loaded or run.
    """
    _check_prompt(prompt_en)
    width, height = _check_size(size)
    run_width, run_height = _pipeline_size(width, height)

    with GENERATION_LOCK:
        started = time.perf_counter()
        _stop_if_asked(should_stop)
        loaded = _loaded("text2image")
        prompts = _prepare_prompts(
            loaded.pipe, prompt_en, BACKDROP_SUFFIX, negative_prompt
        )
        image = _call_pipeline(
            loaded,
            prompts,
            seed=seed,
            on_step=on_step,
            should_stop=should_stop,
            width=run_width,
            height=run_height,
        )
        image = _to_size(image, (width, height))
        seconds = time.perf_counter() - started

    return _scene(image, prompts, loaded, seconds)


def generate_around(
    canvas: Image.Image,
    product_mask: Image.Image,
    prompt_en: str,
    *,
    seed: int = 0,
    grow_px: int = 4,
    negative_prompt: str | None = None,
    on_step: Callable[[int, int], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GeneratedScene:
    """Paint a scene around the product already placed on ``canvas``.

    ``product_mask`` is an "L" image of the canvas size, 255 where the product
    is. Everything outside the opaque product is painted, and the painted area
    reaches ``grow_px`` pixels into the product so that no rim of the old
    background survives around its edge. The product's own pixels are then
    put back: where the mask is 255 the result equals the canvas exactly, and
    soft edges blend onto the new scene by the mask.
    Progress, cancelling and failures work as in :func:`generate_backdrop`.
    """
    _check_prompt(prompt_en)
    _check_canvas(canvas, product_mask, grow_px)
    canvas_rgb = canvas.convert("RGB")
    mask = product_mask.convert("L")
    paint_mask = _paint_mask(mask, grow_px)
    run_size = _pipeline_size(*canvas.size)

    with GENERATION_LOCK:
        started = time.perf_counter()
        _stop_if_asked(should_stop)
        loaded = _loaded("inpaint")
        prompts = _prepare_prompts(
            loaded.pipe, prompt_en, AROUND_SUFFIX, negative_prompt
        )
        painted = _call_pipeline(
            loaded,
            prompts,
            seed=seed,
            on_step=on_step,
            should_stop=should_stop,
            image=_to_size(canvas_rgb, run_size),
            mask_image=_to_size(paint_mask, run_size),
            width=run_size[0],
            height=run_size[1],
            strength=1.0,
        )
        painted = _to_size(painted, canvas.size)
        image = Image.composite(canvas_rgb, painted, mask)
        seconds = time.perf_counter() - started

    return _scene(image, prompts, loaded, seconds)


# Loading --------------------------------------------------------------------


def _model_for(kind: str) -> str:
    if kind == "text2image":
        return settings().scene_model.strip()
    if kind == "inpaint":
        return settings().inpaint_model.strip()
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


def _loaded(kind: str) -> _Loaded:
    model = _model_for(kind)
    with _LOAD_LOCK:
        loaded = _PIPELINES.get(kind)
        if loaded is not None and loaded.model == model:
            return loaded
        failure = _FAILURES.get(kind)
        if failure is not None and failure.model == model:
            raise _copy(failure.error)

        # A different model was configured: let the old one go first.
        _PIPELINES.pop(kind, None)
        try:
            loaded = _load(kind, model)
        except GenerationUnavailable as error:
            reason = error.context.get("reason", "")
            logger.warning("The %s model %r is unavailable: %s", kind, model, reason)
            _FAILURES[kind] = _Failure(model, error)
            raise
        _FAILURES.pop(kind, None)
        _PIPELINES[kind] = loaded
        return loaded


def _quiet_model_libraries() -> None:
    """Keep diffusers' and transformers' own warnings out of a seller's terminal.

    They speak of optional back-ends (torchvision, for one) the app does not need;
    our own line already says when a model cannot be used. Verbose logging (INFO
    or DEBUG on this module) lets them through again. Runs before the first import
    of either library, which reads its level from the environment then.
    """
    verbose = logger.isEnabledFor(logging.INFO)
    for name in ("diffusers", "transformers"):
        # Read by each library when it is first imported; an operator's own
        # setting wins.
        os.environ.setdefault(
            f"{name.upper()}_VERBOSITY", "info" if verbose else "error"
        )
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)


def _load(kind: str, model: str) -> _Loaded:
    if not model:
        raise _unavailable(kind, model, "no model is configured")
    folder = _local_folder(model)
    if folder is None and _looks_like_path(model):
        raise _unavailable(kind, model, "the model folder does not exist")
    if folder is None and _hub_offline() and not _in_hub_cache(model):
        raise _unavailable(kind, model, "the hub is offline and the model not cached")

    _quiet_model_libraries()
    try:
        import torch
        from diffusers import AutoPipelineForInpainting, AutoPipelineForText2Image
    except Exception as error:
        raise _unavailable(
            kind, model, f"diffusers cannot be imported: {error}"
        ) from error

    device, dtype = _device_and_dtype(torch)
    pipeline_class = (
        AutoPipelineForText2Image if kind == "text2image" else AutoPipelineForInpainting
    )
    started = time.perf_counter()
    try:
        pipe = pipeline_class.from_pretrained(
            str(folder or model),
            dtype=dtype,
            local_files_only=folder is not None or _hub_offline(),
        )
        pipe = pipe.to(device)
        pipe.set_progress_bar_config(disable=True)
    except Exception as error:
        logger.debug("Loading %s model %s failed", kind, model, exc_info=True)
        raise _unavailable(kind, model, _short_reason(error)) from error

    sampling = sampling_for(model, pipe.scheduler)
    logger.info(
        "Loaded %s model %s on %s (%s) in %.1f s: %d steps, guidance %.1f",
        kind,
        model,
        device,
        str(dtype).removeprefix("torch."),
        time.perf_counter() - started,
        sampling.steps,
        sampling.guidance,
    )
    return _Loaded(model=model, pipe=pipe, device=device, sampling=sampling)


def _device_and_dtype(torch: Any) -> tuple[str, Any]:
    if torch.cuda.is_available():
        return "cuda", torch.float16
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps", torch.float32
    return "cpu", torch.float32


def sampling_for(model: str, scheduler: Any) -> Sampling:
    """Steps and guidance for a model, from its name and its scheduler."""
    name = model.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1].lower()
    config: Mapping[str, Any] = getattr(scheduler, "config", {}) or {}
    turbo = (
        any(hint in name for hint in TURBO_NAME_HINTS)
        or type(scheduler).__name__ == "LCMScheduler"
        or config.get("timestep_spacing") == "trailing"
    )
    if turbo:
        return Sampling(steps=TURBO_STEPS, guidance=TURBO_GUIDANCE)
    return Sampling(steps=FULL_STEPS, guidance=FULL_GUIDANCE)


def _local_folder(model: str) -> Path | None:
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    in_models = settings().models_dir / model
    if not path.is_absolute() and in_models.is_dir():
        return in_models
    return None


def _looks_like_path(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or "\\" in model or model.count("/") > 1


def _hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in _HUB_TRUE


def _in_hub_cache(model: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(model, "model_index.json")
    except Exception:
        return False
    return isinstance(found, str)


def _unavailable(kind: str, model: str, reason: str) -> GenerationUnavailable:
    return GenerationUnavailable(
        "장면 생성 모델을 불러오지 못했습니다.",
        "The scene generator could not be loaded.",
        kind=kind,
        model=model,
        reason=reason,
    )


def _short_reason(error: BaseException, limit: int = 200) -> str:
    """The error's kind and the first line of its message, for one log line."""
    lines = str(error).strip().splitlines()
    first = lines[0] if lines else ""
    if len(first) > limit:
        first = first[: limit - 3] + "..."
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def _copy(error: GenerationUnavailable) -> GenerationUnavailable:
    return GenerationUnavailable(error.message_ko, error.message_en, **error.context)


# Running --------------------------------------------------------------------


def _call_pipeline(
    loaded: _Loaded,
    prompts: _Prompts,
    *,
    seed: int,
    on_step: Callable[[int, int], None] | None,
    should_stop: Callable[[], bool] | None,
    **inputs: Any,
) -> Image.Image:
    import torch

    # MPS has no seeded generator of its own; a CPU one keeps runs repeatable.
    generator_device = "cpu" if loaded.device == "mps" else loaded.device
    generator = torch.Generator(device=generator_device).manual_seed(seed)
    steps = loaded.sampling.steps

    def step_ended(
        pipe: Any, index: int, _timestep: Any, tensors: dict[str, Any]
    ) -> dict[str, Any]:
        total = getattr(pipe, "num_timesteps", None) or steps
        if on_step is not None:
            on_step(index + 1, total)
        if should_stop is not None and should_stop():
            raise _Stopped
        return tensors

    _stop_if_asked(should_stop)
    try:
        output = loaded.pipe(
            prompt=prompts.prompt,
            negative_prompt=prompts.negative_prompt,
            num_inference_steps=steps,
            guidance_scale=loaded.sampling.guidance,
            generator=generator,
            callback_on_step_end=step_ended,
            **inputs,
        )
    except _Stopped:
        raise _cancelled() from None
    except LiteError:
        raise
    except Exception as error:
        reason = _short_reason(error)
        logger.warning("Generation with %s failed: %s", loaded.model, reason)
        logger.debug("Generation with %s failed", loaded.model, exc_info=True)
        if loaded.device == "cuda":
            torch.cuda.empty_cache()  # an out-of-memory step leaves blocks behind
        raise GenerationUnavailable(
            "장면을 생성하지 못했습니다. 메모리가 부족하거나 모델이 응답하지 않습니다.",
            "The scene could not be generated: memory ran out or the model failed.",
            model=loaded.model,
            reason=reason,
        ) from error
    return output.images[0].convert("RGB")


def _stop_if_asked(should_stop: Callable[[], bool] | None) -> None:
    if should_stop is not None and should_stop():
        raise _cancelled()


def _cancelled() -> GenerationCancelled:
    return GenerationCancelled(
        "장면 생성을 취소했습니다.", "The scene generation was cancelled."
    )


def _scene(
    image: Image.Image, prompts: _Prompts, loaded: _Loaded, seconds: float
) -> GeneratedScene:
    return GeneratedScene(
        image=image,
        prompt=prompts.prompt,
        negative_prompt=prompts.negative_prompt,
        truncated=prompts.truncated,
        model=loaded.model,
        device=loaded.device,
        steps=loaded.sampling.steps,
        seconds=seconds,
    )


# Prompts --------------------------------------------------------------------


def _check_prompt(prompt_en: str) -> None:
    if not prompt_en or not prompt_en.strip():
        raise LookInvalid(
            "만들고 싶은 장면을 글로 적어 주세요.",
            "Describe the scene you want in a few words.",
        )


def _prepare_prompts(
    pipe: Any, prompt_en: str, suffix: str, negative_prompt: str | None
) -> _Prompts:
    tokenizer = getattr(pipe, "tokenizer", None)
    words = " ".join(prompt_en.split())
    negative = " ".join((negative_prompt or DEFAULT_NEGATIVE_PROMPT).split())

    kept = _fit_tokens(tokenizer, words, f", {suffix}")
    if not kept:
        # Even the suffix alone is too long for this text encoder.
        suffix = ""
        kept = _fit_tokens(tokenizer, words, "")
    truncated = kept != words
    if truncated:
        logger.warning(
            "Scene prompt cut to the text encoder's limit: kept %d of %d characters",
            len(kept),
            len(words),
        )

    kept_negative = _fit_tokens(tokenizer, negative, "")
    if kept_negative != negative:
        logger.warning("Negative prompt cut to the text encoder's limit")

    prompt = f"{kept}, {suffix}" if suffix else kept
    return _Prompts(prompt=prompt, negative_prompt=kept_negative, truncated=truncated)


def _fit_tokens(tokenizer: Any, text: str, tail: str) -> str:
    """The longest start of ``text`` (whole words where possible) that fits."""
    limit = _token_limit(tokenizer)
    if limit is None:
        return text

    def fits(candidate: str) -> bool:
        ids = tokenizer(candidate + tail, verbose=False).input_ids
        return len(ids) <= limit

    if fits(text):
        return text
    words = text.split(" ")
    count = _longest(len(words), lambda n: fits(" ".join(words[:n])))
    if count > 0:
        return " ".join(words[:count])
    # A single overlong word (no spaces): cut it by characters.
    first = words[0]
    return first[: _longest(len(first), lambda n: fits(first[:n]))]


def _token_limit(tokenizer: Any) -> int | None:
    limit = getattr(tokenizer, "model_max_length", None)
    if tokenizer is None or not isinstance(limit, int) or limit > _UNLIMITED_TOKENS:
        return None
    return limit


def _longest(upper: int, fits: Callable[[int], bool]) -> int:
    """The largest n in 0..upper with fits(n), for fits true up to some n."""
    low, high = 0, upper
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


# Images ---------------------------------------------------------------------


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    width, height = (int(side) for side in size)
    if width < 1 or height < 1:
        raise ValueError(f"size must be positive, got {size!r}")
    return width, height


def _check_canvas(canvas: Image.Image, product_mask: Image.Image, grow_px: int) -> None:
    if canvas.size != product_mask.size:
        raise ValueError(
            f"product_mask must match the canvas size {canvas.size}, "
            f"got {product_mask.size}"
        )
    if not 0 <= grow_px <= MAX_GROW_PX:
        raise ValueError(f"grow_px must be within 0..{MAX_GROW_PX}, got {grow_px}")


def _pipeline_size(width: int, height: int) -> tuple[int, int]:
    """The size the pipeline runs at: within MAX_SIDE, multiples of 8."""
    scale = min(1.0, MAX_SIDE / max(width, height))

    def side(value: int) -> int:
        return max(MIN_SIDE, round(value * scale / 8) * 8)

    return side(width), side(height)


def _to_size(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS)


def _paint_mask(product_mask: Image.Image, grow_px: int) -> Image.Image:
    """255 where the model paints: all but the opaque product, grown into it."""
    paint = product_mask.point(lambda value: 0 if value == 255 else 255)
    for _ in range(grow_px):
        paint = paint.filter(ImageFilter.MaxFilter(3))
    return paint
