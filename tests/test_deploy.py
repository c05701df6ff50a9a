"""deploy/: the compose file, the proxy's config and the balancer agree with each other and with the app.

Docker cannot run here: the files are read and checked as the services would use them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from llm.config import load_settings
from llm.models import thinking_style
from llm.proxy import from_entry

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
SAMPLE = {  # what deploy/.env would hold
    "POSTGRES_PASSWORD": "secret",
    "APP_PROXY_KEY": "sk-app",
    "LITELLM_MASTER_KEY": "sk-master",
    "LITELLM_SALT_KEY": "sk-salt",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def substitute(value: str) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?message}` with SAMPLE's values."""

    def one(match: re.Match[str]) -> str:
        name, rest = match[1], match[0]
        if name in SAMPLE:
            return SAMPLE[name]
        assert ":?" not in rest, f"{name} is required but not in deploy/.env.example"
        return match[2] or ""

    return VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def proxy_config() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "litellm.yaml").read_text())


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {name: substitute(str(value)) for name, value in service["environment"].items()}


def test_the_example_env_file_names_every_required_variable(compose: dict[str, Any]) -> None:
    example = (DEPLOY / ".env.example").read_text()
    text = (DEPLOY / "compose.yaml").read_text()
    required = {m[1] for m in VARIABLE.finditer(text) if ":?" in m[0]}
    assert required == set(SAMPLE) - {"APP_PROXY_KEY"}
    for name in required | {"APP_PROXY_KEY"}:
        assert re.search(rf"^{name}=", example, re.M), name


def test_every_replica_is_the_same_app_on_the_shared_postgresql(compose: dict[str, Any]) -> None:
    services = compose["services"]
    apps = [name for name, s in services.items() if "build" in s]
    assert apps == ["app1", "app2"] and services["app1"] == services["app2"]
    env = environment(services["app1"])
    settings = load_settings(env)  # the app starts with these values: every one of them is valid
    assert (settings.provider, settings.proxy_base) == ("litellm_proxy", "http://litellm:4000")
    assert settings.ollama_base.count(",") == 1  # two Ollama servers, for the app's own Router
    database = urlsplit(env["DATABASE_URL"])
    postgres = services["postgres"]["environment"]
    assert database.scheme == "postgresql+psycopg" and database.hostname == "postgres"
    assert (database.username, database.path) == (postgres["POSTGRES_USER"], "/" + postgres["POSTGRES_DB"])
    assert set(services["app1"]["depends_on"]) == {"postgres", "litellm"}


def test_the_dockerfile_serves_the_app_where_the_balancer_looks(compose: dict[str, Any]) -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    build = compose["services"]["app1"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    for source in re.findall(r"^COPY (\S+)", dockerfile, re.M):
        assert (ROOT / source).exists(), source
    assert '"--server.address", "0.0.0.0"' in dockerfile and '"--server.port", "8501"' in dockerfile
    nginx = (DEPLOY / "nginx.conf").read_text()
    assert "ip_hash;" in nginx and "proxy_set_header Upgrade $http_upgrade;" in nginx
    assert re.findall(r"server (\w+):(\d+);", nginx) == [("app1", "8501"), ("app2", "8501")]


def test_mounted_files_exist_and_the_proxys_database_is_created(compose: dict[str, Any]) -> None:
    for service in compose["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (DEPLOY / source).is_file(), source
    proxy_db = urlsplit(environment(compose["services"]["litellm"])["DATABASE_URL"])
    assert proxy_db.hostname == "postgres" and proxy_db.path == "/litellm"
    assert "CREATE DATABASE litellm" in (DEPLOY / "postgres-init.sql").read_text()


def test_the_proxy_serves_where_the_app_looks_with_the_settings_it_reads(
    compose: dict[str, Any], proxy_config: dict[str, Any]
) -> None:
    proxy = compose["services"]["litellm"]
    command = proxy["command"]
    assert command[command.index("--config") + 1] == "/app/config.yaml"
    assert "./litellm.yaml:/app/config.yaml:ro" in proxy["volumes"]
    port = command[command.index("--port") + 1]
    assert environment(compose["services"]["app1"])["LITELLM_PROXY_API_BASE"] == f"http://litellm:{port}"
    env = environment(proxy)
    referenced = set(re.findall(r"os\.environ/(\w+)", (DEPLOY / "litellm.yaml").read_text()))
    assert referenced <= set(env), referenced - set(env)
    assert proxy_config["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"


def test_each_proxy_model_thinks_in_the_app_as_its_family_does(proxy_config: dict[str, Any]) -> None:
    """The proxy's /v1/model/info entries for these models, as the app reads them."""
    entries = {e["model_name"]: e for e in proxy_config["model_list"]}
    styles = {name: thinking_style(from_entry(name, entry)) for name, entry in entries.items()}
    assert styles == {
        "gpt-oss:20b": "ollama-effort",
        "qwen3:8b": "ollama-toggle",
        "gpt-5-mini": "openai-effort",
        "claude-sonnet-4-5": "anthropic-budget",
        "gemini-2.5-flash": "gemini-flash-budget",
    }
