"""pyproject.toml and environment.yml list the same requirements; torch stays pinned."""

from __future__ import annotations

import tomllib

import yaml

from campaignkit.config import PROJECT_ROOT


def _pyproject_requirements() -> set[str]:
    meta = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return {r.replace(" ", "") for r in meta["dependencies"] + meta["optional-dependencies"]["dev"]}


def _environment_requirements() -> set[str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    return {r.replace(" ", "") for r in pip}


def test_environment_matches_pyproject():
    py, env = _pyproject_requirements(), _environment_requirements()
    assert py == env, f"only in pyproject: {sorted(py - env)}; only in environment.yml: {sorted(env - py)}"


def test_torch_is_pinned():
    assert "torch==2.13.0" in _pyproject_requirements()
