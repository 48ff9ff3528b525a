"""The student's path in a real browser: Jupyter Lab on a workspace made from a fresh release of
01_logistic_unit, driven by headless Chromium (Debian's ``chromium``) through Playwright.

A student opens the released notebook, runs it with a correct ``sigmoid`` and a catalogued
mistake in ``initialize_with_zeros``, and sees the pass line, the named mistake, rendered math
and a plot; the file browser reaches no solution and no instructor tool. Screenshots go to
``build/browser/`` (the Lab log too) so a failure can be looked at.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import sys
import time
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from lab_server import LabServer, launch_lab, stop_lab, wait_until_ready  # noqa: E402

from autograder.course.source import DEFAULT_SOURCE, REPO  # noqa: E402
from autograder.release.notebooks import release  # noqa: E402
from autograder.release.workspace import CONFIG_DIR, make_workspace, write_lab_config  # noqa: E402
from course_lib.mistakes.logistic_unit import MISTAKES  # noqa: E402

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
SHOTS = REPO / "build" / "browser"
ASSIGNMENT, NOTEBOOK = "01_logistic_unit", "logistic_unit.ipynb"
SOLUTION_MARKERS = ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")
WAIT_MS = 90_000  # the first cells start a kernel and import scikit-learn: slow on 2 busy cores

CORRECT_SIGMOID = '''\
def sigmoid(z):
    """The logistic function 1 / (1 + exp(-z)), element by element."""
    s = 1 / (1 + np.exp(-z))
    return s
'''
ZEROS_MISTAKE = next(m for m in MISTAKES if m.name == "w_without_second_axis")
TIMES: dict[str, float] = {}  # seconds per step, written to build/browser/timings.txt


def _timed(step: str, start: float) -> float:
    now = time.monotonic()
    TIMES[step] = now - start
    (SHOTS / "timings.txt").write_text("".join(f"{k:<24} {v:6.1f} s\n" for k, v in TIMES.items()))
    return now


def _browser_or_skip():
    """Playwright's sync API, or skip (only outside CI) when it or chromium is missing."""
    missing = []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the playwright package")
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must have it (.ci/run installs chromium)")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> LabServer:
    """Lab on a student workspace made from a fresh release of 01_logistic_unit (Lab starts
    while the release is made: both take tens of seconds)."""
    _browser_or_skip()
    tmp = tmp_path_factory.mktemp("student_path")
    SHOTS.mkdir(parents=True, exist_ok=True)
    TIMES.clear()
    start = time.monotonic()
    write_lab_config(tmp / "student" / CONFIG_DIR)
    server = launch_lab(tmp / "student", SHOTS / "lab.log")
    try:
        release(tmp / "release", DEFAULT_SOURCE, course_root=tmp / "course",
                assignments=[ASSIGNMENT])
        make_workspace(tmp / "release", tmp / "student")
        start = _timed("release + workspace", start)
        wait_until_ready(server)
        _timed("Lab started (after)", start)
        yield server
    finally:
        stop_lab(server)


def test_student_path_in_lab(lab):
    sync_playwright = _browser_or_skip()
    start = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                    headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        try:
            _no_solution_reachable(lab, page)
            start = _timed("contents walked", start)
            _open_notebook(lab, page)
            start = _timed("notebook opened", start)
            _no_instructor_tools(lab, page)
            _rendered_math(page)
            _type_into(page, "def sigmoid(z):", CORRECT_SIGMOID)
            _type_into(page, "def initialize_with_zeros(dim):", ZEROS_MISTAKE.source)
            page.screenshot(path=SHOTS / "1_solutions_typed.png")
            start = _timed("solutions typed", start)
            _run_all(page)
            _student_sees_results(page)
            _timed("cells run, results read", start)
        except BaseException:
            with contextlib.suppress(Exception):  # keep the test's own error
                page.screenshot(path=SHOTS / "failure.png")
            raise
        finally:
            browser.close()


def _open_notebook(lab: LabServer, page) -> None:
    page.goto(lab.url(f"lab/tree/{ASSIGNMENT}/{NOTEBOOK}", reset=""))
    page.locator(".jp-Notebook .jp-Cell").first.wait_for()
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").or_(
        page.get_by_text("Idle", exact=False)).first.wait_for()
    page.screenshot(path=SHOTS / "0_opened.png")


