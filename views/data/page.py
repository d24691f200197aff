"""The data: what MNIST is, and what the network sees.

Where the digits come from (sample, full MNIST, an uploaded CSV), the table as pandas reads it, the images
themselves, and the notebook's preparation from that table to X, a (784, m) matrix with one example per
column, pixels divided by 255.
"""


import numpy as np
import pandas as pd
import streamlit as st

import nn_core.data
import nn_core.mnist_files
from dashboard import links, pictures, state, tables, widgets
from nn_core.data import PIXELS, SIDE, split_dev
from views.data.sources import (
    DOWNLOAD_NOTE,
    SOURCE_PICK,
    UPLOAD,
    UPLOAD_ERROR,
    get_full_mnist,
    read_upload,
    switch_source,
)
from views.data.summaries import (
    DEV_SIZE,
    ENLARGED,
    GRID_DIGIT,
    GRID_SEED,
    bigger,
    class_counts_chart,
    digits_fingerprint,
    head_table,
    pick_examples,
    pixel_grid,
    pixel_histogram,
    reshuffle,
    statistics,
)

DIGITS = list(range(10))
GRID_ROWS, GRID_COLUMNS = 2, 10  # the sample grid: 20 digits
SCALE = 4  # each MNIST pixel is drawn SCALE x SCALE screen pixels, so small images stay sharp
SPLIT_SEED = 0  # the shuffle before the dev split (the notebook does not seed; we do, so reruns agree)
INK_ROW = 14  # the middle row of the image, where most digits have ink: used to show the transpose
BLUE, ORANGE = "#0072B2", "#E69F00"  # Okabe-Ito colours, safe for colour-blind viewers
FONT = dict(size=16)


# ---------------------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------------------

st.title("🔢 The data: what the network sees")
digits_slot = st.container() if widgets.presenter() else None  # on a projector the digits come first
widgets.explain(
    """
**The task** (MNIST): look at a 28 x 28 greyscale picture of a handwritten digit and say which of the
**10 classes, 0 to 9**, it is. Full MNIST has **60,000 training** and **10,000 test** images. Each picture is
784 numbers, one per pixel, from **0 (black)** to **255 (white)**: a white digit on a black background.
The network never sees a picture, only those 784 numbers.
"""
)

# 1. Where the digits come from --------------------------------------------------------------------------
st.header("1 · Which digits are we using?")
sources = state.shared_sources()
data = state.digits()
st.info(f"**In use:** {data.description}.")
if data.warning:
    st.warning(data.warning)

choices = list(sources) + (["uploaded CSV"] if state.UPLOADED in st.session_state else [])
sizes = {name: len(sources[name].labels) for name in sources}
if state.UPLOADED in st.session_state:
    sizes["uploaded CSV"] = len(st.session_state[state.UPLOADED].labels)
st.session_state[SOURCE_PICK] = data.source  # the radio always shows the data really in use

# On a projector the set-up is folded away, below the digits.
setup = (st.expander("⚙️ Choose other digits", expanded=UPLOAD_ERROR in st.session_state
                     or DOWNLOAD_NOTE in st.session_state) if widgets.presenter() else st.container())
pick_column, upload_column, download_column = setup.columns([1, 1.4, 1], gap="large")
with pick_column:
    st.radio(
        "Data in use", choices, key=SOURCE_PICK, on_change=switch_source,
        format_func=lambda name: f"{name} ({sizes[name]:,} digits)",
        help="Switch between the digits available. Every chart and shape on this page, and the other pages, "
             "follow your choice; other visitors keep theirs.",
    )
with upload_column:
    st.file_uploader(
        "Or upload your own CSV (like Kaggle's train.csv)", type=["csv"], key=UPLOAD, on_change=read_upload,
        max_upload_size=100,
        help="One digit per line: the label 0..9, then 784 pixel values 0..255 separated by commas; a header "
             "line `label,pixel0,...,pixel783` is fine. A good file becomes the data in use; a bad one is "
             "explained and the data in use stays.",
    )
    if UPLOAD_ERROR in st.session_state:
        st.error(st.session_state[UPLOAD_ERROR])
with download_column:
    st.markdown("**Full MNIST** (11.5 MB download)")
    if data.source == "full MNIST":
        st.button("✅ Full MNIST is in use", key="data_full_in_use", disabled=True,
                  help="You are already working with all 60,000 training digits.")
    elif "full MNIST" in sources:
        st.button("Use full MNIST", key="data_use_full", on_click=state.use_source, args=("full MNIST",),
                  help="The server already has the full MNIST: switch to its 60,000 training digits.")
    elif st.button("⬇️ Get full MNIST", key="data_get_full",
                   help="Downloads MNIST (11.5 MB) to the server once, then everyone can use it. "
                        "Without internet it says so and you keep the digits you have."):
        get_full_mnist()
    if DOWNLOAD_NOTE in st.session_state:
        kind, message = st.session_state.pop(DOWNLOAD_NOTE)
        if kind == "success":
            st.success(message)
        else:
            st.error(message)

