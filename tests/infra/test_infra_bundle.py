"""The Lambda asset: runtime packages' sources plus Linux wheels, pip run only when its inputs change."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.bundle import (
    DEPS_ENV,
    DepsSpec,
    bundle_function,
    content_hash,
    deps_enabled,
    pip_command,
    runtime_requirements,
)
from infra.config import PROJECT_ROOT
from infra.definitions import Architecture


class RecordingInstaller:
    """Stands in for pip: records each install and leaves a marker wheel behind."""

    def __init__(self) -> None:
        self.installs: list[DepsSpec] = []

    def __call__(self, spec: DepsSpec, target: Path) -> None:
        self.installs.append(spec)
        (target / f"wheel_{spec.architecture}").mkdir()


@pytest.fixture
def source(tmp_path: Path) -> Path:
    root = tmp_path / "src"
    (root / "core" / "__pycache__").mkdir(parents=True)
    (root / "core" / "__init__.py").write_text("")
    (root / "core" / "store.py").write_text("TABLE = 1\n")
    (root / "core" / "__pycache__" / "store.cpython-311.pyc").write_bytes(b"\0")
    (root / "core" / "notes.md").write_text("not code")
    (root / "resolvers" / "deep").mkdir(parents=True)
    (root / "resolvers" / "deep" / "handler.py").write_text("def handler(e, c): ...\n")
    (root / "schema").mkdir()
    (root / "schema" / "types.py").write_text("import strawberry\n")
    (root / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["boto3>=1.35", "pydantic>=2.7"]\n')
    return root


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def test_asset_holds_only_the_runtime_packages_python_sources(source: Path, tmp_path: Path) -> None:
    # GIVEN runtime packages with caches and data files, and a package the Lambda must not ship (schema)
    # WHEN bundling without dependencies
    out = bundle_function(
        "api", architecture="arm64", source_root=source, out_root=tmp_path / "build", install_deps=False
    )

    # THEN only the .py files of core/, resolvers/ (and triggers/, absent here) are in the asset
    assert out == tmp_path / "build" / "api"
    assert _files(out) == {"core/__init__.py", "core/store.py", "resolvers/deep/handler.py"}


def test_a_deleted_module_does_not_linger_in_the_asset(source: Path, tmp_path: Path) -> None:
    # GIVEN an asset built once
    build = tmp_path / "build"
    bundle_function("api", architecture="arm64", source_root=source, out_root=build, install_deps=False)

    # WHEN a module is deleted and the asset rebuilt
    (source / "core" / "store.py").unlink()
    out = bundle_function("api", architecture="arm64", source_root=source, out_root=build, install_deps=False)

    # THEN it is gone from the asset too
    assert "core/store.py" not in _files(out)


def test_dependencies_install_once_until_requirements_or_platform_change(source: Path, tmp_path: Path) -> None:
    # GIVEN an installer that records its calls
    pip = RecordingInstaller()
    build = tmp_path / "build"

    def bundle(architecture: Architecture) -> Path:
        return bundle_function(
            "api",
            architecture=architecture,
            source_root=source,
            out_root=build,
            install_deps=True,
            installer=pip,
        )

    # WHEN bundling twice for the same platform
    bundle("arm64")
    out = bundle("arm64")

    # THEN pip ran once, with the pyproject's dependencies, and the code sits beside the wheels
    assert [s.requirements for s in pip.installs] == [("boto3>=1.35", "pydantic>=2.7")]
    assert {"wheel_arm64", "core"} <= {p.name for p in out.iterdir()}

    # WHEN the architecture changes
    out = bundle("x86_64")

    # THEN pip runs again into a clean folder (no arm64 wheels left behind)
    assert [s.architecture for s in pip.installs] == ["arm64", "x86_64"]
    assert "wheel_arm64" not in {p.name for p in out.iterdir()}

    # WHEN a requirement changes
    (source / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["boto3>=1.36"]\n')
    bundle("x86_64")

    # THEN pip runs again
    assert len(pip.installs) == 3


def test_asset_identity_follows_content_not_timestamps(source: Path, tmp_path: Path) -> None:
    # GIVEN a bundled asset and its content hash
    out = bundle_function("api", architecture="arm64", source_root=source, out_root=tmp_path, install_deps=False)
    before = content_hash(out)

    # WHEN its files are touched without change / THEN the identity holds
    for path in out.rglob("*.py"):
        os.utime(path, (0, 0))
    assert content_hash(out) == before

    # WHEN a file's content changes / THEN the identity changes
    (out / "core" / "store.py").write_text("TABLE = 2\n")
    assert content_hash(out) != before


def test_dependencies_can_be_skipped(source: Path, tmp_path: Path) -> None:
    # GIVEN dependency installation turned off
    pip = RecordingInstaller()

    # WHEN bundling
    bundle_function(
        "api", architecture="arm64", source_root=source, out_root=tmp_path, install_deps=False, installer=pip
    )

    # THEN pip never runs
    assert pip.installs == []


@pytest.mark.parametrize(
    ("value", "enabled"), [(None, True), ("1", True), ("0", False), ("false", False), (" OFF ", False)]
)
def test_env_var_turns_dependency_installation_off(value: str | None, enabled: bool) -> None:
    # GIVEN UGC_BUNDLE_DEPS set (or not)
    environ = {} if value is None else {DEPS_ENV: value}

    # WHEN asking whether to install / THEN only an explicit off value skips it
    assert deps_enabled(environ) is enabled


def test_pip_installs_linux_wheels_for_lambdas_python_and_architecture(tmp_path: Path) -> None:
    # GIVEN the project's runtime requirements, for arm64
    spec = DepsSpec(runtime_requirements(PROJECT_ROOT / "pyproject.toml"), "arm64")

    # WHEN building the pip command
    command = pip_command(spec, tmp_path)

    # THEN it asks for CPython 3.12 binary wheels for Linux aarch64, into the target, and every requirement
    joined = " ".join(command)
    assert "--platform manylinux2014_aarch64" in joined
    assert "x86_64" not in joined
    assert "--implementation cp --python-version 3.12 --only-binary=:all:" in joined
    assert f"--target {tmp_path}" in joined
    assert command[-len(spec.requirements) :] == list(spec.requirements)
    assert "aws-lambda-powertools>=3.0" in spec.requirements


def test_importing_infra_definitions_config_and_bundle_starts_no_cdk() -> None:
    # GIVEN a fresh interpreter
    code = (
        "import sys, infra, infra.definitions, infra.config, infra.bundle; "
        "sys.exit(sorted(m for m in sys.modules if m.split('.')[0] in {'aws_cdk', 'jsii', 'constructs'}) or 0)"
    )

    # WHEN importing the CDK-free infra modules (the local stack reads them)
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)

    # THEN no CDK, jsii or constructs module was loaded
    assert result.returncode == 0, result.stdout + result.stderr
