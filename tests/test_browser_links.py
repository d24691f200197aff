"""A link sent to the class, opened in a real browser: the Training page comes up with the link's settings, the
address keeps following the controls, a bad value is named on the page, and presenter mode from a link makes
everything larger. Screenshots (with SCREENSHOTS): presenter mode and normal mode of the same page, side by side.
"""

import pytest

pytestmark = pytest.mark.browser

SHARED = "training?alpha=0.5&hidden_sizes=32&method=mini-batch&epochs=2&batch_size=128&activation=tanh&seed=3"


def slider_value(page, label):
    """The value a slider shows, as a student reads it (the number over its thumb)."""
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).first.locator(
        '[data-testid="stSliderThumbValue"]')


def query_of(page):
    return dict(part.split("=", 1) for part in page.url.split("?", 1)[1].split("&"))


def test_a_shared_link_opens_the_training_page_with_its_settings(app):
    from playwright.sync_api import expect

    page = app.page
    app.open(SHARED)
    app.assert_no_exception()
    expect(page.locator("h1").first).to_have_text("📉 Training")
    expect(slider_value(page, "Learning rate α")).to_have_text("0.5")
    expect(slider_value(page, "Hidden units per layer")).to_have_text("32")
    expect(slider_value(page, "Epochs (mini-batch)")).to_have_text("2")
    expect(slider_value(page, "Batch size")).to_have_text("128")
    seed = page.get_by_role("spinbutton", name="Random seed")
    expect(seed).to_have_value("3")
    expect(page.get_by_role("radiogroup").filter(has_text="mini-batches").get_by_role(
        "radio", name="mini-batches")).to_be_checked()
    expect(page.locator('[data-testid="stAlertContentWarning"]')).to_have_count(0)

    # The address now holds every hyperparameter, and keeps following the controls.
    page.wait_for_function("() => ['init=', 'momentum=', 'dev_size=', 'notebook_bugs=', 'iterations=']"
                           ".every(name => location.search.includes(name))")
    query = query_of(page)
    assert query["alpha"] == "0.5" and query["hidden_sizes"] == "32" and query["seed"] == "3"
    seed.fill("7")
    seed.press("Enter")
    page.wait_for_function("() => location.search.includes('seed=7')")
    app.wait_idle()

    # The page offers the link to copy.
    page.get_by_text("🔗 Copy a link to these settings").click()
    code = page.locator('[data-testid="stCode"]').filter(has_text="seed=7").first
    expect(code).to_contain_text("/training?")
    expect(code).to_contain_text("alpha=0.5")
    app.screenshot("link-training-restored")


def test_a_bad_value_in_a_link_is_named_on_the_page(app):
    import re

    from playwright.sync_api import expect

    page = app.page
    app.open("training?alpha=fast&hidden_sizes=64&colour=blue")
    app.assert_no_exception()
    warnings = page.locator('[data-testid="stAlertContentWarning"]')
    expect(warnings.filter(has_text="alpha=fast").first).to_contain_text("back to its default")
    expect(warnings.filter(has_text="colour=blue").first).to_be_visible()
    expect(slider_value(page, "Learning rate α")).to_have_text("0.1")
    expect(slider_value(page, "Hidden units per layer")).to_have_text("64")  # the good part of the link still applies
    expect(page).not_to_have_url(re.compile("colour"))
    expect(page).to_have_url(re.compile(r"[?&]alpha=0\.1(&|$)"))
    assert "colour" not in query_of(page) and query_of(page)["alpha"] == "0.1"
    app.screenshot("link-bad-value")


def test_presenter_mode_from_a_link_is_larger_and_folds_explanations(app):
    from playwright.sync_api import expect

    page = app.page
    sizes = {}
    font_size = "() => parseFloat(getComputedStyle(document.documentElement).fontSize)"
    for mode, suffix in (("normal", ""), ("presenter", "&presenter=1")):
        app.open("forward?" + suffix.lstrip("&") if suffix else "forward")
        app.assert_no_exception()
        expect(page.locator(".st-key-forward_picture svg image.weights").first).to_be_visible()  # the network
        if mode == "presenter":  # presenter mode closes the sidebar: open it to reach the toggle
            page.locator('[data-testid="stExpandSidebarButton"]').first.click()
        toggle = page.locator('[data-testid="stSidebar"] input[type="checkbox"]').first  # its only toggle
        explanations = page.locator('[data-testid="stExpander"]').filter(has_text="📖 Explanation")
        if mode == "presenter":
            expect(toggle).to_be_checked()
            expect(explanations.first).to_be_attached()
            page.wait_for_function(f"size => ({font_size})() >= 1.3 * size", arg=sizes["normal"])
        else:
            expect(toggle).not_to_be_checked()
            expect(explanations).to_have_count(0)
        sizes[mode] = page.evaluate(font_size)
        app.screenshot(f"presenter-{mode}-forward")
    assert sizes["presenter"] >= 1.3 * sizes["normal"], sizes

    # Switched off from the sidebar: normal size again, and the address drops ?presenter.
    page.locator('[data-testid="stSidebar"]').get_by_text("📽️ Presenter mode").click()
    page.wait_for_function("() => !location.search.includes('presenter')")
    page.wait_for_function(f"size => ({font_size})() === size", arg=sizes["normal"])
    app.wait_idle()
    expect(page.locator('[data-testid="stExpander"]').filter(has_text="📖 Explanation")).to_have_count(0)
