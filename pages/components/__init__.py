"""Shared Streamlit views of the pages (a sub-package: Streamlit's legacy ``pages/`` discovery lists only top-level
``pages/*.py`` files, so nothing here becomes a page)."""
