"""Command-line doors to the editor: edit, cutout, batch, scenes, fetch-weights.

``edit`` and ``batch`` take ``--recipe ID|FILE``: the look of a saved recipe or
of a recipe file, with any option given beside it changing that field. None of
these imports gradio, torch or diffusers.
"""

from __future__ import annotations

import argparse
import errno
import io
import logging
import os
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from lite_app.errors import ExportFailed, LiteError, LookInvalid
from lite_app.look import Look

if TYPE_CHECKING:
    from lite_app.export import Target

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2
PHOTO_SUFFIXES = {
    ".jpg",
    ".jpeg",
    ".png",
    ".webp",
    ".bmp",
    ".gif",
    ".tif",
    ".tiff",
    ".mpo",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    edit = subparsers.add_parser("edit", help="one photo to a marketplace image")
    edit.add_argument("photo", type=Path)
    _add_look_options(edit)
    edit.add_argument(
        "-o", "--output", type=_output_name, help="file or folder to write"
    )
    edit.set_defaults(func=run_edit)

    cutout = subparsers.add_parser(
        "cutout", help="the product on transparency, the size of the photo"
    )
    cutout.add_argument("photo", type=Path)
    cutout.add_argument("-o", "--output", type=_output_name, required=True)
    cutout.add_argument(
        "--box", type=_box, help="x0,y0,x1,y1: a box around the product"
    )
    cutout.add_argument(
        "--crop",
        action="store_true",
        help="crop to the product with a small margin, as the web page's cutout",
    )
    cutout.set_defaults(func=run_cutout)

    batch = subparsers.add_parser("batch", help="a whole folder of photos")
    batch.add_argument("input_dir", type=Path)
    batch.add_argument("output_dir", type=Path)
    _add_look_options(batch)
    batch.set_defaults(func=run_batch)

    scenes = subparsers.add_parser("scenes", help="list scene ids and names")
    scenes.set_defaults(func=run_scenes)

    fetch = subparsers.add_parser("fetch-weights", help="download model weights")
    fetch.set_defaults(func=run_fetch_weights)


def _add_look_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--recipe",
        metavar="ID|FILE",
        help="start from a saved recipe or a recipe file; other options change it",
    )
    parser.add_argument("--scene", help="scene id (see `scenes`)")
    parser.add_argument("--target", help="marketplace name or WIDTHxHEIGHT")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--scale", type=float, help="product size, 0.05-1")
    parser.add_argument("--shadow", type=float, help="shadow strength, 0-1")
    parser.add_argument("--prompt", help="describe the scene in Korean or English")
    parser.add_argument(
        "--generate",
        nargs="?",
        const="backdrop",
        choices=["backdrop", "around"],
        help="paint the --prompt scene with the generator (default: backdrop)",
    )
    parser.add_argument("--new-cutout", action="store_true", default=None)
    parser.add_argument(
        "--box",
        type=_box,
        help="x0,y0,x1,y1: a box around the product, in photo pixels",
    )


def look_from_args(args: argparse.Namespace) -> Look:
    """Build the look from options; anything not given keeps the recipe's value.

    Without ``--recipe`` the defaults are the starting point. ``--scene``
    drops the recipe's words and generation (they would otherwise choose the
    scene), and its scene options too when the scene changes.
    """
    base = _recipe_look(args.recipe) if args.recipe else Look()
    if args.scene is not None:
        params = base.scene_params if args.scene == base.scene else {}
        base = base.with_changes(scene_params=params, prompt="", generate="")
    changes = {
        "scene": args.scene,
        "target": args.target,
        "seed": args.seed,
        "scale": args.scale,
        "shadow": args.shadow,
        "prompt": args.prompt,
        "generate": args.generate,
        "new_cutout": args.new_cutout,
        "box": getattr(args, "box", None),
    }
    return base.with_changes(**{k: v for k, v in changes.items() if v is not None})


def _recipe_look(reference: str) -> Look:
    """A saved recipe's look by id, or a recipe file's; a missing file is named."""
    from lite_app.recipes import RecipeNotFound, look_from_reference

    path = Path(reference)
    if not path.is_file() and (path.suffix.lower() == ".json" or len(path.parts) > 1):
        raise RecipeNotFound(
            f"레시피 파일이 없습니다: {reference}",
            f"There is no recipe file {reference}",
        )
    return look_from_reference(reference)


def _box(text: str) -> list[int]:
    """``x0,y0,x1,y1`` as four whole numbers."""
    try:
        box = [int(part) for part in text.split(",")]
    except ValueError:
        box = []
    if len(box) != 4 or min(box) < 0 or box[2] <= box[0] or box[3] <= box[1]:
        raise argparse.ArgumentTypeError(
            "상자는 x0<x1, y0<y1 인 x0,y0,x1,y1 네 정수입니다 / "
            "a box is four whole numbers x0,y0,x1,y1 with x0<x1 and y0<y1"
        )
    return box


