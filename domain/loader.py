"""Read screenplay files from disk: pick the parser, decode the text, and turn bad input into clear errors.

This is the one place in ``domain`` that touches the file system, and only to read. Formats:

    .fountain, .spmd          Fountain
    .fdx                      Final Draft XML
    .txt                      Fountain if it has Fountain scene headings (at the start of a line), unless it is laid
                              out with indented character cues, as a text export is; then plain text
    anything else             sniffed: FDX if it is Final Draft XML, else as for .txt (an FDX saved as .txt is
                              read as FDX too)

A folder means every script in it, in natural order (``ep2`` before ``ep10``); ``.txt`` files count only when the
folder has no ``.fountain``/``.spmd``/``.fdx`` files, so a README.txt beside the episodes is left alone.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from pathlib import Path

from domain.errors import ScriptError
from domain.fdx import parse_fdx
from domain.fountain import parse_fountain
from domain.plaintext import parse_plaintext
from domain.screenplay import ElementType, ParsedScript, Screenplay
from domain.structure import structure

__all__ = ["SCRIPT_SUFFIXES", "load_script", "read_parsed"]

SCRIPT_SUFFIXES = (".fountain", ".spmd", ".fdx", ".txt")
_MARKUP_SUFFIXES = (".fountain", ".spmd", ".fdx")

_FOUNTAIN_HEADING = re.compile(
    r"^(?:(?:INT\.?/EXT|EXT\.?/INT|INT|EXT|EST|I/E|E/I)[. ]|\.[^\W_])", re.IGNORECASE | re.MULTILINE
)
_INDENTED_HEADING = re.compile(r"^[ \t]+(?:\d+[A-Z]?\.?\s+)?(?:INT|EXT|EST|I/E)[. /]", re.IGNORECASE | re.MULTILINE)
_INDENTED_CUE = re.compile(r"^( {15,}|\t{3,})[A-Z][A-Z0-9 .'’\-]{0,30}(?: ?\([^)\n]*\))*[ \t]*\n[ \t]+\S", re.MULTILINE)
_FLUSH_CUE = re.compile(r"^[A-Z][A-Z0-9 .'’\-]{0,30}(?: ?\([^)\n]*\))*[ \t]*\n\S", re.MULTILINE)

_EMPTY = "the file is empty. Write the script first, or point reelcrew at the right file"

# Signatures of files people pick by mistake, with what to do instead.
_NOT_A_SCRIPT = {
    b"%PDF": "this is a PDF. Export the script from your writing app as Fountain (.fountain) or Final Draft "
    "(.fdx); for a PDF you only have, `pdftotext -layout script.pdf script.txt` gives a usable .txt",
    b"PK\x03\x04": "this is a zip archive (a Word .docx, a Highland or Fade In file, ...). Export the script as "
    "Fountain (.fountain) or Final Draft (.fdx)",
    b"{\\rtf": "this is an RTF document. Save it as plain text (.txt) or export it as Fountain or Final Draft",
}


def _natural_key(path: Path) -> list[object]:
    """``ep2`` sorts before ``ep10``: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def _expand(paths: Path | str | Sequence[Path | str]) -> list[Path]:
    items = [paths] if isinstance(paths, Path | str) else list(paths)
    if not items:
        raise ScriptError(None, "no script given: pass a .fountain, .fdx or .txt file, or a folder of them")
    files: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            files += _scripts_in(item)
        elif item.exists():
            files.append(item)
        else:
            raise ScriptError(item, "no such file or folder. Check the path (it is relative to where you run reelcrew)")
    unique: list[Path] = []
    for file in files:
        if file.resolve() not in {seen.resolve() for seen in unique}:
            unique.append(file)
    return unique


