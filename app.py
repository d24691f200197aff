"""Entry point: `streamlit run app.py`. It routes (each page is a short script under views/) and holds the one
setting of every page: presenter mode."""

import streamlit as st

from dashboard import links, state, widgets

st.set_page_config(page_title="A neural network from scratch", page_icon="🧠", layout="wide")
links.follow_presenter()  # a link with ?presenter=1 turns it on
if widgets.presenter():  # on a projector the page needs the whole width; the toggle is one click away
    st.set_page_config(initial_sidebar_state="collapsed")
st.sidebar.toggle("📽️ Presenter mode", key=state.PRESENTER,
                  help="For a projector: larger text and charts, explanations folded into expanders. "
                       "The address gets ?presenter=1, so a link opens the app this way.")
widgets.all_numbers_toggle()
links.mirror_presenter()
widgets.presenter_style()

pages = [
    st.Page("views/home.py", title="Home", icon="🏠", default=True),
    st.Page("views/data.py", title="The data", icon="🔢"),
    st.Page("views/forward.py", title="Forward pass", icon="➡️"),
    st.Page("views/training.py", title="Training", icon="📉"),
    st.Page("views/experiments.py", title="Experiments", icon="🧪"),
    st.Page("views/class_board.py", title="Class", icon="👥", url_path="class"),
    st.Page("views/draw.py", title="Draw a digit", icon="✏️"),
]
st.navigation(pages).run()
