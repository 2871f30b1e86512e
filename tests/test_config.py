"""Paths come from the package location; the data home follows the environment."""

from __future__ import annotations

from pathlib import Path

from campaignkit import config


def test_paths_derive_from_package():
    assert (config.PROJECT_ROOT / "campaignkit" / "config.py").is_file()
    assert config.NOTEBOOKS_DIR == config.PROJECT_ROOT / "notebooks"
    assert config.PROCESSED_DATA_DIR.parent == config.DATA_DIR


def test_data_home_env_override(monkeypatch, tmp_path):
    monkeypatch.delenv("CAMPAIGNKIT_DATA_HOME", raising=False)
    assert config.data_home() == config.RAW_DATA_DIR
    monkeypatch.setenv("CAMPAIGNKIT_DATA_HOME", str(tmp_path))
    assert config.data_home() == Path(tmp_path).resolve()


def test_reports_dir_env_override(monkeypatch, tmp_path):
    monkeypatch.setenv("CAMPAIGNKIT_REPORTS_DIR", str(tmp_path))
    assert config.reports_dir() == Path(tmp_path).resolve()