def _output_name(text: str) -> Path:
    """``-o``: a file or folder name, not empty and not only an ending."""
    path = Path(text)
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "저장할 파일 이름이 비어 있습니다. 파일 이름이나 폴더를 지정해 주세요 / "
            "the output name is empty; give a file name or a folder"
        )
    if text.endswith(("/", os.sep)):
        return _new_folder(path)
    if path.name.strip().lower() in PHOTO_SUFFIXES:
        ending = path.name.strip()
        raise argparse.ArgumentTypeError(
            f"{ending}은(는) 확장자뿐입니다. 앞에 이름을 붙여 주세요 "
            f"(예: result{ending}) / {ending} is only a file ending; "
            f"put a name before it (for example result{ending})"
        )
    return path


def _new_folder(path: Path) -> Path:
    """``-o sub/``: a folder, made if it is not there yet."""
    try:
        make_folder(path)
    except LiteError as error:
        message = f"{error.message_ko} / {error.message_en}"
        raise argparse.ArgumentTypeError(message) from None
    return path


def run_edit(args: argparse.Namespace) -> int:
    from lite_app.cutout import keep_model_memory_low
    from lite_app.editor import edit
    from lite_app.export import file_name, parse_target

    keep_model_memory_low()
    look = _look_or_exit(args)
    if look is None:
        return EXIT_USAGE
    target = parse_target(look.target)
    default_name = file_name(args.photo.name, target)
    asked = _output_path(args.output, default_name, args.photo.parent)
    if _output_refused(args.photo, asked, target.format):
        return EXIT_USAGE
    result = edit(args.photo, look, photo_name=args.photo.name, download_weights=True)
    output = matching_suffix(asked, result.format)
    write_output(output, result.data)
    _say_how_named(asked, output, result.format)
    for note in result.notes:
        print(f"{note.ko} / {note.en}", file=sys.stderr)
    print(output)
    return EXIT_OK


def run_cutout(args: argparse.Namespace) -> int:
    """The product on transparency, the size of the upright photo.

    The whole frame lines up with the photo in other editors. ``--crop``
    gives the web page's cutout instead: the product cropped with a margin,
    the same file as ``edit --target transparent``.
    """
    from lite_app.cutout import keep_model_memory_low

    keep_model_memory_low()
    if _output_refused(args.photo, args.output, "PNG"):
        return EXIT_USAGE
    output = matching_suffix(args.output, "PNG")
    if args.crop:
        data, notes = _cropped_cutout(args.photo, args.box)
    else:
        data, notes = _full_frame_cutout(args.photo, args.box)
    write_output(output, data)
    _say_how_named(args.output, output, "PNG")
    for ko, en in notes:
        print(f"{ko} / {en}", file=sys.stderr)
    print(output)
    return EXIT_OK


def _cropped_cutout(
    photo: Path, box: list[int] | None
) -> tuple[bytes, list[tuple[str, str]]]:
    """The web page's cutout: ``edit`` with the transparent target."""
    from lite_app.editor import edit

    look = Look(target="transparent", box=tuple(box) if box else None)
    result = edit(photo, look, photo_name=photo.name, download_weights=True)
    return result.data, [(note.ko, note.en) for note in result.notes]


def _full_frame_cutout(
    photo: Path, box: list[int] | None
) -> tuple[bytes, list[tuple[str, str]]]:
    from lite_app.cutout import cut_out
    from lite_app.intake import load_photo

    loaded = load_photo(photo)
    alpha = loaded.image.getchannel("A") if loaded.has_alpha else None
    cutout = cut_out(
        loaded.image, alpha=alpha, download=True, box=tuple(box) if box else None
    )
    buffer = io.BytesIO()
    cutout.rgba().save(buffer, "PNG")
    return buffer.getvalue(), list(cutout.warnings)


def _output_refused(photo: Path, asked: Path, image_format: str) -> bool:
    """True, with a message, when writing would replace a file nobody named.

    The file written is ``asked`` with its ending corrected for the format
    (see :func:`matching_suffix`): neither the photo itself nor, when the
    ending changes, another file already under the corrected name may be
    replaced. Naming an existing file exactly replaces it, as usual.
    """
    if asked.is_dir():
        return False
    output = matching_suffix(asked, image_format)
    if _would_replace_photo(photo, asked) or _would_replace_photo(photo, output):
        return True
    if output == asked or not output.exists() or _same_file(asked, output):
        return False
    print(
        f"결과는 {image_format} 파일이라 {output.name}(으)로 저장해야 하는데, "
        "그 이름의 파일이 이미 있어 아무것도 저장하지 않았습니다. "
        f"그 파일을 바꾸려면 -o {output.name} 로, 아니면 다른 이름을 지정해 주세요.\n"
        f"The result is a {image_format} file, so it would be saved as "
        f"{output.name}, but a file with that name is already there; nothing "
        f"was written. Give -o {output.name} to replace it, or another name.",
        file=sys.stderr,
    )
    return True


