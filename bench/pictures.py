"""Pictures in the chat history: what a rerun costs drawing each as sent vs its thumbnail (`Image.thumbnail`).

Every rerun (any click) draws the history again, and `st.image` decodes and re-encodes what it is given
each time. Four 12-megapixel JPEGs (noise, the worst case for a decoder, under the 5 MB limit) are drawn
in an AppTest page, `--runs` reruns each way; the thumbnails are made once, before the first rerun.

    python -m bench.pictures [--runs 15]
"""

from __future__ import annotations

import argparse
import io
import pickle
import statistics
import tempfile
from pathlib import Path

from streamlit.testing.v1 import AppTest

from llm.images import read

PAGE = """
import pickle
import time
import streamlit as st
pictures = pickle.loads(open({path!r}, "rb").read())
began = time.perf_counter()
for picture in pictures:
    st.image([picture.{attribute}], caption=[picture.name], width=160)
st.session_state["seconds"] = time.perf_counter() - began
"""


def photo() -> bytes:
    import numpy as np
    from PIL import Image as Pillow

    noise = (np.random.default_rng(1).random((3000, 4000, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Pillow.fromarray(noise).save(out, "JPEG", quality=40)
    return out.getvalue()


def timed(path: Path, attribute: str, runs: int) -> list[float]:
    at = AppTest.from_string(PAGE.format(path=str(path), attribute=attribute), default_timeout=120)
    at.run()  # the first run loads Pillow and numpy
    seconds = []
    for _ in range(runs):
        at.run()
        assert not at.exception, at.exception
        seconds.append(at.session_state["seconds"])
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    pictures = [read(f"photo{i}.jpg", photo()) for i in range(4)]
    for picture in pictures:
        assert picture.thumbnail  # made once, as the first draw in a session does
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pictures.pickle"
        path.write_bytes(pickle.dumps(pictures))
        full = timed(path, "data", args.runs)
        thumbs = timed(path, "thumbnail", args.runs)
    for name, seconds in (("as sent", full), ("thumbnail", thumbs)):
        print(f"{name:>10}: " + " ".join(f"{s * 1000:.0f}" for s in seconds) + " ms")
    ratio = statistics.median(thumbs) / statistics.median(full)
    print(
        f"median rerun drawing 4 pictures: as sent {statistics.median(full) * 1000:.0f} ms, "
        f"thumbnails {statistics.median(thumbs) * 1000:.0f} ms; ratio {ratio:.2f} (goal <= 0.1: "
        f"{'met' if ratio <= 0.1 else 'NOT met'})"
    )


if __name__ == "__main__":
    main()
