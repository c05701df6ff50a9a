"""Streamlit components shared by the pages."""
