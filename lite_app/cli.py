"""The command line: edit, cutout, batch, scenes, fetch-weights and more.

Feature modules add their own subcommands through ``register(subparsers)``;
see :data:`COMMAND_MODULES`. Exit codes: 0 ok, 1 an input failed, 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

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
    level = "DEBUG" if verbose else os.environ.get("LITE_LOG_LEVEL", "WARNING")
    logging.basicConfig(
        level=level.upper(),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return EXIT_USAGE if exit_.code else EXIT_OK
    configure_logging(args.verbose)
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
