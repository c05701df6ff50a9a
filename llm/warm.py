"""Load model: an Ollama model read into memory before a demo, in the background, with its progress."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from llm import keep_alive, ollama, servers
from llm.errors import LLMError, ModelNotFound


@dataclass
class Warmup:
    """One Load model request: where, what, for how long, and how it went (read from any thread).

    With several Ollama servers, the model is loaded on every server that has it, at once.
    """

    base: str
    model: str
    keep: str  # keep_alive, as `llm.keep_alive` holds it
    began: float = field(default_factory=time.monotonic)
    seconds: float | None = None  # how long the load took, once it has
    error: str = ""
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def start(self, timeout: float) -> Warmup:
        self.began = time.monotonic()
        threading.Thread(target=self._run, args=(timeout,), name="load-model", daemon=True).start()
        return self

    def _run(self, timeout: float) -> None:
        try:
            bases = servers.split_bases(self.base)
            if len(bases) > 1:
                bases = tuple(
                    s.base for s in servers.survey(bases) if any(m.name == self.model for m in s.models)
                )
                if not bases:
                    raise ModelNotFound(
                        f"No Ollama server has `{self.model}`. Run `ollama pull {self.model}`."
                    )
            with ThreadPoolExecutor(max_workers=len(bases)) as workers:
                took = list(workers.map(lambda base: self._load(base, timeout), bases))
            self.seconds = max(took)
        except LLMError as err:
            self.error = f"Could not load `{self.model}`: {err}"
        except Exception as exc:  # a thread's failure must reach the page as words, not vanish
            self.error = f"Could not load `{self.model}`: {type(exc).__name__}."
        finally:
            self._done.set()

    def _load(self, base: str, timeout: float) -> float:
        return ollama.load(base, self.model, keep_alive.wire(self.keep), timeout)

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def status(self) -> str:
        """'Loading… 4 s', 'Loaded in 12.3 s · kept 30 min', or what went wrong."""
        if not self.done:
            return f"Loading… {time.monotonic() - self.began:.0f} s"
        if self.error:
            return self.error
        kept = keep_alive.label(self.keep)
        return f"Loaded in {self.seconds:.1f} s · kept " + (kept.lower() if kept[0].isupper() else kept)
