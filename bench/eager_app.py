"""app.py with litellm imported before anything is drawn, as a page that imports it at the top does.

The "before" of bench/startup.py: the same app, but the first draw waits for litellm.
"""

import runpy

from bench.common import APP
from llm import runtime

runtime.litellm()
runpy.run_path(str(APP), run_name="__main__")
