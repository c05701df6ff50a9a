"""Several Ollama servers as one (`OLLAMA_API_BASE=http://a:11434,http://b:11434`).

litellm's `Router` chooses the server of each reply: every model is a deployment on each server that lists
it (`/api/tags`), picked by simple shuffle among the deployments that are not cooling down, and a server
that refused the connection or failed before the first token is reported to the Router, which cools it down
so the retry goes to another. The reply itself is read by `llm.ollama_chat`, as with one server: the Router
only chooses, so thinking, `done_reason`, token counts and `num_ctx` reach the page as they do today.

Simple shuffle rather than least busy: least busy counts the requests in flight through litellm's own
callbacks, in this process only, so with several app processes each would see a fraction of the load;
Ollama queues the requests of a busy model itself, and a shuffle keeps no state to go stale.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from llm import ollama, runtime
from llm.errors import LLMError, ModelNotFound, ollama_model_missing
from llm.models import ModelInfo

REFRESH = 30.0  # seconds a server's model list is trusted before the Router's deployments are rebuilt
UNKNOWN_REFRESH = 2.0  # a model no server listed is looked for again no sooner than this
COOLDOWN = 10.0  # seconds a failed server rests before the Router offers it again


def split_bases(value: str | None) -> tuple[str, ...]:
    """The servers of a comma-separated `OLLAMA_API_BASE`, in order, without repeats."""
    parts = (part.strip().rstrip("/") for part in (value or "").split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def is_pool(value: str | None) -> bool:
    return len(split_bases(value)) > 1


@dataclass(frozen=True)
class ServerModels:
    """What one server answered to `/api/tags`: its models, or why it could not be asked."""

    base: str
    models: tuple[ModelInfo, ...] = ()
    error: LLMError | None = None


def survey(bases: Sequence[str]) -> list[ServerModels]:
    """Each server's installed models, asked at the same time."""

    def ask(base: str) -> ServerModels:
        try:
            return ServerModels(base, tuple(ollama.list_models(base)))
        except LLMError as err:
            return ServerModels(base, error=err)

    with ThreadPoolExecutor(max_workers=len(bases) or 1) as workers:
        return list(workers.map(ask, bases))


@dataclass(frozen=True)
class ServerState:
    """One server for the Models page: installed and loaded models, or why it could not be asked."""

    base: str
    models: tuple[ModelInfo, ...] = ()
    loaded: tuple[ollama.Loaded, ...] = ()
    error: LLMError | None = None


def overview(bases: Sequence[str]) -> list[ServerState]:
    """Each server's installed and loaded models, asked at the same time."""

    def ask(base: str) -> ServerState:
        try:
            return ServerState(base, tuple(ollama.list_models(base)), tuple(ollama.loaded(base)))
        except LLMError as err:
            return ServerState(base, error=err)

    with ThreadPoolExecutor(max_workers=len(bases) or 1) as workers:
        return list(workers.map(ask, bases))


def merged_models(bases: Sequence[str]) -> list[ModelInfo]:
    """The models of every server, once each, with how many servers have each; raises when none answers."""
    answers = survey(bases)
    reached = [a for a in answers if a.error is None]
    if not reached:
        raise next(a.error for a in answers if a.error is not None)
    merged: dict[str, ModelInfo] = {}
    counts: dict[str, int] = {}
    for answer in reached:
        for info in answer.models:
            merged.setdefault(info.name, info)
            counts[info.name] = counts.get(info.name, 0) + 1
    return sorted(
        (replace(info, servers=counts[name], of_servers=len(bases)) for name, info in merged.items()),
        key=lambda m: m.name,
    )


def show(bases: Sequence[str], model: str) -> ModelInfo:
    """`/api/show` from the first server that has the model (capabilities are the model's, not a server's)."""
    error: LLMError = ollama_model_missing(model)
    for base in bases:
        try:
            return ollama.show(base, model)
        except LLMError as err:
            error = error if isinstance(err, ModelNotFound) else err
    raise error