# 2. The table, as pandas reads it -----------------------------------------------------------------------
m = len(data.labels)
st.header("2 · The table, as pandas reads it")
code_column, table_column = st.columns([1.4, 2.2], gap="large")
with code_column:
    widgets.code_block(f'data = pd.read_csv("train.csv")\ndata.head()\n\ndata.shape\n# ({m}, 785)')
    st.markdown(f"`data.shape` is **({m:,}, 785)**: m = {m:,} rows, one per digit, and 785 columns, the label "
                "then 784 pixels.")
with table_column:
    widgets.scrolling_table(head_table(data), "data.head(): the first 5 rows of the table, 785 columns")
    st.caption(
        f"`data.head()`: the first 5 of {m:,} rows. Column `label` is the answer; `pixel0` ... `pixel783` are the "
        "image read row by row (pixel0 top left, pixel783 bottom right). The first columns are 0 because the "
        "corners of every image are black: scroll right to around pixel150 to reach the ink."
    )

# 3. Looking at the digits -------------------------------------------------------------------------------
with digits_slot or st.container():
    st.header("3 · Look at the digits")
    pick_digit, shuffle_button = st.columns([4, 1], vertical_alignment="bottom")
    with pick_digit:
        digit = st.segmented_control(
            "Show", ["all", *DIGITS], default="all", required=True, key=GRID_DIGIT,
            format_func=lambda d: "all digits" if d == "all" else str(d),
            help="Show random digits of every class, or only of one class, to see how differently people write it.",
        )
    with shuffle_button:
        st.button("🔀 Reshuffle", key="data_reshuffle", on_click=reshuffle, width="stretch",
                  help="Draw another random set of digits. The set stays the same while you use other controls.")

    picks = pick_examples(data.labels, digit, GRID_ROWS * GRID_COLUMNS, st.session_state.get(GRID_SEED, 0))
    if len(picks) == 0:
        st.warning(f"There is no digit {digit} in this data: pick another class.")
    else:
        # One element holding every picture of the grid (the browser lays them out in rows), not one per picture.
        st.image([bigger(data.images[index].reshape(SIDE, SIDE)) for index in picks], width=SIDE * SCALE,
                 caption=[f"label {data.labels[index]}" for index in picks],
                 alt=[f"a handwritten {data.labels[index]}, 28 x 28 pixels" for index in picks])

        st.subheader("One digit, enlarged: the 784 numbers the network reads")
        pick_column, image_column, text_column = st.columns([1, 0.6, 1.6], gap="large")
        with pick_column:
            chosen = st.selectbox(
                "Enlarge one digit", range(len(picks)), key=ENLARGED,
                format_func=lambda i: f"#{i + 1} in the grid (label {data.labels[picks[i]]})",
                help="Pick a digit from the grid above to see all 784 of its numbers below.",
            )
        index = picks[chosen if chosen is not None and chosen < len(picks) else 0]
        image = data.images[index].reshape(SIDE, SIDE)
        with image_column:
            st.image(bigger(image, 8), caption=f"row {index} of the table: label {data.labels[index]}",
                     alt=f"the handwritten {data.labels[index]} of row {index}, enlarged",
                     width="stretch")
        with text_column:
            st.markdown(
                f"The network reads this image as the **784 numbers** below, row after row: pixel (row r, "
                f"column c) is number **28·r + c** of the row in the table. For example row {INK_ROW}, "
                f"column 10 is `pixel{INK_ROW * SIDE + 10}` = **{image[INK_ROW, 10]}**. Black is 0, white is 255, "
                "and the grey edges of the strokes lie in between."
            )
        st.image(pixel_grid(image), width="stretch",
                 caption=f"The 784 numbers of row {index} (label {data.labels[index]}), each in its pixel: 28 rows of "
                         "28, row r and column c numbered along the edges.",
                 alt=f"The handwritten {data.labels[index]} as a 28 by 28 grid of numbers from 0 to 255; the table "
                     "below holds the same numbers.")
        if box := widgets.numbers_box("These 784 numbers as a table", "data_numbers_pixels"):
            with box:
                st.dataframe(tables.wide_table(image, range(SIDE)), height=1015)

    per_class, pixel_counts, averages = statistics(digits_fingerprint(data), data)
    counts_column, histogram_column = st.columns(2, gap="large")
    with counts_column:
        st.image(class_counts_chart(per_class, widgets.in_units(560), widgets.in_units(400)), width="stretch",
                 caption=f"{m:,} digits; the classes are roughly, not exactly, balanced.",
                 alt="Bars of the number of images of each digit: " + ", ".join(
                     f"{digit}: {count:,}" for digit, count in zip(DIGITS, per_class, strict=True)))
    with histogram_column:
        share = pixel_counts / pixel_counts.sum()
        st.image(pixel_histogram(pixel_counts, widgets.in_units(560), widgets.in_units(400)), width="stretch",
                 caption=f"{share[0]:.0%} of all pixels are exactly 0 (black background), {share[255]:.1%} are 255 "
                         "(full white); the rest are the grey edges of the strokes.",
                 alt=f"Bars of how many pixels have each value 0 to 255, on a log scale: {share[0]:.0%} are 0 and "
                     f"{share[255]:.1%} are 255; the values between are far rarer.")

    if box := widgets.numbers_box("The numbers behind these charts", "data_numbers_charts"):
        with box:
            left, right = st.columns(2)
            left.dataframe(pd.DataFrame({"digit": DIGITS, "images": per_class}), hide_index=True)
            right.dataframe(pd.DataFrame({"pixel value": np.arange(256), "how many pixels": pixel_counts}),
                            hide_index=True)

    st.subheader("The average image of each digit")
    st.image([bigger(averages[shown].astype(np.uint8)) for shown in DIGITS], width=SIDE * SCALE,
             caption=[f"{shown} ({per_class[shown]:,})" for shown in DIGITS],
             alt=[f"the average of every {shown} in the data: a blurred {shown}" for shown in DIGITS])
    st.caption("Each pixel averaged over every image of that class (count in brackets): a blurry 'typical' digit.")

