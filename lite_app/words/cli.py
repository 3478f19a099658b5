"""`python -m lite_app translate "TEXT"`: a prompt's English and its source."""

from __future__ import annotations

import argparse
import json
import logging
import sys

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_USAGE = 0, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="show a prompt in English and where the English came from",
        description=(
            "Translate a scene prompt to English with Papago when keys are set "
            "(PAPAGO_CLIENT_ID, PAPAGO_CLIENT_SECRET), else with the built-in "
            "dictionary. Prints the English, then its source."
        ),
    )
    parser.add_argument("text", help="the prompt, in Korean or English")
    parser.add_argument(
        "--scene",
        action="store_true",
        help="also show the rendered scene this prompt picks, and why",
    )
    parser.set_defaults(func=run_translate)


def run_translate(args: argparse.Namespace) -> int:
    from lite_app.words.mapping import scene_for
    from lite_app.words.translation import translate

    if not args.text.strip():
        print("번역할 글을 입력해 주세요. / Please give some text.", file=sys.stderr)
        return EXIT_USAGE
    translation = translate(args.text)
    print(translation.english)
    print(f"source: {translation.source}")
    print(f"note: {translation.note_ko} / {translation.note_en}")
    if translation.unknown_words:
        print(f"unknown: {', '.join(translation.unknown_words)}")
    if args.scene:
        match = scene_for(translation)
        params = json.dumps(match.params, sort_keys=True)
        print(f"scene: {match.scene} {params}")
        print(f"reason: {match.reason_ko} / {match.reason_en}")
    return EXIT_OK
