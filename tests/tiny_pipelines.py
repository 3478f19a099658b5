"""Tiny random-weight diffusion pipelines saved to a folder, for tests and benches.

They have the real structure of Stable Diffusion (a UNet, a VAE, a CLIP text
encoder and tokenizer, a scheduler) at a size that runs 64x64 in a fraction
of a second on the CPU, and they load through the same loader the app uses.
The pictures they paint are noise; what they prove is the plumbing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TOKEN_LIMIT = 77
HIDDEN = 32

BASE_WORDS = (
    "a an the on in by at of with and for to from under over near",
    "red blue green white black wooden marble stone wet dry soft warm cool",
    "cup bottle perfume table desk rocks sea beach dawn sunset kitchen studio",
    "light shadow shadows leaves flowers water sand background scene",
)


@dataclass(frozen=True)
class TinyPipelines:
    text2image: Path  # turbo-class by its scheduler (trailing timestep spacing)
    inpaint: Path  # inpainting UNet (9 input channels), turbo-class likewise
    plain_text2image: Path  # same weights, a classic scheduler: a full-step model


def build_tiny_pipelines(root: Path, words: Iterable[str] = ()) -> TinyPipelines:
    """Build and save the three tiny pipelines under ``root``.

    ``words`` are whole words the tokenizer should know as single tokens (the
    app's prompt suffixes, say); any other word falls apart into characters.
    """
    import torch
    from diffusers import (
        AutoencoderKL,
        EulerDiscreteScheduler,
        StableDiffusionInpaintPipeline,
        StableDiffusionPipeline,
    )

    root.mkdir(parents=True, exist_ok=True)
    tokenizer = _tokenizer(root / "tokenizer-source", [*BASE_WORDS, *words])

    def parts(in_channels: int, spacing: str) -> dict:
        torch.manual_seed(0)
        return {
            "unet": _unet(in_channels),
            # Four blocks: latents are 1/8 of the image side, as in the real models.
            "vae": AutoencoderKL(
                block_out_channels=(8, 8, 16, 16),
                in_channels=3,
                out_channels=3,
                down_block_types=("DownEncoderBlock2D",) * 4,
                up_block_types=("UpDecoderBlock2D",) * 4,
                latent_channels=4,
                norm_num_groups=8,
                sample_size=64,
            ),
            "text_encoder": _text_encoder(len(tokenizer)),
            "tokenizer": tokenizer,
            "scheduler": EulerDiscreteScheduler(
                timestep_spacing=spacing, steps_offset=1
            ),
            "safety_checker": None,
            "feature_extractor": None,
            "requires_safety_checker": False,
        }

    pipelines = TinyPipelines(
        text2image=root / "tiny-text2image",
        inpaint=root / "tiny-inpaint",
        plain_text2image=root / "tiny-plain-text2image",
    )
    StableDiffusionPipeline(**parts(4, "trailing")).save_pretrained(
        pipelines.text2image
    )
    StableDiffusionInpaintPipeline(**parts(9, "trailing")).save_pretrained(
        pipelines.inpaint
    )
    StableDiffusionPipeline(**parts(4, "leading")).save_pretrained(
        pipelines.plain_text2image
    )
    return pipelines


def build_scene_pipelines(root: Path, prompt: str) -> TinyPipelines:
    """Tiny pipelines whose tokenizer knows the prompt and the app's own phrases."""
    from lite_app.scenes import generated

    words = [generated.BACKDROP_SUFFIX, generated.AROUND_SUFFIX, prompt]
    words.append(generated.DEFAULT_NEGATIVE_PROMPT)
    return build_tiny_pipelines(root, words)


def use_tiny_pipelines(monkeypatch, pipelines: TinyPipelines) -> None:
    """Point the app's scene settings at the tiny pipelines, offline."""
    monkeypatch.setenv("LITE_SCENE_MODEL", str(pipelines.text2image))
    monkeypatch.setenv("LITE_INPAINT_MODEL", str(pipelines.inpaint))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def _unet(in_channels: int):
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        block_out_channels=(16, 32),
        layers_per_block=1,
        sample_size=32,
        in_channels=in_channels,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=HIDDEN,
        attention_head_dim=4,
        norm_num_groups=8,
    )


def _text_encoder(vocab_size: int):
    from transformers import CLIPTextConfig, CLIPTextModel

    config = CLIPTextConfig(
        vocab_size=vocab_size,
        hidden_size=HIDDEN,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=TOKEN_LIMIT,
        bos_token_id=0,
        eos_token_id=1,
        pad_token_id=1,
    )
    return CLIPTextModel(config)


def _tokenizer(folder: Path, phrases: Iterable[str]):
    """A CLIP tokenizer from a hand-made vocabulary: bytes plus known words."""
    from transformers import CLIPTokenizer
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    symbols = list(bytes_to_unicode().values())
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for symbol in symbols + [f"{symbol}</w>" for symbol in symbols]:
        vocab[symbol] = len(vocab)

    merges: dict[str, None] = {}
    for word in sorted({w for phrase in phrases for w in _plain_words(phrase)}):
        pieces = [*word[:-1], f"{word[-1]}</w>"]
        merged = pieces[0]
        for piece in pieces[1:]:
            merges[f"{merged} {piece}"] = None
            merged += piece
            vocab.setdefault(merged, len(vocab))

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab), encoding="utf-8")
    (folder / "merges.txt").write_text(
        "#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8"
    )
    return CLIPTokenizer.from_pretrained(folder, model_max_length=TOKEN_LIMIT)


def _plain_words(phrase: str) -> list[str]:
    cleaned = "".join(c if c.isascii() and c.isalpha() else " " for c in phrase)
    return [word for word in cleaned.lower().split() if len(word) > 1]
