"""The Chinese edition (``release --lang zh-CN``): the same notebooks, tests and points as the
English one, every explanation in Chinese, graded the same, and what a student reads in Chinese.

The static checks read the source notebooks; one class (the Chinese release of every assignment
answered with the reference solutions, one Chinese submission with a catalogued mistake and an
English submission beside them) is graded once by ``python -m autograder grade``.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader_course import NOTEBOOKS, assignments, fill_solutions, source_notebooks
from printed_numbers import printed_within

from autograder.course.languages import localize
from autograder.course.rules import compute_checksum
from course_lib.language import translate
from course_lib.mistakes import catalogue

ASSIGNMENTS = assignments()
CJK = re.compile(r"[\u4e00-\u9fff]")
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]+?\$", re.S)
FENCED = re.compile(r"```.*?```", re.S)
PASS_LINES = [(re.compile(r"^(\S+): visible test passed$", re.M), r"\1：可见测试通过"),
              (re.compile(r"^(\S+): gradient check passed$", re.M), r"\1：梯度检验通过")]
BROKEN_LINE = re.compile(r"[\u4e00-\u9fff，、；：]\n[\u4e00-\u9fff]")
EXPECTED_ZH = re.compile(r"\*\*预期输出\*\*.*?```[a-z]*\n(.*?)```", re.S)
GLOSSARY = NOTEBOOKS / "GLOSSARY.md"
#: A cell of the student's own calling one of course_lib's checks (it fails in their kernel).
OWN_CHECK = "checks.check_close(1.0, 2.0, 'my_value')"
CATALOGUES = sorted(NOTEBOOKS.parent.glob("*/locale/zh_CN/LC_MESSAGES/*.po"))


def _both(assignment: str):
    for stem, nb in source_notebooks(assignment).items():
        yield stem, localize(nb, "en"), localize(nb, "zh-CN")


def _spans(text: str) -> tuple[list[str], list[str], list[str]]:
    """The math, the inline code and the link targets of a markdown text (fenced blocks apart)."""
    prose = FENCED.sub("", text)
    math = sorted(MATH.findall(prose))
    code = sorted(re.findall(r"`[^`]+`", MATH.sub("", prose)))
    return math, code, sorted(re.findall(r"\]\(([^)]+)\)", prose))


def _in_chinese(block: str) -> str:
    for pattern, chinese in PASS_LINES:
        block = pattern.sub(chinese, block)
    return block


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_both_languages_have_the_same_cells_tests_and_points(assignment):
    for stem, en, zh in _both(assignment):
        assert len(en.cells) == len(zh.cells), stem
        for e, z in zip(en.cells, zh.cells, strict=True):
            assert (e.cell_type, e.metadata) == (z.cell_type, z.metadata), stem
            if e.cell_type == "code":
                assert e.source == z.source
            if e.cell_type == "code" and "nbgrader" in e.metadata:
                assert compute_checksum(e) == compute_checksum(z)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_markdown_cell_has_chinese_with_the_same_formulas_and_code(assignment):
    for stem, en, zh in _both(assignment):
        for e, z in zip(en.cells, zh.cells, strict=True):
            if e.cell_type != "markdown":
                continue
            gid = e.metadata["nbgrader"]["grade_id"]
            assert CJK.search(z.source), f"{stem} {gid}: no Chinese text"
            assert _spans(e.source) == _spans(z.source), (
                f"{stem} {gid}: the formulas, code or links differ between the languages")
            assert [_in_chinese(b) for b in FENCED.findall(e.source)] == \
                FENCED.findall(z.source), f"{stem} {gid}: a fenced block differs"
            broken = BROKEN_LINE.search(MATH.sub("", FENCED.sub("", z.source)))
            assert not broken, (f"{stem} {gid}: a line break inside a Chinese paragraph "
                                f"(shown as a space): {broken.group()!r}")


def _avoided() -> list[str]:
    section = GLOSSARY.read_text(encoding="utf-8").split("## Words not used")[1]
    return re.findall(r"^\| (\S+) \| \S+ \|$", section, re.M)


def test_the_glossary_is_followed_everywhere():
    avoided = _avoided()
    assert len(avoided) >= 5, "the glossary lists the translations it avoids"
    texts = {f"{stem} {c.metadata['nbgrader']['grade_id']}": c.source
             for a in ASSIGNMENTS for stem, _, zh in _both(a) for c in zh.cells
             if c.cell_type == "markdown"}
    assert CATALOGUES, "the Chinese message catalogues are missing"
    texts.update({str(p.relative_to(NOTEBOOKS.parent)): p.read_text(encoding="utf-8")
                  for p in CATALOGUES})
    found = {where: word for where, text in texts.items() for word in avoided if word in text}
    assert not found, f"terms the glossary avoids: {found}"


# --------------------------------------------------------------------------- graded in Chinese

def _first_mistake(assignment: str):
    return next(m for m in catalogue() if m.assignment == assignment)


@pytest.fixture(scope="module")
def chinese_class(tmp_path_factory) -> dict:
    """The Chinese release (notebooks only), answered and graded with an English submission."""
    from autograder.release.notebooks import release

    root = tmp_path_factory.mktemp("chinese_class")
    released = release(root / "release-zh-CN", NOTEBOOKS, root / "course", edition=False,
                       lang="zh-CN")
    subs = root / "submissions"
    mistake = _first_mistake(ASSIGNMENTS[0])
    for assignment in ASSIGNMENTS:
        sources = source_notebooks(assignment)
        for path in released.notebooks(assignment):
            nb = nbformat.read(path, as_version=4)
            answered = fill_solutions(nb, sources[path.stem])
            (subs / "zh_ref" / assignment).mkdir(parents=True, exist_ok=True)
            nbformat.write(answered, subs / "zh_ref" / assignment / path.name)
            if assignment == mistake.assignment:
                english = fill_solutions(localize(sources[path.stem], "en"), sources[path.stem])
                (subs / "en_ref" / assignment).mkdir(parents=True)
                nbformat.write(english, subs / "en_ref" / assignment / path.name)
                wrong = nbformat.from_dict(answered)
                for cell in wrong.cells:
                    if cell.metadata.get("nbgrader", {}).get("grade_id") == mistake.cell:
                        cell.source = mistake.source
                (subs / "zh_wrong" / assignment).mkdir(parents=True)
                nbformat.write(wrong, subs / "zh_wrong" / assignment / path.name)
                own = nbformat.from_dict(answered)   # a check the student calls in a cell
                own.cells.append(nbformat.v4.new_code_cell(OWN_CHECK))
                (subs / "zh_own_check" / assignment).mkdir(parents=True)
                nbformat.write(own, subs / "zh_own_check" / assignment / path.name)
    out = root / "out"
    done = subprocess.run(
        [sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(out), "--source",
         str(NOTEBOOKS), "--release", str(root / "no-release"), "-j", "2",
         "--timeout", "300"],   # marks, not time: 04's slowest cell passed 30 s on a busy machine
        cwd=NOTEBOOKS.parent, env=dict(os.environ, PYTHONHASHSEED="0"), capture_output=True,
        text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    with open(out / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {"out": out, "rows": rows, "mistake": mistake, "release": released.out}


def test_the_chinese_release_gets_full_marks_beside_an_english_submission(chinese_class):
    rows = chinese_class["rows"]
    zh = {r["assignment"]: r for r in rows if r["student_id"] == "zh_ref"}
    assert sorted(zh) == ASSIGNMENTS
    for assignment, row in zh.items():
        assert row["status"] == "graded" and float(row["score"]) == float(row["max_score"]), (
            assignment, row["message"])
    en = next(r for r in rows if r["student_id"] == "en_ref")
    assert float(en["score"]) == float(zh[en["assignment"]]["score"])


def _outputs(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") + o.get("evalue", "") for c in nb.cells
                   if c.cell_type == "code" for o in c.get("outputs", []))


def test_the_chinese_notebooks_print_what_their_expected_output_says(chinese_class):
    graded = sorted((chinese_class["out"] / "autograded" / "zh_ref").glob("*/*.ipynb"))
    assert len(graded) == sum(len(source_notebooks(a)) for a in ASSIGNMENTS)
    for path in graded:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata["course_language"] == "zh-CN"
        printed = _outputs(nb)
        assert "可见测试通过" in printed and "visible test passed" not in printed, path.name
        blocks = 0
        for i, cell in enumerate(nb.cells):
            for block in EXPECTED_ZH.findall(cell.source) if cell.cell_type == "markdown" else []:
                code = next(c for c in nb.cells[i + 1:] if c.cell_type == "code")
                stdout = "".join(o.get("text", "") for o in code.outputs
                                 if o.get("name") == "stdout")
                assert printed_within(block, stdout), f"{path.name} cell {i}:\n{block}\n{stdout}"
                blocks += 1
        assert blocks, f"{path.name}: no 预期输出 block"


def test_a_mistake_in_the_chinese_release_is_named_in_chinese(chinese_class):
    mistake = chinese_class["mistake"]
    hint = translate(mistake.hint, "mistakes", lang="zh-CN")
    assert hint != mistake.hint and CJK.search(hint)
    row = next(r for r in chinese_class["rows"] if r["student_id"] == "zh_wrong")
    assert float(row["score"]) < float(row["max_score"])
    graded = next((chinese_class["out"] / "autograded" / "zh_wrong").glob("*/*.ipynb"))
    shown = re.sub(r"\s+", " ", _outputs(nbformat.read(graded, as_version=4)))
    assert re.sub(r"\s+", " ", hint) in shown
    assert re.sub(r"\s+", " ", mistake.hint) not in shown


def test_course_lib_speaks_chinese_in_the_students_own_cells_too(chinese_class):
    graded = next((chinese_class["out"] / "autograded" / "zh_own_check").glob("*/*.ipynb"))
    cell = nbformat.read(graded, as_version=4).cells[-1]
    assert cell.source == OWN_CHECK
    error = next(o for o in cell.outputs if o.get("output_type") == "error")
    assert "my_value" in error["evalue"] and CJK.search(error["evalue"]), error["evalue"]
    assert "differs" not in error["evalue"] and "expected" not in error["evalue"]


def test_the_chinese_feedback_page_is_in_chinese(chinese_class):
    pages = sorted((chinese_class["out"] / "feedback").rglob("*.html"))
    zh = [p for p in pages if "zh_ref" in str(p)]
    en = [p for p in pages if "en_ref" in str(p)]
    assert zh and en
    assert all('lang="zh-CN"' in p.read_text(encoding="utf-8") for p in zh)
    assert all('lang="zh-CN"' not in p.read_text(encoding="utf-8") for p in en)


# --------------------------------------------------------------------------- seen in a browser

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SHOTS = NOTEBOOKS.parent / "build" / "browser"
#: Draws each character with the page's own font on a canvas: a font without CJK glyphs draws
#: every one as the same empty box ("tofu"), so distinct characters give identical pictures.
GLYPHS_JS = """([selector, chars]) => {
    const font = getComputedStyle(document.querySelector(selector)).fontFamily;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 48;
    const ctx = canvas.getContext("2d");
    ctx.font = `40px ${font}`;
    return chars.map(ch => { ctx.clearRect(0, 0, 48, 48); ctx.fillText(ch, 2, 40);
                             return canvas.toDataURL(); });
}"""


def _sync_playwright():
    """Playwright's sync API, or skip (only outside CI) when it or chromium is missing."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    if sync_playwright is None or not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("the browser test needs playwright and chromium (.ci/run installs it)")
        pytest.skip("playwright or chromium missing")
    return sync_playwright


