"""nbgrader's grading rules, for the grading processes, without importing nbgrader.

``import nbgrader`` loads its server extensions (jupyter_server, tornado, sqlalchemy ...):
seconds of start-up in every grading process, for a few small functions. These are the same
functions, line for line in behaviour (``tests/autograder/course/test_rules.py`` checks each against
nbgrader 0.9's own on the same cells):

- :func:`is_grade`, :func:`is_solution`, :func:`is_locked`, :func:`compute_checksum`
  (``nbgrader.utils``);
- :func:`determine_grade` (``nbgrader.utils.determine_grade``: an error or any stderr output
  scores 0, a number as the last expression is partial credit, otherwise full marks);
- :func:`ignore_pattern` and :func:`limit_output` (the ``IgnorePattern`` and ``LimitOutput``
  preprocessors), with the settings of ``autograder/nbgrader_config.py``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from nbformat import NotebookNode
from traitlets.config import Config

from autograder import nbgrader_config


def _meta(cell) -> dict | None:
    metadata = cell.get("metadata", {})
    return metadata["nbgrader"] if "nbgrader" in metadata else None


# the raw metadata values, as nbgrader returns them (the checksum hashes their str())

def is_grade(cell):
    meta = _meta(cell)
    return meta.get("grade", False) if meta is not None else False


def is_solution(cell):
    meta = _meta(cell)
    return meta.get("solution", False) if meta is not None else False


def is_test(cell) -> bool:
    """A test cell: a grade cell with code that is not a solution (the course's own rule:
    such cells run in the grader, :mod:`autograder.grade.trusted`)."""
    return cell.cell_type == "code" and bool(is_grade(cell)) and not is_solution(cell)


def is_locked(cell):
    meta = _meta(cell)
    if meta is None or is_solution(cell):
        return False
    if is_grade(cell):
        return True
    return meta.get("locked", False)


def compute_checksum(cell) -> str:
    digest = hashlib.md5()
    digest.update(cell.source.encode("utf-8"))
    digest.update(cell.cell_type.encode("utf-8"))
    digest.update(str(is_grade(cell)).encode("utf-8"))
    digest.update(str(is_solution(cell)).encode("utf-8"))
    digest.update(str(is_locked(cell)).encode("utf-8"))
    digest.update(cell.metadata.nbgrader["grade_id"].encode("utf-8"))
    if is_grade(cell):
        digest.update(str(float(cell.metadata.nbgrader["points"])).encode("utf-8"))
    return digest.hexdigest()


def _partial_grade(output, max_points: float) -> float:
    grade = output["data"]["text/plain"]
    if not grade:
        raise KeyError("output ['data']['text/plain'] does not exist")
    if isinstance(grade, list):
        if len(grade) > 1:
            return max_points
        grade = grade[0]
    try:
        grade = float(grade)
    except ValueError:
        return max_points
    if grade >= 0.0:
        if grade > max_points:
            raise ValueError("partial credit cannot be greater than maximum points for cell")
        return grade
    return max_points


def determine_grade(cell) -> tuple[float | None, float]:
    """(points or None when a person must grade it, max points) of a grade cell."""
    if not is_grade(cell):
        raise ValueError("cell is not a grade cell")
    max_points = float(cell.metadata["nbgrader"]["points"])
    if is_solution(cell):
        checksum = cell.metadata["nbgrader"].get("checksum")
        if checksum is not None and checksum == compute_checksum(cell):
            return 0, max_points
        return None, max_points
    if cell.cell_type == "code":
        for output in cell.outputs:
            if output.output_type == "error" or (output.output_type == "stream"
                                                 and output.name == "stderr"):
                return 0, max_points
            if output.output_type == "execute_result":
                return _partial_grade(output, max_points), max_points
        return max_points, max_points
    return None, max_points


@lru_cache(maxsize=1)
def _policy() -> tuple[bool, str, int, int]:
    c = nbgrader_config.apply(Config())
    return (bool(c.IgnorePattern.get("enabled", False)), str(c.IgnorePattern.get("pattern", "")),
            int(c.LimitOutput.get("max_lines", 1000)), int(c.LimitOutput.get("max_traceback", 100)))


def ignore_pattern(nb: NotebookNode, pattern: str) -> None:
    """Drop every stderr stream output matching ``pattern`` (in place)."""
    for cell in nb.cells:
        if pattern and cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (
                o.output_type == "stream" and o.name == "stderr" and re.search(pattern, o.text))]


def limit_output(nb: NotebookNode, max_lines: int, max_traceback: int) -> None:
    """Keep ``max_lines`` lines of stream output and ``max_traceback`` traceback lines per
    cell (in place), marking what was cut like nbgrader."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if max_lines != -1:
            length, kept = 0, []
            for output in cell.outputs:
                if output.output_type == "stream":
                    if length == max_lines:
                        continue
                    text = output.text.split("\n")
                    if len(text) + length > max_lines:
                        text = text[:max_lines - length - 1]
                        text.append("... Output truncated ...")
                    length += len(text)
                    output.text = "\n".join(text)
                kept.append(output)
            cell.outputs = kept
        if max_traceback != -1:
            for output in cell.outputs:
                if output.output_type == "error" and len(output.traceback) > max_traceback:
                    start = int(max_traceback / 2)
                    end = max_traceback - start - 1
                    output.traceback = (output.traceback[:start] + ["... Traceback truncated ..."]
                                        + output.traceback[-end:])


def apply_output_policy(nb: NotebookNode) -> None:
    """The course's IgnorePattern then LimitOutput, as nbgrader's autograde applies them."""
    enabled, pattern, max_lines, max_traceback = _policy()
    if enabled:
        ignore_pattern(nb, pattern)
    limit_output(nb, max_lines, max_traceback)


def replace_regions(source: str, begin: str, end: str, stub: list[str], *,
                    strict: bool = True) -> tuple[str, bool]:
    """``source`` with each region, from a line holding ``begin`` to the next line holding
    ``end`` (both included), replaced by the ``stub`` lines indented like the begin line, as
    nbgrader's ``ClearSolutions`` and ``ClearHiddenTests`` do; and whether any was found.

    strict (the instructor's sources): a ``begin`` inside a region, or one never closed, is a
    ValueError. Otherwise (a page shown to a student) an unclosed region runs to the end."""
    out: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line and (strict or not inside):
            if inside:
                raise ValueError(f"nested '{begin}'")
            inside = found = True
            indent = re.match(r"\s*", line).group(0)
            out.extend(indent + s for s in stub)
        elif end in line:   # a stray end line goes too, as in nbgrader
            inside = False
        elif not inside:
            out.append(line)
    if inside and strict:
        raise ValueError(f"'{begin}' without '{end}'")
    return "\n".join(out), found