def _scripts_in(folder: Path) -> list[Path]:
    candidates = [p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")]
    scripts = [p for p in candidates if p.suffix.lower() in _MARKUP_SUFFIXES]
    if not scripts:
        scripts = [p for p in candidates if p.suffix.lower() == ".txt"]
    if not scripts:
        raise ScriptError(
            folder,
            "this folder holds no scripts (looked for *.fountain, *.spmd, *.fdx and *.txt). "
            "Point reelcrew at a script file, or put the episode scripts in this folder.",
        )
    return sorted(scripts, key=_natural_key)


def _decode(data: bytes, path: Path) -> str:
    """UTF-8 (with or without BOM) or UTF-16 with a BOM; anything else gets a message saying how to convert it."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ScriptError(path, f"starts like UTF-16 text but is not valid UTF-16 ({error.reason})") from None
    if b"\x00" in data:
        raise ScriptError(
            path,
            "this is a binary file, not a script (it contains NUL bytes). If it is UTF-16 text without a byte-order "
            f"mark, convert it: iconv -f utf-16le -t utf-8 '{path}' > '{path.with_suffix('.utf8' + path.suffix)}'",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start : error.start + 1].hex()
        target = path.with_suffix(".utf8" + path.suffix)
        raise ScriptError(
            path,
            f"the file is not UTF-8 text (byte 0x{byte} on line {line}). It is probably in a legacy encoding such as "
            f"Windows-1252; convert it with: iconv -f cp1252 -t utf-8 '{path}' > '{target}'",
        ) from None


def _looks_laid_out(text: str) -> bool:
    """A text export: character cues indented a long way with dialogue under them, more of them than flush cues."""
    indented = len(_INDENTED_CUE.findall(text))
    return indented >= 2 and indented > len(_FLUSH_CUE.findall(text))


def _sniff(text: str) -> str:
    """'fountain', 'text' or 'unknown', for a file whose extension does not settle it."""
    has_headings = bool(_FOUNTAIN_HEADING.search(text))
    if has_headings and not _looks_laid_out(text):
        return "fountain"
    if has_headings or _INDENTED_HEADING.search(text):
        return "text"
    return "unknown"


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is plainly not a script: nothing there, a folder, empty, PDF, zip, RTF."""
    if not path.exists():
        raise ScriptError(path, "no such file. Check the path (it is relative to where you run reelcrew)")
    if path.is_dir():
        raise ScriptError(path, "this is a folder; use load_script() for a folder of episode scripts")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ScriptError(path, f"cannot read the file: {error.strerror or error}") from None
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise ScriptError(path, _EMPTY)
    for signature, advice in _NOT_A_SCRIPT.items():
        if data.startswith(signature):
            raise ScriptError(path, advice)
    return data


def _parse(data: bytes, path: Path) -> ParsedScript:
    """Pick the parser by extension, then by content."""
    suffix = path.suffix.lower()
    head = data[:4096].lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    is_fountain = suffix in (".fountain", ".spmd")
    if suffix == ".fdx" or (not is_fountain and head.startswith(b"<") and b"<FinalDraft" in head):
        return parse_fdx(data, str(path))
    text = _decode(data, path)
    if not text.strip():
        raise ScriptError(path, _EMPTY)
    kind = "fountain" if is_fountain else _sniff(text)
    if kind == "unknown" and suffix == ".txt":
        kind = "text"  # let the plain-text reader try; it fails below with the scene-heading advice
    if kind == "unknown":
        raise ScriptError(
            path,
            f"cannot tell what kind of script this is ('{path.suffix or 'no extension'}' is not a script extension "
            "and no scene headings such as 'INT. KITCHEN - NIGHT' were found). Save it as .fountain, .fdx or .txt.",
        )
    return parse_fountain(text, str(path)) if kind == "fountain" else parse_plaintext(text, str(path))


def read_parsed(path: Path | str) -> ParsedScript:
    """Read and parse one script file, choosing the parser by extension and content.

    Raises ``ScriptError`` naming the file for a missing file, a folder, an empty or binary file, text that is not
    UTF-8/UTF-16, malformed FDX, an unrecognised format, or a script without a single scene heading.
    """
    path = Path(path)
    parsed = _parse(_read_bytes(path), path)
    if not any(element.type is ElementType.SCENE_HEADING for element in parsed.elements):
        raise ScriptError(
            path,
            "no scene heading found, so there are no scenes to film. Start each scene with a heading line such as "
            "'INT. KITCHEN - NIGHT' or 'EXT. PIER - DAWN' after a blank line (in Fountain, force any line to be a "
            "heading with a leading '.', e.g. '.FLASHBACK').",
        )
    return parsed


def load_script(paths: Path | str | Sequence[Path | str]) -> Screenplay:
    """Load one script, several (one episode each, in the order given) or a folder of them, as one ``Screenplay``."""
    return structure([read_parsed(path) for path in _expand(paths)])