# The file name endings each written format answers to.
FORMAT_SUFFIXES = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}


def matching_suffix(output: Path, image_format: str) -> Path:
    """The output path with an ending that tells the truth about its format.

    A name ending in another image format's suffix (``out.jpg`` for a PNG) is
    given the right one: a file whose name claims the wrong format is refused
    or misread by some uploaders and viewers. A name without an image suffix
    is left as it was asked for.
    """
    suffixes = FORMAT_SUFFIXES.get(image_format, ())
    given = output.suffix.lower()
    if not suffixes or given in suffixes or given not in PHOTO_SUFFIXES:
        return output
    return output.with_suffix(suffixes[0])


def _say_how_named(asked: Path, written: Path, image_format: str) -> None:
    """One line on stderr when the file's name is not what it holds suggests."""
    endings = FORMAT_SUFFIXES.get(image_format, ())
    if written != asked:
        print(
            f"결과는 {image_format} 파일이라 {written.name}(으)로 저장했습니다 / "
            f"The result is a {image_format} file, so it was saved as {written.name}",
            file=sys.stderr,
        )
    elif endings and written.suffix.lower() not in endings:
        print(
            f"{written.name}은(는) {image_format} 이미지인데 이름이 {endings[0]}(으)로 "
            "끝나지 않아 일부 앱이나 마켓에서 열리지 않을 수 있습니다 / "
            f"{written.name} holds a {image_format} image but its name does not end "
            f"in {endings[0]}, so some apps and marketplaces may not open it",
            file=sys.stderr,
        )


def _would_replace_photo(photo: Path, output: Path | None) -> bool:
    """True, with a message, when the output file is the photo itself."""
    if output is None or output.is_dir() or not _same_file(photo, output):
        return False
    print(
        "결과를 원본 사진 위에 저장할 수 없습니다. 다른 파일 이름을 지정해 주세요.\n"
        "The result would replace the original photo. Give another file name.",
        file=sys.stderr,
    )
    return True


def _same_file(first: Path, second: Path) -> bool:
    try:
        if first.exists() and second.exists():
            return first.samefile(second)
        return first.resolve() == second.resolve()
    except OSError:
        return False


