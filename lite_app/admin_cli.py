"""Operator commands: recipes, plans, paid images, promo codes and the usage report.

The marketplace takes the money; these commands record what it sold::

    python -m lite_app plan grant VISITOR --months 1
    python -m lite_app credits add VISITOR 100
    python -m lite_app promo create --images 30 --max-uses 100 --expires 2025-12-31
    python -m lite_app usage report --month 2025-07 --csv
    python -m lite_app recipe list|show ID|export ID [-o FILE]|import FILE

VISITOR is a visitor id (or the whole token from the visitor's browser), or
``hf:<name>`` for a Hugging Face user.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from lite_app import credits, recipes
from lite_app.cli import EXIT_OK, EXIT_USAGE
from lite_app.visitors import HF_PREFIX, VisitorRefused, visitor_id_from

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    _register_recipe(subparsers)
    _register_plan(subparsers)
    _register_credits(subparsers)
    _register_promo(subparsers)
    _register_usage(subparsers)


# --- argument types ----------------------------------------------------------


def _whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low} to {high:,}, got {value}")
        return value

    return parse


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a date like 2025-12-31: {text!r}"
        ) from None


def _month(text: str) -> str:
    try:
        credits.month_bounds(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


# --- recipe --------------------------------------------------------------------


def _register_recipe(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("recipe", help="list, show, export, import recipes")
    actions = parser.add_subparsers(dest="recipe_action", metavar="ACTION")
    actions.required = True

    listing = actions.add_parser("list", help="list recipes, newest first")
    listing.add_argument("--public", action="store_true", help="gallery order")
    listing.add_argument("--limit", type=_whole(1, 10_000), default=100)
    listing.set_defaults(func=recipe_list)

    show = actions.add_parser("show", help="show one recipe and its look")
    show.add_argument("recipe_id", metavar="ID")
    show.set_defaults(func=recipe_show)

    export = actions.add_parser("export", help="write a recipe file (JSON)")
    export.add_argument("recipe_id", metavar="ID")
    export.add_argument("-o", "--output", type=Path, help="file (default: stdout)")
    export.set_defaults(func=recipe_export)

    load = actions.add_parser("import", help="save a recipe file as a new recipe")
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument(
        "--name", help="name of the new recipe (default: the file's, else its stem)"
    )
    load.add_argument("--public", action="store_true", help="show in the gallery")
    load.set_defaults(func=recipe_import)


def recipe_list(args: argparse.Namespace) -> int:
    if args.public:
        found = recipes.gallery(limit=min(args.limit, 200))
    else:
        found = recipes.all_recipes(limit=args.limit)
    for recipe in found:
        shown = "public" if recipe.public else "link"
        print(f"{recipe.id}\t{recipe.uses}\t{shown}\t{recipe.name}")
    return EXIT_OK


def recipe_show(args: argparse.Namespace) -> int:
    recipe = recipes.get(args.recipe_id)
    print(f"id: {recipe.id}")
    print(f"name: {recipe.name}")
    print(f"parent: {recipe.parent_id or '-'}")
    print(f"public: {'yes' if recipe.public else 'no'}")
    print(f"uses: {recipe.uses}")
    print(f"created: {recipe.created_at.isoformat(timespec='seconds')}")
    print(f"link: {recipes.share_link(recipe.id)}")
    print("look:")
    print(recipe.look.to_json())
    return EXIT_OK


def recipe_export(args: argparse.Namespace) -> int:
    text = recipes.export_json(args.recipe_id)
    if args.output is None:
        sys.stdout.write(text)
        return EXIT_OK
    from lite_app.edit_cli import write_output

    write_output(args.output, text.encode("utf-8"))
    print(f"wrote {args.output}", file=sys.stderr)
    return EXIT_OK


def recipe_import(args: argparse.Namespace) -> int:
    try:
        text = args.file.read_bytes()
    except OSError as error:
        raise recipes.RecipeInvalid(
            "레시피 파일을 읽을 수 없습니다.",
            "The recipe file cannot be read.",
            reason=error.strerror,
        ) from error
    name, look = recipes.read_file(text, args.file.stem or "recipe")
    if args.name is not None:
        name = args.name
    recipe = recipes.save(recipes.OPERATOR, name, look, public=args.public)
    print(recipe.id)
    print(recipes.share_link(recipe.id))
    return EXIT_OK


# --- plan and credits ------------------------------------------------------------


def _register_plan(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plan", help="record monthly plans")
    actions = parser.add_subparsers(dest="plan_action", metavar="ACTION")
    actions.required = True
    grant = actions.add_parser("grant", help="grant 30-day plan allowances")
    grant.add_argument("visitor", metavar="VISITOR")
    grant.add_argument("--months", type=_whole(1, 36), required=True)
    grant.set_defaults(func=plan_grant)


def _register_credits(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("credits", help="record paid images, see balances")
    actions = parser.add_subparsers(dest="credits_action", metavar="ACTION")
    actions.required = True
    add = actions.add_parser("add", help="add paid images (15 KRW each)")
    add.add_argument("visitor", metavar="VISITOR")
    add.add_argument("images", type=_whole(1, credits.MAX_GRANT_IMAGES), metavar="N")
    add.add_argument(
        "--krw", type=_whole(0, 10**12), help="amount paid, if not 15/image"
    )
    add.set_defaults(func=credits_add)
    show = actions.add_parser("show", help="a visitor's images left")
    show.add_argument("visitor", metavar="VISITOR")
    show.set_defaults(func=credits_show)


def plan_grant(args: argparse.Namespace) -> int:
    visitor_id = _known_visitor(args.visitor)
    _print_balance(credits.grant_plan(visitor_id, args.months))
    return EXIT_OK


def credits_add(args: argparse.Namespace) -> int:
    visitor_id = _known_visitor(args.visitor)
    _print_balance(credits.add_paid_images(visitor_id, args.images, krw=args.krw))
    return EXIT_OK


def credits_show(args: argparse.Namespace) -> int:
    _print_balance(credits.balance(_known_visitor(args.visitor)))
    return EXIT_OK


def _known_visitor(text: str) -> str:
    """A visitor the app has seen; Hugging Face users may be granted in advance."""
    try:
        visitor_id = visitor_id_from(text)
    except VisitorRefused as error:
        raise VisitorRefused(
            "방문자 ID나 토큰이 올바르지 않습니다. 다시 확인해 주세요.",
            "That is not a valid visitor id or token. Please check it.",
            detail="malformed visitor",
        ) from error
    if visitor_id.startswith(HF_PREFIX) or credits.visitor_known(visitor_id):
        return visitor_id
    raise VisitorRefused(
        "이 방문자는 아직 앱을 연 적이 없습니다. ID를 다시 확인해 주세요.",
        "This visitor has not opened the app yet. Please check the id.",
        detail="unknown visitor",
    )


def _print_balance(current: credits.Balance) -> None:
    until = "-"
    if current.plan_until is not None:
        until = current.plan_until.astimezone(credits.KST).isoformat(timespec="minutes")
    print(f"visitor: {current.visitor_id}")
    print(f"images left: {current.images_left}")
    print(f"plan: {current.plan_images_left} until {until}")
    print(f"plan periods after this one: {current.plan_periods_ahead}")
    print(f"paid: {current.paid_images}")
    print(f"free: {current.free_images}")


# --- promo and usage ---------------------------------------------------------------


def _register_promo(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("promo", help="promo codes and links")
    actions = parser.add_subparsers(dest="promo_action", metavar="ACTION")
    actions.required = True
    create = actions.add_parser("create", help="make a new random promo code")
    create.add_argument("--images", type=_whole(1, 100_000), required=True)
    create.add_argument("--max-uses", type=_whole(1, 10_000_000), required=True)
    create.add_argument("--expires", type=_day, required=True, metavar="YYYY-MM-DD")
    create.add_argument("--starts", type=_day, metavar="YYYY-MM-DD")
    create.add_argument("--base-url", default="", help="site address for the link")
    create.set_defaults(func=promo_create)


def promo_create(args: argparse.Namespace) -> int:
    first_day = args.starts or datetime.now(credits.KST).date()
    if args.expires < first_day:
        print(
            "promo create: 코드가 시작하기 전에 끝납니다: "
            f"--expires {args.expires}은(는) {first_day}보다 앞입니다. / "
            "The code would end before it starts: "
            f"--expires {args.expires} is before {first_day}.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        promo = credits.create_promo(
            args.images, args.max_uses, args.expires, starts=args.starts
        )
    except ValueError as error:
        print(f"promo create: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(promo.code)
    print(credits.promo_link(promo.code, args.base_url))
    return EXIT_OK


def _register_usage(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("usage", help="usage reports from the ledger")
    actions = parser.add_subparsers(dest="usage_action", metavar="ACTION")
    actions.required = True
    report = actions.add_parser("report", help="a month per visitor and pool")
    report.add_argument("--month", type=_month, required=True, metavar="YYYY-MM")
    report.add_argument("--csv", action="store_true", help="CSV instead of a table")
    report.set_defaults(func=usage_report)


def usage_report(args: argparse.Namespace) -> int:
    lines = credits.usage_report(args.month)
    sys.stdout.write(credits.format_report(lines, as_csv=args.csv))
    return EXIT_OK