class Pool:
    """litellm's Router over the models of several Ollama servers, rebuilt as their model lists change."""

    def __init__(self, bases: tuple[str, ...]) -> None:
        self.bases = bases
        self._lock = threading.Lock()
        self._router: Any = None
        self._where: dict[str, tuple[str, ...]] = {}  # model -> servers that list it
        self._listed_at = -1e9

    def _deployments(self) -> list[dict[str, Any]]:
        return [
            {
                "model_name": model,
                "litellm_params": {"model": f"ollama_chat/{model}", "api_base": base},
                "model_info": {"id": deployment_id(base, model)},
            }
            for model, bases in sorted(self._where.items())
            for base in bases
        ]

    def stale(self, model: str) -> bool:
        """Whether the model lists are old, or the model was not on them a while ago."""
        age = time.monotonic() - self._listed_at
        return not (age < REFRESH and (model in self._where or age < UNKNOWN_REFRESH))

    def refresh(self, model: str) -> None:
        """Ask the servers for their models when the lists are stale."""
        if not self.stale(model):
            return
        where: dict[str, list[str]] = {}
        for answer in survey(self.bases):
            for info in answer.models:
                where.setdefault(info.name, []).append(answer.base)
        litellm = runtime.litellm()
        with self._lock:
            self._listed_at = time.monotonic()
            self._where = {name: tuple(bases) for name, bases in where.items()}
            if self._router is None:
                # allowed_fails=0: one failure before the first token cools a server down (litellm's own
                # default waits for a failure rate over a minute of traffic).
                self._router = litellm.Router(
                    model_list=self._deployments(),
                    routing_strategy="simple-shuffle",
                    allowed_fails=0,
                    cooldown_time=COOLDOWN,
                    num_retries=0,
                )
            else:
                self._router.set_model_list(self._deployments())

    async def pick(self, model: str) -> str:
        """The server for the next attempt at a reply: the Router's choice among those not cooling down.

        A model on no server goes to the first (its 404 says to pull it); when every server that has it is
        cooling down, one of them is tried anyway, so the reply fails with that server's own error.
        """
        if self.stale(model):  # most picks need no thread: the lists are fresh
            await asyncio.to_thread(self.refresh, model)
        if not self._where.get(model):
            return self.bases[0]
        try:
            deployment = await self._router.async_get_available_deployment(
                model=model, request_kwargs={}, messages=None
            )
            return str(deployment["litellm_params"]["api_base"])
        except Exception:  # litellm's "no deployments available": all are cooling down
            return random.choice(self._where[model])

    def failed(self, model: str, base: str, err: LLMError) -> bool:
        """Report a failure before the first token to the Router; True when another server can take over."""
        if self._router is None or not err.retryable:
            return False
        litellm = runtime.litellm()
        # The Router cools down by HTTP status; a refused connection has none, and litellm ignores errors
        # without one, so it is reported as what it means for the reply: the server is unavailable.
        exception = litellm.ServiceUnavailableError(message=str(err), llm_provider="ollama", model=model)
        exception.status_code = err.status if err.status and err.status >= 500 else 503
        self._router.deployment_callback_on_failure(
            {
                "exception": exception,
                "litellm_params": {
                    "model_info": {"id": deployment_id(base, model)},
                    "metadata": {"model_group": model},
                },
            },
            None,
            time.time(),
            time.time(),
        )
        others = [deployment_id(b, model) for b in self._where.get(model, ()) if b != base]
        cooling = {i for i, _ in self._router.cooldown_cache.get_active_cooldowns(others, None)}
        return any(i not in cooling for i in others)


def deployment_id(base: str, model: str) -> str:
    return f"{base}|{model}"


_pools: dict[tuple[str, ...], Pool] = {}
_pools_lock = threading.Lock()


def pool_for(base: str | None) -> Pool | None:
    """The process's Router for these servers; None for one server (no Router on that path)."""
    bases = split_bases(base)
    if len(bases) < 2:
        return None
    with _pools_lock:
        return _pools.setdefault(bases, Pool(bases))
