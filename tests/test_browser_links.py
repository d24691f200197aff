"""A link sent to the class, opened in a real browser: the Training page comes up with the link's settings, the
address keeps following the controls, a bad value is named on the page, and presenter mode from a link makes
everything larger. Screenshots: presenter mode and normal mode of the same page, side by side in test-artifacts/.
"""

import pytest

pytestmark = pytest.mark.browser

SHARED = "training?alpha=0.5&hidden_sizes=32&method=mini-batch&epochs=2&batch_size=128&activation=tanh&seed=3"


def slider_value(page, label):
    """The value a slider shows, read from the page as a student reads it."""
    text = page.locator('[data-testid="stSlider"]').filter(has_text=label).first.inner_text()
    return text.split("\n\n")[1]


def query_of(page):
    return dict(part.split("=", 1) for part in page.url.split("?", 1)[1].split("&"))


def test_a_shared_link_opens_the_training_page_with_its_settings(app):
    page = app.page
    app.open(SHARED)
    app.assert_no_exception()
    assert page.locator("h1").first.inner_text() == "📉 Training"
    assert slider_value(page, "Learning rate α") == "0.5"
    assert slider_value(page, "Hidden units per layer") == "32"
    assert slider_value(page, "Epochs (mini-batch)") == "2"
    assert slider_value(page, "Batch size") == "128"
    seed = page.get_by_role("spinbutton", name="Random seed")
    page.wait_for_function("input => input.value === '3'", arg=seed.element_handle(), timeout=10_000)
    assert page.get_by_role("radiogroup").filter(has_text="mini-batches").get_by_role(
        "radio", name="mini-batches").is_checked()
    assert page.locator('[data-testid="stAlertContentWarning"]').count() == 0

    # The address now holds every hyperparameter, and keeps following the controls.
    query = query_of(page)
    assert query["alpha"] == "0.5" and query["hidden_sizes"] == "32" and query["seed"] == "3"
    assert {"init", "momentum", "dev_size", "notebook_bugs", "iterations"} <= set(query)
    seed.fill("7")
    seed.press("Enter")
    page.wait_for_function("() => location.search.includes('seed=7')")
    app.wait_idle()

    # The page offers the link to copy.
    page.get_by_text("🔗 Copy a link to these settings").click()
    code = page.locator('[data-testid="stCode"]').filter(has_text="seed=7").first
    code.wait_for()
    assert "/training?" in code.inner_text() and "alpha=0.5" in code.inner_text()
    app.screenshot("link-training-restored")


def test_a_bad_value_in_a_link_is_named_on_the_page(app):
    page = app.page
    app.open("training?alpha=fast&hidden_sizes=64&colour=blue")
    app.assert_no_exception()
    warnings = page.locator('[data-testid="stAlertContentWarning"]').all_inner_texts()
    text = " ".join(warnings)
    assert "alpha=fast" in text and "back to its default" in text
    assert "colour=blue" in text
    assert slider_value(page, "Learning rate α") == "0.1"
    assert slider_value(page, "Hidden units per layer") == "64"  # the good part of the link still applies
    assert "colour" not in query_of(page) and query_of(page)["alpha"] == "0.1"
    app.screenshot("link-bad-value", whole_page=False)


def test_presenter_mode_from_a_link_is_larger_and_folds_explanations(app):
    page = app.page
    sizes = {}
    for mode, suffix in (("normal", ""), ("presenter", "&presenter=1")):
        app.open("forward?" + suffix.lstrip("&") if suffix else "forward")
        app.assert_no_exception()
        page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
        toggle = page.locator('[data-testid="stSidebar"] input[type="checkbox"]').first  # its only toggle
        assert toggle.is_checked() == (mode == "presenter")
        sizes[mode] = page.evaluate("() => parseFloat(getComputedStyle(document.documentElement).fontSize)")
        explanations = page.locator('[data-testid="stExpander"]').filter(has_text="📖 Explanation").count()
        assert (explanations > 0) == (mode == "presenter")
        app.screenshot(f"presenter-{mode}-forward", whole_page=False)
    assert sizes["presenter"] >= 1.3 * sizes["normal"], sizes

    # Switched off from the sidebar: normal size again, and the address drops ?presenter.
    page.locator('[data-testid="stSidebar"]').get_by_text("📽️ Presenter mode").click()
    page.wait_for_function("() => !location.search.includes('presenter')")
    page.wait_for_function("size => parseFloat(getComputedStyle(document.documentElement).fontSize) === size",
                           arg=sizes["normal"], timeout=10_000)
    app.wait_idle()
    assert page.locator('[data-testid="stExpander"]').filter(has_text="📖 Explanation").count() == 0
