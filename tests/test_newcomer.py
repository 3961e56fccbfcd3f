"""A newcomer's machine: the browser test finds (or installs) a Chromium, or says in one line what to install."""

from __future__ import annotations

import subprocess

import helpers
import pytest


@pytest.fixture
def no_system_chromium(monkeypatch):
    monkeypatch.setattr(helpers, "SYSTEM_CHROMIUMS", ())
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(helpers, "_playwright_chromium", lambda: None)


def test_system_chromium_is_used_first(monkeypatch, tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("")
    monkeypatch.setattr(helpers, "SYSTEM_CHROMIUMS", (str(tmp_path / "absent"), str(fake)))
    monkeypatch.setattr("shutil.which", lambda name: None)
    monkeypatch.setattr(helpers, "_online", lambda host: pytest.fail("no network check needed"))
    assert helpers.find_chromium() == (str(fake), "")


def test_offline_without_chromium_says_what_to_install(no_system_chromium, monkeypatch):
    monkeypatch.setattr(helpers, "_online", lambda host: False)
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("no install attempt offline"))
    path, why = helpers.find_chromium()
    assert path is None and "\n" not in why
    assert "python -m playwright install chromium" in why and "apt-get install chromium" in why


def test_online_installs_playwrights_chromium(no_system_chromium, monkeypatch, tmp_path):
    installed = tmp_path / "ms-playwright" / "chrome"
    calls = []

    def fake_install(command, **kwargs):
        calls.append(command[1:])
        installed.parent.mkdir(parents=True)
        installed.write_text("")

    monkeypatch.setattr(helpers, "_online", lambda host: host == helpers.PLAYWRIGHT_HOST)
    monkeypatch.setattr(subprocess, "run", fake_install)
    monkeypatch.setattr(helpers, "_playwright_chromium", lambda: str(installed) if installed.exists() else None)
    assert helpers.find_chromium() == (str(installed), "")
    assert calls == [["-m", "playwright", "install", "chromium"]]
