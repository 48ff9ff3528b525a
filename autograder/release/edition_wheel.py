"""A pure-Python wheel (PEP 427) of a folder of packages, written with the standard library.

Used for the student edition: ``pip install nn_course_student-0.1.0+01.logistic.unit-py3-none-
any.whl`` installs ``course_lib`` (and the ``autograder`` validate shim) with its dependencies
from the package index. One distribution name for every assignment, the assignment in the
local version label: installing the next assignment's edition replaces the previous one.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from pathlib import Path

DIST_NAME = "nn-course-student"
#: what the edition imports (datasets needs scikit-learn) and what validate runs on
REQUIRES = ("numpy>=1.26", "matplotlib>=3.8", "scikit-learn>=1.4", "nbclient>=0.10",
            "nbformat>=5.10", "ipykernel>=6.29")
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)   # same bytes for the same files


def local_version(version: str, assignment: str) -> str:
    """``0.1.0`` and ``01_logistic_unit`` -> ``0.1.0+01.logistic.unit`` (PEP 440 local label)."""
    label = ".".join(p for p in re.split(r"[^A-Za-z0-9]+", assignment) if p).lower()
    return f"{version}+{label}"


def wheel_name(version: str) -> str:
    return f"{DIST_NAME.replace('-', '_')}-{version}-py3-none-any.whl"


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _metadata(version: str, summary: str) -> str:
    lines = ["Metadata-Version: 2.1", f"Name: {DIST_NAME}", f"Version: {version}",
             f"Summary: {summary}", "Requires-Python: >=3.10"]
    lines += [f"Requires-Dist: {r}" for r in REQUIRES]
    return "\n".join(lines) + "\n"


def build_wheel(folder: Path, version: str, out_dir: Path, summary: str) -> Path:
    """Zip every file under ``folder`` (its top-level folders are the packages) into a wheel
    in ``out_dir``, with METADATA, WHEEL, top_level.txt and RECORD; returns its path."""
    folder, out_dir = Path(folder), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_name(version)
    info = f"{DIST_NAME.replace('-', '_')}-{version}.dist-info"
    files = {p.relative_to(folder).as_posix(): p.read_bytes()
             for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}
    top = sorted({name.split("/")[0] for name in files if "/" in name})
    files[f"{info}/METADATA"] = _metadata(version, summary).encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: autograder.release.edition_wheel\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/top_level.txt"] = ("\n".join(top) + "\n").encode()
    record = [_record_line(name, data) for name, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.external_attr = 0o644 << 16
            wheel.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)
    return target
