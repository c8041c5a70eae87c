"""Build the Lambdas' asset folder without Docker: `build/lambda/runtime-<architecture>/`.

Every function runs the same code with the same dependencies (each has its own handler), so they share
one folder per architecture: pip runs once, not once per function, and CDK uploads one asset. A folder
per architecture keeps stages on x86_64 and arm64 apart when one synth builds both.

The folder holds the runtime packages (`core/`, `resolvers/`, `triggers/`, their .py files only) and
the `[project] dependencies` of pyproject.toml, installed by pip as Linux wheels for Lambda's Python
and architecture, whatever machine runs the build. CDK then takes the folder with `Code.from_asset`.

pip runs only when the requirements or the target platform change (a stamp beside the folder records
what was installed), so a repeated synth is offline and quick. Set `UGC_BUNDLE_DEPS=0` to skip the
dependencies altogether (the infra tests do: they check the template, not the wheels).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.definitions import Architecture

# The Lambda runtime's Python; the functions construct asserts it uses the same one.
PYTHON_VERSION = "3.12"
RUNTIME_PACKAGES = ("core", "resolvers", "triggers")
DEPS_ENV = "UGC_BUNDLE_DEPS"
_OFF = frozenset({"0", "false", "no", "off"})

# Lambda's Python 3.12 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014 (glibc 2.17) wheels and
# the newer manylinux_2_28 ones both run there.
_PLATFORMS: dict[Architecture, tuple[str, ...]] = {
    "x86_64": ("manylinux2014_x86_64", "manylinux_2_28_x86_64"),
    "arm64": ("manylinux2014_aarch64", "manylinux_2_28_aarch64"),
}


class BundleError(RuntimeError):
    """The asset could not be built."""


@dataclass(frozen=True)
class DepsSpec:
    """What a dependency install depends on: the stamp is its hash."""

    requirements: tuple[str, ...]
    architecture: Architecture
    python_version: str = PYTHON_VERSION

    @property
    def platforms(self) -> tuple[str, ...]:
        return _PLATFORMS[self.architecture]

    def stamp(self) -> str:
        raw = json.dumps(
            {"requirements": sorted(self.requirements), "platforms": self.platforms, "python": self.python_version}
        )
        return hashlib.sha256(raw.encode()).hexdigest()


Installer = Callable[[DepsSpec, Path], None]


def deps_enabled(environ: Mapping[str, str]) -> bool:
    """Whether to install dependencies: on unless `UGC_BUNDLE_DEPS` is 0/false/no/off."""
    return environ.get(DEPS_ENV, "1").strip().lower() not in _OFF


def runtime_requirements(pyproject: Path) -> tuple[str, ...]:
    """The `[project] dependencies` of pyproject.toml: what the Lambda bundle ships."""
    with pyproject.open("rb") as f:
        project = tomllib.load(f).get("project", {})
    deps = project.get("dependencies")
    if not isinstance(deps, list) or not all(isinstance(d, str) for d in deps):
        raise BundleError(f"{pyproject}: [project] dependencies must be a list of requirement strings")
    return tuple(deps)


def pip_command(spec: DepsSpec, target: Path) -> list[str]:
    platforms = [arg for platform in spec.platforms for arg in ("--platform", platform)]
    return [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        *platforms,
        "--implementation",
        "cp",
        "--python-version",
        spec.python_version,
        "--only-binary=:all:",
        # CDK zips assets with a fixed 1980 timestamp, so pip's timestamp-checked .pyc files would never
        # match their sources on Lambda: they would only make the package bigger.
        "--no-compile",
        "--target",
        str(target),
        *spec.requirements,
    ]


def pip_install(spec: DepsSpec, target: Path) -> None:
    result = subprocess.run(pip_command(spec, target), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BundleError(f"pip could not install the Lambda dependencies:\n{result.stderr.strip()}")


def _copy_sources(src: Path, dest: Path) -> None:
    """Copy a package's .py files, keeping its layout; nothing else (no __pycache__, no data)."""
    for path in sorted(src.rglob("*.py")):
        relative = path.relative_to(src)
        if "__pycache__" in relative.parts:
            continue
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def content_hash(folder: Path) -> str:
    """A hash of the folder's file names and contents (not timestamps): the asset's identity for CDK.

    CDK stages an asset once per source path and process, whatever the folder holds by then, so
    `cdk synth` of two stages built for different architectures would otherwise share one set of wheels.
    """
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def bundle_function(
    name: str,
    *,
    architecture: Architecture,
    source_root: Path,
    out_root: Path,
    install_deps: bool,
    installer: Installer = pip_install,
    packages: Iterable[str] = RUNTIME_PACKAGES,
) -> Path:
    """Build (or refresh) `<out_root>/<name>/` and return it.

    The runtime packages are copied afresh every time, so a deleted module never lingers in the asset.
    Packages missing from `source_root` are skipped: git keeps no empty folders, so `triggers/` exists
    only once it holds code.
    """
    out = out_root / name
    stamp_file = out_root / f"{name}.deps-stamp"
    if install_deps:
        spec = DepsSpec(runtime_requirements(source_root / "pyproject.toml"), architecture)
        stamp = spec.stamp()
        if not out.is_dir() or not stamp_file.is_file() or stamp_file.read_text() != stamp:
            # A stale install may hold wheels for the other architecture: start from nothing.
            shutil.rmtree(out, ignore_errors=True)
            stamp_file.unlink(missing_ok=True)
            out.mkdir(parents=True)
            installer(spec, out)
            stamp_file.write_text(stamp)
    out.mkdir(parents=True, exist_ok=True)
    for package in packages:
        shutil.rmtree(out / package, ignore_errors=True)
        if (source_root / package).is_dir():
            _copy_sources(source_root / package, out / package)
    return out


def bundle_functions(
    names: Sequence[str],
    *,
    architecture: Architecture,
    source_root: Path,
    out_root: Path,
    install_deps: bool,
    installer: Installer = pip_install,
) -> dict[str, Path]:
    """Every named function's asset folder, by function name: the one runtime folder of `architecture`."""
    folder = bundle_function(
        f"runtime-{architecture}",
        architecture=architecture,
        source_root=source_root,
        out_root=out_root,
        install_deps=install_deps,
        installer=installer,
    )
    return dict.fromkeys(names, folder)
