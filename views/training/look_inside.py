"""The Training page's first three "look inside" tabs: backpropagation step by step on a batch, the gradient
check against central differences, and the notebook's bugs side by side with the corrected math.
"""

import numpy as np
import pandas as pd
import streamlit as st

from dashboard.tables import wide_table
from dashboard.widgets import matrix, numbers_box, show_code
from nn_core.activations import softmax, softmax_notebook
from nn_core.gradcheck import gradient_check
from nn_core.network import backward_prop, forward_prop, layer_count, update_params
from training_runs.runs import compare_notebook_bugs

G_TEX = {"relu": r"\mathrm{ReLU}'", "sigmoid": r"\sigma'", "tanh": r"\tanh'", "linear": r"1 \cdot"}
BATCH = 256  # examples in the backpropagation walkthrough
MAX_ROWS = 32  # rows of a big gradient matrix drawn as a heatmap
CHECK_EXAMPLES = 32  # examples in the gradient check (float64, two forward passes per entry)


def shape(array):
    return " × ".join(map(str, np.shape(array))) or "a single number"


def pick_batch(split, choice):
    """(X (784, b), Y (b,)): the first BATCH training examples, or the first BATCH of one digit."""
    if choice == "first":
        return split.X_train[:, :BATCH], split.Y_train[:BATCH]
    where = np.flatnonzero(split.Y_train == choice)[:BATCH]
    return split.X_train[:, where], split.Y_train[where]


def _matrix_step(formula, M, explanation, title, rows, columns, key, name):
    left, right = st.columns([2, 3])
    with left:
        st.latex(formula)
        st.markdown(f"**shape {shape(M)}** · {explanation}")
    with right:
        shown = np.atleast_2d(M)[:MAX_ROWS]
        if np.ndim(M) == 2 and M.shape[0] > MAX_ROWS:
            title += f" (first {MAX_ROWS} of {M.shape[0]} rows)"
        matrix(shown, title, rows, columns, name)


def _layer(l, L):
    return "digit" if l == L else f"unit of layer {l}" if l > 0 else "pixel"


def backprop_section(model, split):
    """Backpropagation for the current network on a chosen batch: every dZ, dW, db and the update, with shapes."""
    params, hp = model.params, model.hp
    choice = st.selectbox("Batch", ["first", *range(10)], key="tr_bp_batch",
                          format_func=lambda c: f"the first {BATCH} training examples" if c == "first"
                          else f"{BATCH} training examples of the digit {c}",
                          help="The examples the gradients are averaged over. A batch of one digit shows what "
                               "the network would change to get that digit more right.")
    X, Y = pick_batch(split, choice)
    m, L = X.shape[1], layer_count(params)
    cache = forward_prop(params, X, hp.activation)
    grads, dZs = backward_prop(params, cache, X, Y, hp.activation, keep_dZ=True)
    dZ = {l: dZs[f"dZ{l}"] for l in range(1, L + 1)}
    st.markdown(f"m = **{m}** examples, one per column. The forward pass comes first: $A^{{[{L}]}} = "
                f"\\mathrm{{softmax}}(Z^{{[{L}]}})$ holds the ten probabilities of each example. Then, from the "
                "output back to the input:")
    if hp.notebook_bugs:
        st.caption("This network trains with the notebook's bugs; the walkthrough shows the corrected math "
                   "(the 🐞 tab compares the two).")
    matrices = {f"dZ{L}": dZ[L]}
    _matrix_step(rf"dZ^{{[{L}]}} = A^{{[{L}]}} - \mathrm{{one\_hot}}(Y)", dZ[L],
                 "the error of each probability: negative (red) for the right digit, positive for the others.",
                 f"dZ{L}", "digit", "example", f"tr_bp_dZ{L}", f"dZ{L}")
    for l in range(L, 0, -1):
        previous = "X^{T}" if l == 1 else f"A^{{[{l - 1}]T}}"
        _matrix_step(rf"dW^{{[{l}]}} = \frac{{1}}{{m}}\, dZ^{{[{l}]}} {previous}", grads[f"dW{l}"],
                     f"how the loss changes with each weight of W{l}, averaged over the m examples.",
                     f"dW{l}", _layer(l, L), _layer(l - 1, L), f"tr_bp_dW{l}", f"dW{l}")
        _matrix_step(rf"db^{{[{l}]}} = \frac{{1}}{{m}} \sum_{{i=1}}^{{m}} dZ^{{[{l}]}}_{{:,i}}", grads[f"db{l}"],
                     "one number per unit: the row sums of dZ, divided by m.", f"db{l}", _layer(l, L), "",
                     f"tr_bp_db{l}", f"db{l}")
        matrices.update({f"dW{l}": grads[f"dW{l}"], f"db{l}": grads[f"db{l}"]})
        if l > 1:
            _matrix_step(rf"dZ^{{[{l - 1}]}} = W^{{[{l}]T}} dZ^{{[{l}]}} \circ {G_TEX[hp.activation]}"
                         rf"(Z^{{[{l - 1}]}})", dZ[l - 1],
                         "the error sent back through W, switched off where the unit was not active "
                         "(∘ multiplies entry by entry).", f"dZ{l - 1}", _layer(l - 1, L), "example",
                         f"tr_bp_dZ{l - 1}", f"dZ{l - 1}")
            matrices[f"dZ{l - 1}"] = dZ[l - 1]
    same = all(np.allclose(dZ[l] @ (X if l == 1 else cache[f"A{l - 1}"]).T / m, grads[f"dW{l}"], atol=1e-6)
               for l in range(1, L + 1))
    st.caption(("✅ " if same else "⚠️ ") + "Multiplying each dZ above by the layer's input, transposed, and "
               "dividing by m gives " + ("exactly " if same else "NOT ") + "backward_prop's dW.")
    st.markdown(f"**The update**, with α = {hp.alpha:g}: every weight moves a small step against its gradient.")
    for l in range(1, L + 1):
        step = -hp.alpha * grads[f"dW{l}"]
        _matrix_step(rf"W^{{[{l}]}} \leftarrow W^{{[{l}]}} - \alpha\, dW^{{[{l}]}}", step,
                     f"the change −α dW{l} (largest {np.abs(step).max():.2g}; the weights themselves are "
                     f"about {np.abs(params[f'W{l}']).mean():.2g} on average).", f"change of W{l}", _layer(l, L),
                     _layer(l - 1, L), f"tr_bp_update{l}", f"−α dW{l}")
        matrices[f"−α dW{l}"] = step
    if box := numbers_box("The numbers behind these pictures", "training_numbers_backprop"):
        with box:
            name = st.selectbox("Matrix", list(matrices), key="tr_bp_numbers",
                                help="Pick a matrix shown above to read every one of its entries as a table; the "
                                     "pictures only show their signs and sizes as colours.")
            M = np.atleast_2d(matrices[name])
            st.dataframe(wide_table(M, range(M.shape[1]), range(M.shape[0]), "row"), width="stretch")
    show_code(backward_prop, update_params)


