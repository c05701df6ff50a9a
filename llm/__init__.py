"""The app's LLM library: providers, models, thinking levels, streaming and errors. No Streamlit here."""
