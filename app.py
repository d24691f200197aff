"""Entry point: `streamlit run app.py`. It only routes; each page is a short script under pages/."""

import streamlit as st

st.set_page_config(page_title="A neural network from scratch", page_icon="🧠", layout="wide")

pages = [
    st.Page("pages/home.py", title="Home", icon="🏠", default=True),
    st.Page("pages/data.py", title="The data", icon="🔢"),
    st.Page("pages/forward.py", title="Forward pass", icon="➡️"),
    st.Page("pages/training.py", title="Training", icon="📉"),
    st.Page("pages/experiments.py", title="Experiments", icon="🧪"),
    st.Page("pages/draw.py", title="Draw a digit", icon="✏️"),
]
st.navigation(pages).run()
