"""MeTwin's library: every piece of logic the app and the command line share. No Streamlit imports here."""
