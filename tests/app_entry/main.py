"""AppTest's entry for app.py.

Streamlit 1.67's AppTest re-detects a `pages/` folder beside the main script before every run and
then runs the page file alone, so from the second run on app.py's sidebar is never drawn (the fix in
streamlit#14217 resets the flag but the folder check sets it again). Running app.py from a folder with
no `pages/` beside it keeps every run on the real entry script, as `streamlit run app.py` does.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parents[2] / "app.py"), run_name="__main__")