# 4. From the table to X ---------------------------------------------------------------------------------
st.header("4 · From the table to X: the notebook's preparation")
if m < 2:
    st.error("This data has a single digit: there must be at least two, one to train on and one to hold out.")
    st.stop()
usual_dev_size = min(1000, max(1, m // 10))  # the notebook's 1,000, or a tenth of a small set
if DEV_SIZE not in st.session_state or state.dev_size_from_elsewhere("data"):  # the size the pages share
    st.session_state[DEV_SIZE] = state.dev_size() or usual_dev_size
dev_link = [links.Setting("dev_size", DEV_SIZE, links.whole(1, m - 1), usual_dev_size)]
links.follow(dev_link)  # a link such as /data?dev_size=500
if st.session_state[DEV_SIZE] > m - 1:  # a smaller data set came in
    st.session_state[DEV_SIZE] = usual_dev_size
size_column, _ = st.columns([1, 2])
dev_size = size_column.number_input(
    "Dev set size (digits held out, never trained on)", min_value=1, max_value=m - 1, step=100, key=DEV_SIZE,
    help="The notebook holds out 1,000. Change it and watch every shape below follow; the 📉 Training page "
         "uses the same size.",
)
state.set_dev_size(dev_size, "data")
links.mirror(dev_link)
try:
    split = state.data_split(int(dev_size), SPLIT_SEED)
except ValueError as error:
    st.error(str(error))
    st.stop()
m_train, m_dev = split.Y_train.shape[0], split.Y_dev.shape[0]

steps = [  # (code, what it gives), with the real sizes
    ("data = np.array(data)", f"({m}, 785): one digit per row"),
    ("np.random.shuffle(data)", "the rows in random order; same shape"),
    ("", ""),
    (f"data_dev = data[:{m_dev}].T", f"({m_dev}, 785) transposed: (785, {m_dev})"),
    ("Y_dev = data_dev[0]", f"({m_dev},) the labels"),
    ("X_dev = data_dev[1:] / 255.", f"(784, {m_dev}) one digit per column, 0..1"),
    ("", ""),
    (f"data_train = data[{m_dev}:].T", f"({m_train}, 785) transposed: (785, {m_train})"),
    ("Y_train = data_train[0]", f"({m_train},)"),
    ("X_train = data_train[1:] / 255.", f"(784, {m_train})"),
]
widgets.code_block("\n".join(f"{code:<34}# {shape}" if code else "" for code, shape in steps))
st.latex(
    r"X = \begin{bmatrix} | & | & & | \\ x^{(1)} & x^{(2)} & \cdots & x^{(m)} \\ | & | & & | \end{bmatrix}"
    r"\in \mathbb{R}^{784 \times m}, \qquad Y = \begin{bmatrix} y^{(1)} & y^{(2)} & \cdots & y^{(m)}\end{bmatrix}"
)
arrays = {"X_train": split.X_train, "Y_train": split.Y_train, "X_dev": split.X_dev, "Y_dev": split.Y_dev,
          "X_test": split.X_test, "Y_test": split.Y_test}
shapes = pd.DataFrame(
    [{"array": name, "shape": str(a.shape), "dtype": str(a.dtype), "smallest": f"{a.min():g}",
      "largest": f"{a.max():g}"} for name, a in arrays.items() if a is not None]
)
st.table(shapes, hide_index=True)
st.caption("The real arrays the training page uses (nn_core.data.split_dev, seed 0). Pixels now go from 0 to 1.")

st.subheader("Transposed: the first column of X is the first example")
window = range(INK_ROW * SIDE + 10, INK_ROW * SIDE + 14)  # four pixels of the middle row, where the ink is
names = [f"pixel{k}" for k in window]
shown = min(3, m_train)  # the first few examples
before, after = st.columns([1.25, 1], gap="large")
with before:
    st.markdown(f"**Before `.T`**: one example per row ({shown} rows x 4 of the 784 pixels), 0..255")
    rows = np.rint(split.X_train[window, :shown].T * 255).astype(int)
    st.table(pd.DataFrame(rows, index=[f"example {j}: a {split.Y_train[j]}" for j in range(shown)],
                          columns=names))
with after:
    st.markdown(f"**After `.T` and `/ 255.`**: one example per column (4 pixels x {shown} columns)")
    st.table(pd.DataFrame(split.X_train[window, :shown], index=names,
                          columns=[f"X[:, {j}]" for j in range(shown)]).round(3))
picture, words = st.columns([1, 4], vertical_alignment="center")
picture.image(bigger(np.rint(pictures.image_of(split.X_train[:, 0]) * 255).astype(np.uint8)), width="stretch",
              alt=f"the first training example, a handwritten {split.Y_train[0]}",
              caption="X_train[:, 0] as 28 x 28")
words.markdown(
    f"Column 0 of `X_train`, its 784 numbers put back into 28 rows of 28, is the first training example: "
    f"a **{split.Y_train[0]}**, and `Y_train[0]` = **{split.Y_train[0]}** is its label. Column j of X and entry j "
    "of Y always belong together."
)
widgets.show_code(split_dev, nn_core.data._as_columns, title="The code that does this: nn_core.data.split_dev")

# 5. Why hold out a dev set ------------------------------------------------------------------------------
st.header("5 · Why hold out a dev set?")
test_note = (
    f"Full MNIST also has a real **test set of {split.Y_test.shape[0]:,} digits**, written by other people, kept for "
    "one last honest check and never used to choose anything."
    if split.X_test is not None else
    f"The {data.source} has no separate test set, so here the dev set is the only judge of unseen digits "
    "(full MNIST brings a real test set of 10,000)."
)
st.markdown(
    f"""
A network can get very good at the digits it trains on simply by memorising them (**overfitting**), and then
fail on new handwriting. What we want is that it **generalises** to digits it has never seen. So
**{m_dev:,} digits are held out as the dev set**: never trained on, only used to measure accuracy and to
choose hyperparameters such as the learning rate. The network learns from the other **{m_train:,}**.
When training accuracy climbs far above dev accuracy, the network is memorising. {test_note}
"""
)

widgets.try_this(
    "Pick one class, say **4**, and reshuffle a few times. Which ones would *you* get wrong? Compare them with "
    "the average 4 above.",
    "Set the dev set to **100**, then to **1,000**. With 100 dev digits, how many percentage points is one "
    "mistake worth? How far would you trust \"dev accuracy 85%\" measured on each?",
)
widgets.quiz("How many numbers describe one image?", [SIDE, 255, PIXELS, PIXELS + 1], data.images.shape[1],
        f"{SIDE} rows x {SIDE} columns = {SIDE * SIDE} pixels, one number (0..255) each. 785 is a row of the "
        "table, the label and the 784 pixels; 255 is the largest value one pixel can take.", key="data_quiz_pixels")
widgets.quiz(f"X_train holds the {m_train:,} training digits. What is its shape?",
        [f"({m_train}, 784)", f"(784, {m_train})", f"(785, {m_train})", f"(28, 28, {m_train})"],
        str(split.X_train.shape),
        "One example per **column**: the table's rows were transposed (.T) and the label row taken off, so X is "
        "784 x m and column j is digit j. That is what W1 (10 x 784) @ X needs: 784 rows.", key="data_quiz_X")
