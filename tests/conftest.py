"""Shared fixtures: a loopback Ollama-protocol server, and the app under AppTest pointed at it."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from llm.models import PROVIDERS
from llm.store import Store
from testkit.fake_ollama import FakeOllama
from testkit.server import APP_VARS
from tests.postgres import Cluster, cluster

ENTRY = Path(__file__).parent / "app_entry" / "main.py"


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    with FakeOllama() as server:
        yield server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow parts, so `pytest -m "not browser and not real_model"` runs the fast suite."""
    for item in items:
        path = Path(str(item.path))
        if "browser" in path.parts:
            item.add_marker(pytest.mark.browser)
        if path.name == "test_real_model.py":
            item.add_marker(pytest.mark.real_model)


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    """A loopback Ollama-protocol server for tests that speak to it directly."""
    with FakeOllama() as server:
        yield server


@pytest.fixture
def client(fake: FakeOllama) -> Iterator[httpx.Client]:
    """An HTTP client for `fake` (no proxy from the environment)."""
    with httpx.Client(base_url=fake.url, timeout=5, trust_env=False) as http:
        yield http


@pytest.fixture
def app_env(ollama: FakeOllama, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeOllama:
    """A clean environment (no keys, no `.env` values) that points the app at the test server, with a
    history database of its own."""
    for var in APP_VARS + tuple(p.key_var for p in PROVIDERS.values() if p.key_var):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'history.db'}")
    monkeypatch.setenv("OLLAMA_API_BASE", ollama.url)
    monkeypatch.setenv("MODEL", "gpt-oss:20b")
    return ollama


@pytest.fixture
def make_app(app_env: FakeOllama) -> Callable[[], AppTest]:
    """Build an AppTest of app.py (through tests/app_entry, see its docstring) and run it once."""

    def build(timeout: float = 30) -> AppTest:
        at = AppTest.from_file(str(ENTRY), default_timeout=timeout)
        at.run()
        assert not at.exception, at.exception
        return at

    return build


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole run (`tests/postgres.py`)."""
    with cluster() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty history database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'history.db'}"
    return request.getfixturevalue("postgres").create_database(f"t{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    """The store on each kind of database, its schema made."""
    made = Store(url)
    made.migrate()
    yield made
    made.close()
