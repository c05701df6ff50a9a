"""What tests/ and bench/ share: the loopback Ollama stand-in (`fake_ollama`), the `streamlit run` launcher
with Debian's Chromium settings (`server`), and the page-driving helpers for Playwright (`driver`).

The app never imports it.
"""
