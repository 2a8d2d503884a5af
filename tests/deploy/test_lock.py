"""Builds install exactly the locked versions: every package pinned and hashed, every
dependency of pyproject.toml in the lock at a version it allows."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$")


def _locked(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text()
    pins = {}
    for block in re.split(r"\n(?=\S)", text):
        first = block.splitlines()[0]
        if first.startswith("#") or not first.strip():
            continue
        match = PIN.match(first)
        assert match, f"{name}: not an exact pin: {first}"
        assert "--hash=sha256:" in block, f"{name}: {first} has no hash"
        pins[_normal(match.group(1))] = match.group(2)
    return pins


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.txt", ["dependencies"]), ("requirements-test.txt", ["dependencies", "test"])],
)
def test_the_lock_pins_every_dependency_at_an_allowed_version(lock, groups):
    pins = _locked(lock)
    project = _project()
    wanted = [*project["dependencies"]]
    if "test" in groups:
        wanted += project["optional-dependencies"]["test"]
    for line in wanted:
        requirement = Requirement(line)
        version = pins.get(_normal(requirement.name))
        assert version, f"{lock} lacks {requirement.name}: run python3 scripts/dev.py lock"
        assert requirement.specifier.contains(version, prereleases=True), (lock, line, version)


def test_the_test_lock_agrees_with_the_runtime_lock():
    runtime, test = _locked("requirements.txt"), _locked("requirements-test.txt")
    assert {name: test[name] for name in runtime} == runtime
    assert "redis" in runtime  # REDIS_URL works in the image
