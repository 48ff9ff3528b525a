"""environment.yml (conda) and pyproject.toml (pip) must list the same dependencies."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# conda-only tooling that pyproject.toml has no reason to list
CONDA_ONLY = {"pip"}


def split_requirement(text: str) -> tuple[str, str]:
    """'scikit-learn >= 1.4' -> ('scikit-learn', '>=1.4'); names normalised as PEP 503."""
    match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*", text)
    assert match, f"cannot parse requirement {text!r}"
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    return name, match.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = dict(map(split_requirement, project["dependencies"]))
    for extra in project.get("optional-dependencies", {}).values():
        # an extra that includes another ("nn-from-scratch-course[grader]") adds no package
        requirements.update(split_requirement(r) for r in extra
                            if not r.startswith(project["name"] + "["))
    requirements["python"] = project["requires-python"].replace(" ", "")
    return requirements


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    requirements: dict[str, str] = {}
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            for pip_entry in entry.get("pip", []):
                requirements.update([split_requirement(pip_entry)])
        else:
            requirements.update([split_requirement(entry)])
    return {k: v for k, v in requirements.items() if k not in CONDA_ONLY}


def test_split_requirement():
    assert split_requirement("scikit-learn >= 1.4") == ("scikit-learn", ">=1.4")
    assert split_requirement("pytest_xdist>=3.5") == ("pytest-xdist", ">=3.5")
    assert split_requirement("pip") == ("pip", "")


def test_environment_yml_lists_the_pyproject_dependencies():
    pip_side, conda_side = pyproject_requirements(), environment_requirements()
    only_pyproject = sorted(set(pip_side) - set(conda_side))
    only_environment = sorted(set(conda_side) - set(pip_side))
    assert not only_pyproject, f"in pyproject.toml but not environment.yml: {only_pyproject}"
    assert not only_environment, f"in environment.yml but not pyproject.toml: {only_environment}"
    differing = {k: (pip_side[k], conda_side[k]) for k in pip_side if pip_side[k] != conda_side[k]}
    assert not differing, f"version constraints differ (pyproject, environment): {differing}"


def test_readme_activates_the_environment_by_its_name():
    name = yaml.safe_load((ROOT / "environment.yml").read_text())["name"]
    activated = re.findall(r"conda activate (\S+)", (ROOT / "README.md").read_text())
    assert set(activated) <= {name}, f"README activates {activated}, environment.yml is {name!r}"