def random_entries(params, X, rng, per_parameter=3):
    """Distinct random entries of every parameter; W1's columns only where X (784, m) has ink somewhere.

    (A pixel that is 0 in every example gives a gradient of exactly 0 on both sides: nothing to check.)
    """
    entries = []
    for name, value in params.items():
        rows, columns = value.shape
        allowed = np.flatnonzero(X.max(axis=1) > 0) if name == "W1" else np.arange(columns)
        flat = rng.choice(rows * len(allowed), size=min(per_parameter, rows * len(allowed)), replace=False)
        entries += [(name, (int(k // len(allowed)), int(allowed[k % len(allowed)]))) for k in flat]
    return entries


def _agree(row):
    """Backprop and the finite difference agree: a small relative error, or a difference below rounding."""
    return row["relative_error"] < 1e-5 or abs(row["analytic"] - row["numerical"]) < 1e-9


def gradcheck_section(model, split):
    """Backprop's gradient beside a finite-difference estimate, at entries the visitor picks."""
    params, hp = model.params, model.hp
    st.markdown(
        "Is backpropagation right? Nudge one weight by ±ε and watch the loss: "
        r"$\frac{\partial L}{\partial w} \approx \frac{L(w+\varepsilon) - L(w-\varepsilon)}{2\varepsilon}$. "
        f"Computed in float64 on the first {CHECK_EXAMPLES} training examples.")
    names = list(params)
    c1, c2, c3 = st.columns(3)
    name = c1.selectbox("Parameter", names, key="tr_gc_name", help="Which weight matrix or bias vector to "
                        "check. Row and column below then choose one of its entries.")
    rows, cols = params[name].shape
    row = c2.number_input("Row (unit)", 0, rows - 1, 0, key="tr_gc_row",
                          help=f"Which row of {name} (0 to {rows - 1}): the unit of the layer this parameter feeds.")
    col = c3.number_input("Column (input)", 0, cols - 1, 0, key="tr_gc_col",
                          help=f"Which column of {name} (0 to {cols - 1}): for W1 the pixel, for W2 the hidden unit; "
                               "a bias vector has one column.",
                          disabled=cols == 1)
    left, right = st.columns(2)
    entries = None
    if left.button("🩺 Check this entry", key="tr_gc_one",
                   help="Computes this entry's gradient both ways, backprop and finite differences. Expect them "
                        "to agree to many digits."):
        entries = [(name, (int(row), int(col)))]
    if right.button("🎲 Check 3 random entries of every parameter", key="tr_gc_random",
                    help="A quick health check of the whole backward pass: each press picks other random "
                         "entries. Expect every relative error to be tiny (below about 1e-5)."):
        checks = st.session_state["tr_gc_count"] = st.session_state.get("tr_gc_count", 0) + 1
        entries = random_entries(params, split.X_train[:, :CHECK_EXAMPLES], np.random.default_rng(checks))
    if entries:
        X, Y = split.X_train[:, :CHECK_EXAMPLES], split.Y_train[:CHECK_EXAMPLES]
        st.session_state["tr_gc_rows"] = gradient_check(params, X, Y, entries, hp.activation)
    results = st.session_state.get("tr_gc_rows")
    if results:
        table = pd.DataFrame([{"parameter": r["name"], "entry": str(r["index"]), "backprop (analytic)": r["analytic"],
                               "finite difference": r["numerical"], "relative error": r["relative_error"],
                               "agree": "✅" if _agree(r) else "❌"} for r in results])
        st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table), column_config={
            c: st.column_config.NumberColumn(format="%.3e") for c in table.columns[2:5]})
        good = all(_agree(r) for r in results)
        st.markdown(("✅ They agree: backpropagation is right." if good else "⚠️ Some entries disagree.")
                    + " In float64, a relative error below about 1e-7 means the two agree; up to 1e-5 can happen "
                    "where a ReLU input sits right at its kink (0). When both gradients are tiny (below about "
                    "1e-7), the finite difference's own rounding error dominates and a larger relative error means "
                    "nothing. A relative error above 1e-3 on a sizeable gradient would mean a bug in the backward "
                    "pass.")
    show_code(gradient_check)


def bugs_section(hp, split):
    """The notebook's three bugs: the same seed trained both ways, and softmax on a large score."""
    st.markdown(
        "- **Scalar db.** `db = np.sum(dZ) / m` sums over the units as well as the examples, so every bias of a "
        "layer gets the same gradient and moves together: the biases cannot learn different offsets.\n"
        "- **m before the split.** The notebook counts m on the whole file, then holds out the dev rows: every "
        "gradient is divided by m_train + dev instead of m_train, so every step is m_train / (m_train + dev) "
        "times too short.\n"
        "- **Softmax without max-shift.** `exp(Z) / sum(exp(Z))` overflows once a score passes about 88 (float32): "
        "inf / inf = NaN, and training is lost.")
    n = st.select_slider("Iterations for each run", (50, 100, 150, 200), key="tr_bugs_n",
                         value=100 if split.X_train.shape[1] <= 20_000 else 50,
                         help="Both runs are full batch, from the same seed, on the data in use. On full MNIST an "
                              "iteration takes about 0.1 s, so 100 iterations, twice, take about 20 s.")
    if st.button("🐞 Train both (notebook and corrected)", key="tr_bugs_run",
                 help="Trains the current architecture twice from the same starting weights, with and without "
                      "the bugs; the table below then compares their db, m, dev accuracy and loss."):
        with st.spinner("Training twice..."):
            st.session_state["tr_bugs_result"] = (n, compare_notebook_bugs(hp, split, n))
    if "tr_bugs_result" in st.session_state:
        n, result = st.session_state["tr_bugs_result"]
        names = sorted(result["corrected"]["db"])
        rows = {f"{db}, first step": [] for db in names}
        rows.update({"m dividing the gradients": [], f"dev accuracy after {n} iterations": [],
                     "loss at the last step": []})
        for name in ("notebook", "corrected"):
            r = result[name]
            for db in names:
                rows[f"{db}, first step"].append(_db_text(r["db"][db]))
            rows["m dividing the gradients"].append(f"{r['m']:,}")
            rows[f"dev accuracy after {n} iterations"].append(
                "diverged" if r["diverged"] else f"{r['dev_accuracy']:.1%}")
            rows["loss at the last step"].append(f"{r['loss']:.4f}")
        st.table(pd.DataFrame(rows, index=["🐞 notebook", "✅ corrected"]).T)
        st.caption("The output layer's scalar db is always 0: each column of A^[L] − one_hot(Y) sums to 1 − 1 = 0, "
                   "so with the notebook's bug the output biases never move at all.")
    st.markdown("**Softmax on a large score.** Move the largest score z₀ and compare:")
    z0 = st.slider("Largest score z₀", 0, 200, 100, key="tr_bugs_logit",
                   help="Scores (Z2) this large appear when the weights grow, e.g. with a large learning rate.")
    Z = np.array([[z0], [2.0], [1.0]], dtype=np.float32)
    st.table(pd.DataFrame({"score z": Z.ravel(), "e^z (float32)": np.exp(Z).ravel(),
                           "softmax_notebook (no shift)": softmax_notebook(Z).ravel(),
                           "softmax (max-shift)": softmax(Z).ravel()}, index=["z₀", "z₁", "z₂"]).map(_number))
    if not np.isfinite(softmax_notebook(Z)).all():
        st.error(f"e^{z0} is more than float32 can hold (about 3.4 × 10^38), so it becomes inf; inf / inf = NaN. "
                 "One NaN in A2 makes the loss, every gradient and then every weight NaN. The max-shift computes "
                 "e^(z − max z) instead: the same probabilities, with exponents never above 0.")
    show_code(softmax_notebook, softmax)


def _db_text(db):
    db = np.ravel(db)
    if db.size == 1:
        value = db[0] if abs(db[0]) > 1e-6 else 0.0  # rounding noise of a sum that is exactly 0 in theory
        return f"{value:.3g} (one scalar for all units)"
    shown = ", ".join(f"{v:+.3f}" for v in db[:10]) + (", ..." if db.size > 10 else "")
    return f"[{shown}] (one per unit)"


def _number(value):
    return "NaN" if np.isnan(value) else "inf" if np.isinf(value) else f"{value:.4g}"