def run_batch(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from lite_app.editor import edit
    from lite_app.export import parse_target

    look = _look_or_exit(args)
    if look is None:
        return EXIT_USAGE
    if not args.input_dir.is_dir():
        print(f"폴더가 없습니다 / No such folder: {args.input_dir}", file=sys.stderr)
        return EXIT_USAGE
    if _same_file(args.input_dir, args.output_dir):
        print(
            "결과 폴더는 사진 폴더와 달라야 합니다. "
            "다른 폴더를 지정해 주세요 (예: 사진폴더/결과).\n"
            "The output folder must differ from the photo folder, so results "
            "are never read back as photos. Give another folder.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    photos = sorted(
        path
        for path in args.input_dir.iterdir()
        if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES
    )
    target = parse_target(look.target)
    names = output_names([path.name for path in photos], target)
    make_folder(args.output_dir)
    failed: list[tuple[Path, str]] = []
    # The bar shows in a terminal only; a log or a pipe gets no bar lines.
    bar = tqdm(photos, desc="photos", unit="photo", file=sys.stderr, disable=None)
    for path in bar:
        output = args.output_dir / names[path.name]
        try:
            result = edit(path, look, photo_name=path.name, download_weights=True)
            write_output(output, result.data)
        except LiteError as error:
            failed.append((path, error.user_message()))
            continue
        tqdm.write(str(output), file=sys.stdout)
    _report_shared_names(names, target)
    _report_batch(len(photos), failed)
    return EXIT_INPUT_FAILED if failed else EXIT_OK


def output_names(photo_names: list[str], target: Target) -> dict[str, str]:
    """One output name per photo, none shared, even on case-blind disks.

    A photo keeps the plain name (``a-smartstore.jpg``) unless another photo
    would get the same one; then its extension goes into the name
    (``a-jpg-smartstore.jpg``), and a number after that if still shared.
    Names depend only on the list, so a second run gives the same names.
    """
    from lite_app.export import file_name

    plain = {name: file_name(name, target) for name in photo_names}
    shared = Counter(output.casefold() for output in plain.values())
    names = {n: o for n, o in plain.items() if shared[o.casefold()] == 1}
    taken = {output.casefold() for output in names.values()}
    tail = f"-{target.name}.{target.extension}"
    for name in sorted(set(photo_names) - set(names)):
        stem, dot, suffix = name.rpartition(".")
        head = file_name(f"{stem}-{suffix}.{suffix}" if dot else name, target)
        head = head.removesuffix(tail)
        candidate, number = f"{head}{tail}", 2
        while candidate.casefold() in taken:
            candidate, number = f"{head}-{number}{tail}", number + 1
        names[name] = candidate
        taken.add(candidate.casefold())
    return names


def _report_shared_names(names: dict[str, str], target: Target) -> None:
    """Which photo each result came from, where names were shared."""
    from lite_app.export import file_name

    changed = {n: o for n, o in names.items() if o != file_name(n, target)}
    if not changed:
        return
    print(
        "이름이 겹치는 사진은 결과 이름에 확장자(와 번호)를 붙였습니다 / "
        "Photos whose names were shared got their ending (and a number) in the "
        "result's name:",
        file=sys.stderr,
    )
    for photo_name, output in sorted(changed.items()):
        print(f"- {photo_name} -> {output}", file=sys.stderr)


def _report_batch(total: int, failed: list[tuple[Path, str]]) -> None:
    print(f"{total - len(failed)}/{total} done", file=sys.stderr)
    if failed:
        print(f"실패 {len(failed)}건 / {len(failed)} failed:", file=sys.stderr)
        for path, message in failed:
            print(f"- {path.name}: {message.replace(chr(10), ' / ')}", file=sys.stderr)


def run_scenes(args: argparse.Namespace) -> int:
    from lite_app.scenes.presets import list_presets

    for preset in list_presets():
        print(f"{preset.id}\t{preset.name_ko}\t{preset.name_en}")
    return EXIT_OK


def run_fetch_weights(args: argparse.Namespace) -> int:
    from lite_app.weights import ensure_weights

    print(ensure_weights(download=True))
    return EXIT_OK


def _look_or_exit(args: argparse.Namespace) -> Look | None:
    from lite_app.editor import check_look
    from lite_app.recipes import RecipeInvalid, RecipeNotFound

    try:
        look = look_from_args(_readable_prompt(args))
        check_look(look)
        return look
    except (LookInvalid, RecipeInvalid, RecipeNotFound) as error:
        print(error.user_message(), file=sys.stderr)
        return None


def _readable_prompt(args: argparse.Namespace) -> argparse.Namespace:
    """The options with ``--prompt`` cut to what the words module reads.

    A look holds at most that much, so a longer prompt is cut here, with the
    words module's note on stderr, instead of refusing the whole edit.
    """
    if not getattr(args, "prompt", None):
        return args
    from lite_app.words.bounds import bound_text

    bounded = bound_text(args.prompt.strip())
    if not bounded.cut:
        return args
    print(f"{bounded.note_ko} / {bounded.note_en}", file=sys.stderr)
    return argparse.Namespace(**{**vars(args), "prompt": bounded.text})


def _output_path(output: Path | None, filename: str, default_dir: Path) -> Path:
    if output is None:
        return default_dir / filename
    if output.is_dir():
        return output / filename
    return output


# Why a file could not be written, in words a seller can act on.
_DISK_FULL = ("저장 공간이 가득 찼습니다.", "The disk is full.")
_FILE_IN_PATH = (
    "경로의 일부가 폴더가 아니라 파일입니다.",
    "Part of the path is a file, not a folder.",
)
_NO_PERMISSION = ("그 위치에 쓸 권한이 없습니다.", "No permission to write there.")
_WRITE_REASONS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: _DISK_FULL,
    errno.EDQUOT: _DISK_FULL,
    errno.ENOTDIR: _FILE_IN_PATH,
    errno.EEXIST: _FILE_IN_PATH,
    errno.EISDIR: ("그 이름의 폴더가 이미 있습니다.", "A folder has that name."),
    errno.EACCES: _NO_PERMISSION,
    errno.EPERM: _NO_PERMISSION,
    errno.EROFS: ("읽기 전용 위치입니다.", "That place is read-only."),
    errno.ENOENT: ("그 위치에 만들 수 없습니다.", "Nothing can be created there."),
}


def write_output(path: Path, data: bytes) -> None:
    """Write a file the person asked for, making its folder; plain words if not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    except OSError as error:
        raise _not_saved(path, error) from error


def make_folder(folder: Path) -> None:
    """Make the folder an output goes into; plain words if it cannot be made."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise _not_saved(folder, error) from error


def _not_saved(path: Path, error: OSError) -> ExportFailed:
    reason_ko, reason_en = _WRITE_REASONS.get(
        error.errno or 0, ("파일을 쓸 수 없습니다.", "The file cannot be written.")
    )
    return ExportFailed(
        f"파일을 저장하지 못했습니다 ({path}). {reason_ko}",
        f"Could not save the file ({path}). {reason_en}",
        errno=error.errno,
    )
