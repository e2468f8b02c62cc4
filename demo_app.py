"""Demo-mode entry point: the same ``app.py``, served behind :class:`lib.demo_http.DemoGuard`.

``python -m lib demo`` runs ``streamlit run demo_app.py``; Streamlit sees the ``st.App`` below and serves it as an ASGI
app, with the guard in front (no uploads, no metrics, no agent API). Do not run this file for everyday use:
``streamlit run app.py`` is the owner's app.
"""
import streamlit as st
from starlette.middleware import Middleware

from lib.demo_http import DemoGuard

app = st.App("app.py", middleware=[Middleware(DemoGuard)])
