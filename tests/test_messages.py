"""dashboard/messages.py: a line about what a person just did stays on screen for SHOWN seconds, through the
pages' readings of the board every second or two, then goes."""

from types import SimpleNamespace

from conftest import run_ok
from streamlit.testing.v1 import AppTest

from dashboard import messages


def page():
    import streamlit as st

    from dashboard import messages

    st.button("Delete", key="delete", on_click=messages.keep, args=("said", "success", "Deleted."))
    messages.show("said")


def test_a_message_stays_through_the_next_drawings_then_goes(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(messages, "time", SimpleNamespace(monotonic=lambda: now[0]))
    at = run_ok(AppTest.from_function(page))
    assert not at.success
    at.button(key="delete").click()
    run_ok(at)
    for later in (0.0, 2.0, messages.SHOWN - 0.5):  # readings of the board redraw the page
        now[0] = 1000.0 + later
        assert [s.value for s in run_ok(at).success] == ["Deleted."]
    now[0] = 1000.0 + messages.SHOWN + 0.5
    assert not run_ok(at).success
    assert "said" not in at.session_state  # forgotten
