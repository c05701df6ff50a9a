"""A real LiteLLM Proxy (`litellm --config`, from the `litellm[proxy]` package) in front of loopback Ollamas.

Serve the same by hand: start two stand-ins (`python -m testkit.fake_ollama --port 11435`, `--port 11436`),
write `config(...)` to a file and run `litellm --config FILE --port 4000`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.postgres import free_port

MASTER_KEY = "sk-test-master"
STARTUP = 120.0  # seconds: the proxy imports litellm and its web stack (about 15 s on 2 busy cores)


def config(a: str, b: str) -> dict[str, Any]:
    """qwen3 on both stand-ins (the proxy balances it), gpt-oss on A, llama3.2 on B; `limited` takes one
    request a minute and `metered` has a budget spent by its first reply (it is priced at a cent a token)."""

    def deployment(name: str, model: str, base: str, **params: Any) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "model_name": name,
            "litellm_params": {"model": f"ollama_chat/{model}", "api_base": base, **params},
        }
        if model.startswith("qwen3"):
            entry["model_info"] = {"supports_reasoning": True}  # the proxy cannot ask Ollama's /api/show
        return entry

    return {
        "model_list": [
            deployment("qwen3:8b", "qwen3:8b", a),
            deployment("qwen3:8b", "qwen3:8b", b),
            deployment("gpt-oss:20b", "gpt-oss:20b", a),
            deployment("llama3.2:3b", "llama3.2:3b", b),
            deployment("limited", "qwen3:8b", a, rpm=1),
            deployment(
                "metered",
                "qwen3:8b",
                b,
                max_budget=0.000001,
                budget_duration="1d",
                input_cost_per_token=0.01,
                output_cost_per_token=0.01,
            ),
        ],
        "router_settings": {"optional_pre_call_checks": ["enforce_model_rate_limits"]},
        "general_settings": {"master_key": MASTER_KEY},
    }


def command() -> list[str]:
    found = shutil.which("litellm") or str(Path(sys.executable).with_name("litellm"))
    if not Path(found).exists():
        raise RuntimeError(
            'The litellm proxy is not installed: pip install "litellm[proxy]" (requirements-dev.txt).'
        )
    return [found]


@contextmanager
def running(settings: dict[str, Any], workdir: Path) -> Iterator[str]:
    """Start the proxy with `settings` as its config file; yield its URL; stop it."""
    path = workdir / "litellm.yaml"
    path.write_text(yaml.safe_dump(settings))
    port = free_port()
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_PROXY": "127.0.0.1,localhost"}
    env.pop("DATABASE_URL", None)  # the app's history database is not the proxy's
    log = (workdir / "litellm.log").open("w")
    process = subprocess.Popen(
        [*command(), "--config", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=workdir,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(url, process, workdir / "litellm.log")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP
    with httpx.Client(trust_env=False, timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"litellm exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if client.get(f"{url}/health/liveliness").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
    raise RuntimeError(f"litellm did not start within {STARTUP:.0f} s:\n{log.read_text()[-3000:]}")
