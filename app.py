"""Entry point: `streamlit run app.py`. It routes (each page is a folder under views/: its script, page.py, and
the parts only that page uses) and holds the one setting of every page: presenter mode."""

import streamlit as st

from dashboard import ask_room, board_posts, links, state, widgets

st.set_page_config(page_title="A neural network from scratch", page_icon="🧠", layout="wide")
links.follow_presenter()  # a link with ?presenter=1 turns it on
board_posts.follow_key()  # /class?key=...: this tab is the teacher's, from its first run
board_posts.check_once()  # a class board that cannot be used is said in the server's log, at its first page
if widgets.presenter():  # on a projector the page needs the whole width; the toggle is one click away
    st.set_page_config(initial_sidebar_state="collapsed")
st.sidebar.toggle("📽️ Presenter mode", key=state.PRESENTER,
                  help="For a projector: larger text and charts, explanations folded into expanders. "
                       "The address gets ?presenter=1, so a link opens the app this way.")
widgets.all_numbers_toggle()
widgets.fold_sidebar_after_a_page_is_chosen()
links.mirror_presenter()
widgets.presenter_style()

pages = [
    st.Page("views/home/page.py", title="Home", icon="🏠", default=True),
    st.Page("views/data/page.py", title="The data", icon="🔢", url_path="data"),
    st.Page("views/forward/page.py", title="Forward pass", icon="➡️", url_path="forward"),
    st.Page("views/training/page.py", title="Training", icon="📉", url_path="training"),
    st.Page("views/experiments/page.py", title="Experiments", icon="🧪", url_path="experiments"),
    st.Page("views/class_page/page.py", title="Class", icon="👥", url_path="class"),
    st.Page("views/draw/page.py", title="Draw a digit", icon="✏️", url_path="draw"),
]
page = st.navigation(pages)
ask_room.panel(page.url_path)  # the teacher's question and offers, above whatever page a student is on
page.run()
ask_room.send_class_control(page.url_path, f"{page.icon} {page.title}")  # the teacher's; after the page has put
# its settings in the address
