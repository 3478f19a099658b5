"""The command line: edit, cutout, batch, scenes, fetch-weights and more.

Feature modules add their own subcommands through ``register(subparsers)``;
see :data:`COMMAND_MODULES`. Exit codes: 0 ok, 1 an input failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from lite_app.config import SettingInvalid, log_level, settings
from lite_app.errors import LiteError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2

# Modules that add subcommands; each has register(subparsers).
COMMAND_MODULES: list[str] = [
    "lite_app.edit_cli",
    "lite_app.admin_cli",
    "lite_app.words.cli",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m lite_app",
        description="Sporky Lite: product photos ready for online marketplaces.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def configure_logging(verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else log_level("WARNING")
    logging.basicConfig(
        level=level,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def check_settings() -> None:
    """Read every setting once, so a bad one stops a command before it starts."""
    try:
        settings()
    except LiteError:
        raise  # already says, in Korean and English, which setting and why
    except ValueError as error:
        raise SettingInvalid(
            f"환경 변수 설정이 잘못되었습니다 ({error}). 고친 뒤 다시 실행해 주세요.",
            f"A setting in the environment is not valid: {error}. "
            "Fix it and run again.",
        ) from error


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    try:
        configure_logging(args.verbose)
        check_settings()
    except LiteError as error:  # a setting that cannot be used
        print(error.user_message(), file=sys.stderr)
        return EXIT_USAGE
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except LiteError as error:
        print(error.user_message(), file=sys.stderr)
        return EXIT_INPUT_FAILED
    except KeyboardInterrupt:
        return 130