def _notebook_html(path: Path) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_notebook_node(
        nbformat.read(path, as_version=4))
    return body


def _glyphs_render(page, selector: str, text: str) -> None:
    chars = sorted(set(CJK.findall(text)))[:12]
    assert len(chars) >= 8, f"too little Chinese in {selector}: {text[:80]!r}"
    pictures = page.evaluate(GLYPHS_JS, [selector, chars])
    assert len(set(pictures)) == len(chars), (
        f"{selector}: {len(chars)} different characters drawn as {len(set(pictures))} "
        "different pictures: no CJK font (apt-get install fonts-noto-cjk)")


def test_the_chinese_notebook_and_feedback_page_render_their_glyphs(chinese_class):
    SHOTS.mkdir(parents=True, exist_ok=True)
    notebook = chinese_class["release"] / ASSIGNMENTS[0] / "logistic_unit.ipynb"
    (SHOTS / "zh_notebook.html").write_text(_notebook_html(notebook), encoding="utf-8")
    page = next(p for p in sorted((chinese_class["out"] / "feedback").rglob("*.html"))
                if "zh_wrong" in str(p))
    sync_playwright = _sync_playwright()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"])
        try:
            view = browser.new_page(viewport={"width": 1100, "height": 1400})
            for name, url, selector in (
                    ("zh_notebook", (SHOTS / "zh_notebook.html").as_uri(),
                     ".jp-RenderedMarkdown"),
                    ("zh_feedback", page.as_uri(), "body")):
                view.goto(url)
                view.screenshot(path=SHOTS / f"{name}.png")
                _glyphs_render(view, selector, view.inner_text("body"))
        finally:
            browser.close()
