"""AppTest of the Training page's hidden layer's map of the digits (views/training/hidden_map.py): the
map of the dev digits at every kept step of a run, its scrubber, the chosen digit beside it, and a network with
no run behind it."""

import numpy as np
from test_page_training import RUN, TABS, at, chart, click, figure_array, finish_training, open_tab, run_ok, texts

from nn_core.pca import hidden_activations, pca
from views.training.hidden_map import DIGIT_COLOURS, hidden_map_figure

__all__ = ["at"]  # the page's fixture, shared with test_page_training


def map_points(figure):
    """{digit: (2, points)}: the map's coordinates of each digit's points (traces 0-9)."""
    return {int(trace["name"]): np.vstack([figure_array(trace["x"]), figure_array(trace["y"])])
            for trace in figure["data"][:10]}


def expected_points(W1, b1, split):
    found = pca(hidden_activations(W1, b1, split.X_dev[:, :1000]))
    Y = split.Y_dev[:1000]
    return {d: found.P[:, Y == d] for d in range(10)}, found


def test_the_map_figure_draws_each_point_as_its_digit_one_trace_per_digit():
    rng = np.random.default_rng(0)
    P, Y = rng.standard_normal((2, 60)), np.repeat(np.arange(10), 6)
    said = (Y, np.full(60, 0.5), "the network at step 7")
    figure = hidden_map_figure(P, Y, np.array([0.31, 0.2]), "map", said=said, chosen=13, shown=[3, 4]).to_dict()
    digits = figure["data"][:10]
    assert [t["name"] for t in digits] == [str(d) for d in range(10)]
    assert [t["visible"] for t in digits] == [d in (3, 4) for d in range(10)]
    assert all(t["mode"] == "text" and set(t["text"]) == {str(d)} for d, t in enumerate(digits))
    assert [t["textfont"]["color"] for t in digits] == list(DIGIT_COLOURS)
    assert "the network at step 7 says" in digits[0]["hovertemplate"]
    centres = figure["data"][10]
    assert centres["text"] == ["<b>3</b>", "<b>4</b>"]  # only the digits shown
    np.testing.assert_allclose(figure_array(centres["x"]), [P[0, Y == 3].mean(), P[0, Y == 4].mean()])
    ring = figure["data"][11]
    assert (figure_array(ring["x"])[0], figure_array(ring["y"])[0]) == (P[0, 13], P[1, 13])
    assert figure["layout"]["xaxis"]["title"]["text"] == "direction 1: 31% of the variance"
    assert figure["layout"]["yaxis"]["scaleanchor"] == "x"  # one unit is as long on both axes: true distances


def test_the_map_follows_the_scrubber_through_the_runs_snapshots(at, sample_split):
    at.select_slider(key="tr_iterations").set_value(20)
    click(at, "tr_train")
    finish_training(at)
    open_tab(at, TABS[3])
    scrubber = at.select_slider(key="tr_map_step")
    assert scrubber.options == ["0", "1", "2", "5", "10", "20"] and scrubber.value == 20
    snapshots = {step: (W1, b1) for step, W1, b1, _ in at.session_state[RUN].snapshots}
    at_the_end = chart(at, "tr_map")
    assert "step 20" in at_the_end["layout"]["title"]["text"]
    expected, found = expected_points(*snapshots[20], sample_split)
    for d, points in map_points(at_the_end).items():
        np.testing.assert_allclose(points, expected[d], rtol=1e-5, atol=1e-6)
    assert sum(points.shape[1] for points in map_points(at_the_end).values()) == 1000
    assert at_the_end["data"][0]["text"][0] == "0" and at_the_end["data"][0]["mode"] == "text"  # digits as marks
    assert f"{found.kept[0]:.0%} of the variance" in at_the_end["layout"]["xaxis"]["title"]["text"]
    keeps = next(m for m in at.metric if m.label == "Variance the map keeps")
    assert keeps.value == f"{found.kept.sum():.0%}"
    assert f"The two axes keep {found.kept.sum():.0%} of A1's variance" in texts(at)

    scrubber.set_value(0)
    run_ok(at)
    at_the_start = chart(at, "tr_map")
    assert "step 0" in at_the_start["layout"]["title"]["text"] and at_the_start != at_the_end
    expected, _ = expected_points(*snapshots[0], sample_split)
    for d, points in map_points(at_the_start).items():
        np.testing.assert_allclose(points, expected[d], rtol=1e-5, atol=1e-6)
    assert not np.allclose(snapshots[0][1], snapshots[20][1])  # b1 moved too, and the map used each step's


def test_a_chosen_digit_is_shown_beside_the_map_with_the_networks_answer(at, sample_split):
    click(at, "tr_step")
    open_tab(at, TABS[3])
    at.number_input(key="tr_map_digit").set_value(7)
    run_ok(at)
    label = sample_split.Y_dev[7]
    assert f"dev digit #7: a {label}" in " ".join(caption for image in at.image for caption in image.captions)
    assert "The network at step 1 says" in texts(at)
    ring = chart(at, "tr_map")["data"][-1]
    position = (figure_array(ring["x"])[0], figure_array(ring["y"])[0])
    digit = map_points(chart(at, "tr_map"))[label]
    index_in_trace = int(np.sum(sample_split.Y_dev[:7] == label))
    np.testing.assert_allclose(position, digit[:, index_in_trace])


def test_a_network_with_no_run_gets_its_map_and_no_scrubber(at):
    open_tab(at, TABS[3])
    assert not [s for s in at.select_slider if s.key == "tr_map_step"]
    assert "A1 of 1,000 dev digits at step 0" in chart(at, "tr_map")["layout"]["title"]["text"]
    assert "Train a network above" in texts(at)


def test_the_panel_beside_the_map_speaks_for_the_step_the_slider_is_on(at, sample_split):
    """Slid back to step 0, the panel names step 0 and gives the answer of the network as it was then (the
    run's fresh network), not the network at the end; the slider's marks are steps, and its help says they are
    not evenly spaced."""
    from nn_core.network import forward_prop
    from nn_core.training import new_network

    at.select_slider(key="tr_iterations").set_value(20)
    run_ok(at)
    click(at, "tr_train")
    finish_training(at)
    open_tab(at, TABS[3])
    at.number_input(key="tr_map_digit").set_value(5)
    run_ok(at)
    scrubber = at.select_slider(key="tr_map_step")
    assert scrubber.options == ["0", "1", "2", "5", "10", "20"] and "not even in steps" in scrubber.help
    X = sample_split.X_dev[:, 5:6]
    run = at.session_state[RUN]
    separated = {}
    for step, network in ((20, run.params), (0, new_network(run.hp))):
        at.select_slider(key="tr_map_step").set_value(step)
        run_ok(at)
        separated[step] = int(next(m.value for m in at.metric if m.label == "Digits nearest their own centre")[:-1])
        A2 = forward_prop(network, X)["A2"][:, 0]
        said = f"The network at step {step} says **{A2.argmax()}** ({A2.max():.0%})"
        assert said in texts(at), (step, said)
        hover = chart(at, "tr_map")["data"][0]["hovertemplate"]
        assert f"the network at step {step} says" in hover
    assert "The network at step 20 says" not in texts(at)  # at step 0, nothing speaks for the end
    assert 10 < separated[0] < separated[20]  # "mostly mixed" at step 0 (above chance), gathering as it learns
