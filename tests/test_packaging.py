"""Packaging: environment.yml agrees with pyproject.toml, and the wheel carries the shipped samples.

conda cannot run here, so these tests read environment.yml and compare it with pyproject.toml.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from styletransfer.samples import SAMPLES

try:
    import tomllib
except ImportError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

ROOT = Path(__file__).resolve().parents[1]
#: Installed by pip through the project itself (PyPI wheels), never by conda: TensorFlow's conda
#: build and the pip wheel must not both end up in one environment.
PIP_ONLY = {"tensorflow", "tensorflow-cpu", "keras"}


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


@pytest.fixture(scope="module")
def environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _conda_specs(environment: dict) -> dict[str, str]:
    """``{name: version spec}`` of the conda (not pip) dependencies."""
    specs = {}
    for entry in environment["dependencies"]:
        if isinstance(entry, str):
            match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*(.*)", entry.strip())
            specs[canonicalize_name(match.group(1))] = match.group(2).strip()
    return specs


def _pip_lines(environment: dict) -> list[str]:
    return [line for entry in environment["dependencies"] if isinstance(entry, dict) for line in entry.get("pip", [])]


def _requirements(pyproject: dict, *groups: str) -> list[Requirement]:
    project = pyproject["project"]
    lines = list(project["dependencies"]) if "core" in groups else []
    for group in groups:
        if group != "core":
            lines += project["optional-dependencies"][group]
    return [Requirement(line) for line in lines]


def _minimum(specifier: SpecifierSet) -> Version | None:
    found = [Version(s.version) for s in specifier if s.operator in (">=", "==", "~=")]
    return max(found) if found else None


def test_python_pin_satisfies_requires_python(environment, pyproject):
    pins = [d for d in environment["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(pins) == 1
    match = re.fullmatch(r"python\s*=\s*(\d+\.\d+)(\.\*)?", pins[0])
    assert match, f"pin python to a major.minor version, got {pins[0]!r}"
    assert SpecifierSet(pyproject["project"]["requires-python"]).contains(match.group(1) + ".0")


def test_conda_forge_pip_and_the_project_with_its_notebooks_extra(environment):
    assert environment["channels"] == ["conda-forge"]
    assert "pip" in _conda_specs(environment)
    projects = [line for line in _pip_lines(environment) if re.fullmatch(r"-e\s+\.(\[.*\])?", line)]
    # This line brings every core dependency (TensorFlow and Keras included) and the notebooks extra.
    assert len(projects) == 1, "the pip section must install this project: -e .[notebooks]"
    extras = re.search(r"\[(.*)\]", projects[0])
    assert extras and "notebooks" in [e.strip() for e in extras.group(1).split(",")]


def test_conda_packages_are_project_dependencies_with_compatible_minimums(environment, pyproject):
    wanted = {canonicalize_name(r.name): r for r in _requirements(pyproject, "core", "notebooks")}
    for name, spec in _conda_specs(environment).items():
        if name in ("python", "pip"):
            continue
        assert name in wanted, f"{name} is in environment.yml but not in pyproject's core or notebooks deps"
        assert name not in PIP_ONLY, f"{name} must come from pip (through the project), not conda"
        conda_min, project_min = _minimum(SpecifierSet(spec.replace(" ", ""))), _minimum(wanted[name].specifier)
        if project_min is not None:
            assert conda_min is not None and conda_min >= project_min, (
                f"environment.yml allows {name} {spec}, pyproject needs {wanted[name].specifier}"
            )


def test_console_script_points_at_the_cli(pyproject):
    module, _, function = pyproject["project"]["scripts"]["styletransfer"].partition(":")
    assert callable(getattr(importlib.import_module(module), function))


def test_test_extra_lists_what_the_tests_import(pyproject):
    names = {canonicalize_name(r.name) for r in _requirements(pyproject, "test")}
    assert {"pytest", "pyyaml", "psutil"} <= names


def test_wheel_contains_the_shipped_samples_and_every_module(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    shutil.copy(ROOT / "pyproject.toml", source)
    shutil.copy(ROOT / "README.md", source)
    shutil.copytree(ROOT / "styletransfer", source / "styletransfer",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path / "dist"),
         str(source)],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )
    (wheel,) = (tmp_path / "dist").glob("styletransfer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    package = source / "styletransfer"
    expected = {p.relative_to(source).as_posix() for p in package.rglob("*") if p.is_file()}
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"
    for sample in SAMPLES.values():
        if sample.shipped:
            assert f"styletransfer/data/samples/{sample.filename}" in names
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    assert "styletransfer = styletransfer.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_lazy_names_stay_functions_when_their_submodule_is_imported():
    """``st.optimize`` is the function even after ``styletransfer.optimize`` (the module) was imported."""
    import subprocess
    import sys

    code = ("import styletransfer.optimize, styletransfer as st; import styletransfer.transfer; "
            "assert callable(st.optimize) and st.optimize.__module__ == 'styletransfer.optimize', st.optimize")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=300)
