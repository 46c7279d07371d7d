"""Loading scripts from disk: parser choice, encodings, folders, several episodes, and every kind of bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from domain.errors import ScriptError
from domain.loader import load_script, read_parsed

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fountain"
BRICK = FIXTURES / "screenplain" / "examples" / "Brick-and-Steel"

SCENE = "INT. KITCHEN - NIGHT\n\nLin pours wine.\n\nLIN\nHe said nine.\n"
LAID_OUT = (
    "INT. KITCHEN - NIGHT\n\nLin pours wine.\n\n"
    "                      LIN\n          He said nine.\n\n"
    "                      MARCO (O.S.)\n          Sorry!\n"
)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def problem(path: Path | list[Path], reader: object = read_parsed) -> str:
    with pytest.raises(ScriptError) as caught:
        reader(path)  # type: ignore[operator]
    return str(caught.value)


# --- choosing the parser ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("ep.fountain", SCENE, "fountain"),
        ("ep.spmd", SCENE, "fountain"),
        ("ep.txt", SCENE, "fountain"),
        ("ep.txt", LAID_OUT, "text"),
        ("ep.txt", "    INT. KITCHEN - NIGHT\n\n    Lin pours wine.\n", "text"),
        ("ep.md", SCENE, "fountain"),
        ("ep", SCENE, "fountain"),
        ("ep.script", LAID_OUT, "text"),
    ],
)
def test_parser_is_chosen_by_extension_then_content(tmp_path: Path, name: str, content: str, expected: str) -> None:
    parsed = read_parsed(write(tmp_path / name, content))
    assert parsed.format == expected
    assert parsed.source == str(tmp_path / name)
    assert parsed.elements[0].text == "INT. KITCHEN - NIGHT"


def test_fdx_by_extension_and_by_content(tmp_path: Path) -> None:
    data = (BRICK.with_suffix(".fdx")).read_bytes()
    assert read_parsed(write(tmp_path / "bs.fdx", data)).format == "fdx"
    assert read_parsed(write(tmp_path / "bs.xml", data)).format == "fdx"
    assert read_parsed(write(tmp_path / "bs.txt", data)).format == "fdx"


def test_laid_out_text_export_reads_its_speeches(tmp_path: Path) -> None:
    parsed = read_parsed(write(tmp_path / "ep.txt", LAID_OUT))
    assert [(e.type.value, e.text, e.extension) for e in parsed.elements[2:]] == [
        ("character", "LIN", None),
        ("dialogue", "He said nine.", None),
        ("character", "MARCO", "O.S."),
        ("dialogue", "Sorry!", None),
    ]


# --- encodings ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        SCENE.replace("wine", "vin rosé").encode("utf-8"),
        b"\xef\xbb\xbf" + SCENE.replace("wine", "vin rosé").encode("utf-8"),
        SCENE.replace("wine", "vin rosé").encode("utf-16"),  # with its byte-order mark
        b"\xfe\xff" + SCENE.replace("wine", "vin rosé").encode("utf-16-be"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"],
)
def test_accepted_encodings(tmp_path: Path, encoded: bytes) -> None:
    parsed = read_parsed(write(tmp_path / "ep.fountain", encoded))
    assert parsed.elements[1].text == "Lin pours vin rosé."


def test_screenplain_bom_and_crlf_fixture(tmp_path: Path) -> None:
    parsed = read_parsed(FIXTURES / "screenplain" / "tests" / "files" / "utf-8-bom.fountain")
    assert parsed.elements[0].text == "EXT. SOMEWHERE - DAY"


def test_legacy_encoding_is_explained_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path / "ep.fountain", SCENE.replace("wine", "vin rosé").encode("cp1252"))
    message = problem(path)
    assert message.startswith(f"{path}: the file is not UTF-8 text (byte 0xe9 on line 3)")
    assert f"iconv -f cp1252 -t utf-8 '{path}' > '{tmp_path / 'ep.utf8.fountain'}'" in message


# --- bad input ----------------------------------------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert (
        problem(tmp_path / "nope.fountain")
        == f"{tmp_path / 'nope.fountain'}: no such file. Check the path (it is relative to where you run reelcrew)"
    )
    assert "no such file or folder" in problem([tmp_path / "gone"], load_script)


def test_folder_given_to_read_parsed(tmp_path: Path) -> None:
    assert "this is a folder" in problem(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\n  \n\t\n", b"\xef\xbb\xbf\n", "\n".encode("utf-16")])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = write(tmp_path / "ep.fountain", content)
    assert problem(path) == f"{path}: the file is empty. Write the script first, or point reelcrew at the right file"


def test_binary_file(tmp_path: Path) -> None:
    path = write(tmp_path / "ep.fountain", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "is a binary file, not a script (it contains NUL bytes)" in problem(path)


@pytest.mark.parametrize(
    ("content", "hint"),
    [(b"%PDF-1.7\n...", "this is a PDF"), (b"PK\x03\x04rest", "zip archive"), (b"{\\rtf1\\ansi", "RTF document")],
)
def test_files_picked_by_mistake_say_what_to_do(tmp_path: Path, content: bytes, hint: str) -> None:
    message = problem(write(tmp_path / "script.fountain", content))
    assert hint in message and ("Fountain" in message or "plain text" in message)


def test_script_without_a_scene_heading(tmp_path: Path) -> None:
    path = write(tmp_path / "ep.fountain", "Title: Draft\n\nLin waits.\n\nLIN\nWhere is he?\n")
    message = problem(path)
    assert message.startswith(f"{path}: no scene heading found")
    assert "INT. KITCHEN - NIGHT" in message


def test_malformed_fdx(tmp_path: Path) -> None:
    data = BRICK.with_suffix(".fdx").read_bytes()
    path = write(tmp_path / "bs.fdx", data[: len(data) // 2])
    assert problem(path).startswith(f"{path}: not valid Final Draft XML: ")


def test_unknown_format(tmp_path: Path) -> None:
    path = write(tmp_path / "notes.md", "# Ideas\n\nA story about a ring.\n")
    assert "cannot tell what kind of script this is ('.md' is not a script extension" in problem(path)


def test_txt_without_headings_gets_the_scene_heading_message(tmp_path: Path) -> None:
    path = write(tmp_path / "ideas.txt", "A story about a ring.\n")
    assert problem(path).startswith(f"{path}: no scene heading found")


# --- folders and several files ------------------------------------------------------------------------------------


def test_folder_is_read_in_natural_order_as_one_episode_per_file(tmp_path: Path) -> None:
    for number in (10, 2, 1):
        write(tmp_path / f"ep{number}.fountain", f"Title: Part {number}\n\nINT. ROOM {number} - DAY\n\nScene.\n")
    write(tmp_path / "README.txt", "Episodes of the show.\n")
    write(tmp_path / ".hidden.fountain", SCENE)
    screenplay = load_script(tmp_path)
    assert [Path(source).name for source in screenplay.sources] == ["ep1.fountain", "ep2.fountain", "ep10.fountain"]
    assert [(e.number, e.title, e.scenes[0].location_id) for e in screenplay.episodes] == [
        (1, "Part 1", "room-1"),
        (2, "Part 2", "room-2"),
        (3, "Part 10", "room-10"),
    ]


def test_folder_of_txt_exports(tmp_path: Path) -> None:
    write(tmp_path / "ep1.txt", LAID_OUT)
    write(tmp_path / "ep2.txt", SCENE)
    screenplay = load_script(tmp_path)
    assert [len(e.scenes) for e in screenplay.episodes] == [1, 1]


@pytest.mark.parametrize("files", [[], ["notes.md", "image.png"]])
def test_folder_without_scripts(tmp_path: Path, files: list[str]) -> None:
    for name in files:
        write(tmp_path / name, "x")
    assert problem(tmp_path, load_script) == (
        f"{tmp_path}: this folder holds no scripts (looked for *.fountain, *.spmd, *.fdx and *.txt). "
        "Point reelcrew at a script file, or put the episode scripts in this folder."
    )


def test_mixed_formats_in_the_order_given(tmp_path: Path) -> None:
    fountain = shutil.copy(BRICK.with_suffix(".fountain"), tmp_path / "a.fountain")
    fdx = shutil.copy(BRICK.with_suffix(".fdx"), tmp_path / "b.fdx")
    screenplay = load_script([Path(fdx), Path(fountain), Path(fdx)])  # the repeat is dropped
    assert [Path(source).name for source in screenplay.sources] == ["b.fdx", "a.fountain"]
    assert [len(e.scenes) for e in screenplay.episodes] == [8, 8]
    assert screenplay.title == "BRICK & STEEL FULL RETIRED"  # from the first file that has a title page


def test_one_file_with_episode_sections(tmp_path: Path) -> None:
    path = write(
        tmp_path / "series.fountain",
        "Title: Neon Vows\n\n# Episode 1: The Ring\n\n" + SCENE + "\n# Episode 2: After\n\nEXT. PIER - DAWN\n\nFog.\n",
    )
    screenplay = load_script(str(path))
    assert screenplay.title == "Neon Vows"
    assert [(e.number, e.title, [s.id for s in e.scenes]) for e in screenplay.episodes] == [
        (1, "The Ring", ["E01-S001"]),
        (2, "After", ["E02-S001"]),
    ]


def test_nothing_given() -> None:
    with pytest.raises(ScriptError, match="no script given"):
        load_script([])