def _no_instructor_tools(lab: LabServer, page) -> None:
    """No Nbgrader menu and no formgrader or exchange handlers; the Validate button stays."""
    menus = page.locator("#jp-menu-panel .lm-MenuBar").first.inner_text()
    assert "Kernel" in menus and "Nbgrader" not in menus, f"menus: {menus!r}"
    for path in ("formgrader", "assignments", "courses"):
        assert lab.status(path) == 404, f"/{path} answers: nbgrader's {path} extension is on"
    assert page.locator(".jp-NotebookPanel-toolbar").get_by_text("Validate").count() == 1, \
        "no Validate button in the notebook's toolbar"


def _cell(page, text: str):
    """The notebook cell whose text holds ``text``, scrolled into view."""
    cell = page.locator(".jp-Notebook .jp-Cell").filter(has_text=text).first
    cell.scroll_into_view_if_needed()
    return cell


def _rendered_math(page) -> None:
    cell = _cell(page, "takes a weighted sum")
    cell.locator("mjx-container, .katex").first.wait_for()
    assert "$$" not in cell.inner_text(), "raw $$ in a rendered markdown cell"


def _type_into(page, first_line: str, source: str) -> None:
    """Replace the code of the cell starting with ``first_line`` by ``source``, as a student
    pasting it (typing key by key would add the editor's auto-indentation)."""
    editor = _cell(page, first_line).locator(".cm-content")
    editor.click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(source)
    page.keyboard.press("Escape")
    assert first_line in editor.inner_text()
    assert "YOUR CODE HERE" not in editor.inner_text()


def _run_all(page) -> None:
    """Run > Run All Cells: it stops at the first failing test (initialize_with_zeros')."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def _student_sees_results(page) -> None:
    passed = _cell(page, "# Visible test of sigmoid").locator(".jp-OutputArea")
    passed.get_by_text("sigmoid: visible test passed").wait_for()
    failed = _cell(page, "# Visible test of initialize_with_zeros").locator(".jp-OutputArea")
    failed.get_by_text("This looks like a known mistake").first.wait_for()
    passed.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "2_sigmoid_passed.png")
    plot = _cell(page, "the sigmoid squashes any z").locator(".jp-OutputArea-output img")
    plot.first.wait_for()
    assert plot.first.evaluate("img => img.naturalWidth") > 100, "the plot image is empty"
    page.screenshot(path=SHOTS / "3_plot.png")
    failed.get_by_text("This looks like a known mistake").first.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "4_named_mistake.png")
    text = failed.inner_text()
    assert ZEROS_MISTAKE.name in text, text[-2000:]
    assert "initialize_with_zeros: visible test passed" not in text
    # what differs comes first, then the named mistake; no traceback through the helpers
    assert text.index("Test failed: w has shape (3,)") < text.index(ZEROS_MISTAKE.name), text
    assert "contextlib" not in text and "Traceback" not in text, text[-2000:]


def _no_solution_reachable(lab: LabServer, page) -> None:
    """Walk the contents API from the workspace root (what Lab's file browser shows): the
    released notebook is there, and no file holds solution or hidden-test markers."""
    seen = list(_walk(page, lab, ""))
    assert f"{ASSIGNMENT}/{NOTEBOOK}" in {path for path, _ in seen}, sorted(p for p, _ in seen)
    sources = {nb.read_bytes() for nb in DEFAULT_SOURCE.glob("*/*.ipynb")}
    for path, data in seen:
        assert data not in sources, f"{path} is an instructor source notebook"
        for marker in SOLUTION_MARKERS:
            assert marker.encode() not in data, f"{path} holds {marker!r}"


def _walk(page, lab: LabServer, path: str):
    """(path, bytes) of every file under ``path``, members of zip files (wheels) included."""
    listing = page.request.get(lab.url(f"api/contents/{path}", content="1")).json()
    for entry in listing["content"]:
        if entry["type"] == "directory":
            yield from _walk(page, lab, entry["path"])
            continue
        model = page.request.get(lab.url(f"api/contents/{entry['path']}", content="1",
                                         type="file")).json()
        data = (base64.b64decode(model["content"]) if model["format"] == "base64"
                else model["content"].encode())
        yield entry["path"], data
        if zipfile.is_zipfile(io.BytesIO(data)):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield f"{entry['path']}!{name}", archive.read(name)
