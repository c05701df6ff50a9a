"""`streamlit run app.py` as a subprocess on a free loopback port, with its output kept in a log file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx

from llm.models import PROVIDERS

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"  # Debian's; never `playwright install`
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Every setting the app reads from the environment, and every provider key: a test clears them all.
APP_VARS = (
    "MODEL_PROVIDER",
    "MODEL",
    "OLLAMA_API_BASE",
    "OLLAMA_THINKING",
    "OLLAMA_HIDE_THINKING",
    "OPENAI_COMPATIBLE_API_BASE",
    "LLM_CONNECT_TIMEOUT",
    "LLM_FIRST_TOKEN_TIMEOUT",
    "LLM_STALL_TIMEOUT",
    "LLM_RETRIES",
    "DATABASE_URL",
    "HISTORY",
    "OLLAMA_NUM_CTX",
    "OLLAMA_MAX_CTX",
    "LITELLM_PROXY_API_BASE",
    "APP_PASSCODE",
    "APP_OPEN",
    "OLLAMA_KEEP_ALIVE",
    "STARTERS_FILE",
)
KEY_VARS = tuple(p.key_var for p in PROVIDERS.values() if p.key_var)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(ollama_url: str, **extra: str) -> dict[str, str]:
    """The process environment with every app setting and key cleared, pointed at `ollama_url`.

    Cleared variables are set to "" rather than removed, so a developer's `.env` cannot fill them in.
    """
    env = {k: v for k, v in os.environ.items() if k not in APP_VARS + KEY_VARS}
    env.update(dict.fromkeys(APP_VARS + KEY_VARS, ""))
    env.update(OLLAMA_API_BASE=ollama_url, MODEL="gpt-oss:20b", PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class StreamlitApp:
    """`streamlit run SCRIPT` from `root` (default: the repository, for its .streamlit config), listening on
    `address` (127.0.0.2 stands in for a LAN address: still this machine, but not the app's default)."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        root: Path = ROOT,
        script: str | Path = "app.py",
        address: str = "127.0.0.1",
    ) -> None:
        # A history database of its own, beside the log, unless the test names one.
        self.env = env if env.get("DATABASE_URL") else {**env, "DATABASE_URL": f"sqlite:///{log.parent}/h.db"}
        self.log = log
        self.root = root
        self.script = script
        self.address = address
        self.port = free_port()
        self.spawned = self.healthy = 0.0  # time.monotonic() at spawn and when it first answered
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}/"

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self, timeout: float = 90) -> Self:
        command = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            self.address,
        ]
        self.spawned = time.monotonic()
        with self.log.open("wb") as out:
            self._proc = subprocess.Popen(
                command,
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.monotonic() - self.spawned < timeout:
            if self._proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self._proc.returncode}:\n{self.output()}")
            try:
                if httpx.get(f"{self.url}_stcore/health", timeout=2).text == "ok":
                    self.healthy = time.monotonic()
                    return self
            except httpx.HTTPError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s:\n{self.output()}")

    def rss_mb(self) -> float:
        """Resident memory of the streamlit process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS line")

    def stop(self) -> None:
        """Stop the server by its process id (its own process group, so nothing else is touched)."""
        if self._proc is None or self._proc.poll() is not None:
            return
        os.killpg(self._proc.pid, signal.SIGTERM)
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait(timeout=5)

    def output(self) -> str:
        """Everything the app printed to stdout and stderr so far."""
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
