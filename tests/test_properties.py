"""Properties that hold for every input, checked on inputs Hypothesis makes up (and shrinks when one fails):

- moving, turning and thickening a digit (nn_core/preprocessing.py) keep its ink, move its centre of mass by
  the shift, and undo exactly where nothing left the field;
- a network saved and loaded (nn_core/persistence.py) comes back as it was, whatever its sizes and settings,
  and a damaged file is refused in words;
- a link (dashboard/links.py) gives back the settings it was made from, and no address makes it raise;
- a CSV of digits (nn_core/csv_digits.py) is read right or refused with a one-line message, never a traceback;
- a nickname (board_store/store.py) is cleaned to at most 30 printable characters, and cleaning it again changes
  nothing.

Example counts stay small (the whole file runs in seconds); Hypothesis keeps no database (see settings below).
"""

import functools
import io
import zipfile
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qsl

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import board_store
from dashboard import links
from nn_core import csv_digits, mnist_files, persistence
from nn_core.activations import ACTIVATIONS
from nn_core.csv_digits import digitset_from_csv, read_digits_csv
from nn_core.persistence import load_model, save_model
from nn_core.preprocessing import FIELD, centre_of_mass, rotate, shift, thicken
from nn_core.training import Hyperparams

ROOT = Path(__file__).resolve().parents[1]
# A failing example is shown and shrunk at once; none is written down for the next run.
FEW = settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
SOME = settings(FEW, max_examples=60)


# ---------------------------------------------------------------------------------------------------------
# Moving, turning, thickening
# ---------------------------------------------------------------------------------------------------------


@st.composite
def digits(draw, largest=12, margin=0, columns=3):
    """X (784, m): m digits, each a patch of ink (0 to 1, some of it 1) up to `largest` pixels square, placed
    at least `margin` pixels from every edge of the 28 x 28 field."""
    images = []
    for _ in range(draw(st.integers(1, columns))):
        h, w = draw(st.integers(1, largest)), draw(st.integers(1, largest))
        patch = draw(hnp.arrays(np.float32, (h, w), elements=st.floats(0, 1, width=32)))
        patch[draw(st.integers(0, h - 1)), draw(st.integers(0, w - 1))] = 1
        image = np.zeros((FIELD, FIELD), np.float32)
        top, left = draw(st.integers(margin, FIELD - margin - h)), draw(st.integers(margin, FIELD - margin - w))
        image[top:top + h, left:left + w] = patch
        images.append(image.reshape(-1))
    return np.stack(images, axis=1)


def ink_box(X):
    """The smallest rows and columns holding all the ink of every digit: (top, bottom, left, right)."""
    ink = (X != 0).reshape(FIELD, FIELD, -1).any(axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return rows[0], rows[-1], cols[0], cols[-1]


@functools.cache
def sample_digits():
    """The first 500 digits of the bundled sample, (784, 500) in [0, 1]: real digits, centred as MNIST's are."""
    sample = mnist_files.load_sample(ROOT / "data" / "mnist_sample.npz")
    return (sample.images[:500].T / 255).astype(np.float32)


@FEW
@given(X=digits(), data=st.data())
def test_a_shift_that_keeps_the_ink_in_the_field_moves_every_number_and_the_centre_of_mass(X, data):
    top, bottom, left, right = ink_box(X)
    across = data.draw(st.integers(-left, FIELD - 1 - right), label="right")
    down = data.draw(st.integers(-top, FIELD - 1 - bottom), label="down")
    moved = shift(X, right=across, down=down)
    assert moved.dtype == X.dtype and moved.shape == X.shape
    np.testing.assert_array_equal(np.sort(moved, axis=0), np.sort(X, axis=0))  # the same numbers, moved
    rows, cols = centre_of_mass(X)
    moved_rows, moved_cols = centre_of_mass(moved)
    np.testing.assert_allclose(moved_rows, rows + down, atol=1e-9)
    np.testing.assert_allclose(moved_cols, cols + across, atol=1e-9)
    np.testing.assert_array_equal(shift(moved, right=-across, down=-down), X)


@FEW
@given(X=digits(), across=st.integers(-30, 30), down=st.integers(-30, 30))
def test_a_shift_there_and_back_keeps_exactly_the_pixels_that_stayed_in_the_field(X, across, down):
    back = shift(shift(X, right=across, down=down), right=-across, down=-down)
    rows, cols = np.meshgrid(np.arange(FIELD), np.arange(FIELD), indexing="ij")
    stayed = ((0 <= rows + down) & (rows + down < FIELD) & (0 <= cols + across) & (cols + across < FIELD))
    np.testing.assert_array_equal(back, X * stayed.reshape(-1, 1))


@FEW
@given(index=st.integers(0, 499), data=st.data())
def test_a_centred_digit_shifted_by_k_then_by_minus_k_comes_back(index, data):
    X = sample_digits()[:, index:index + 1]
    top, bottom, left, right = ink_box(X)
    across = data.draw(st.integers(-left, FIELD - 1 - right), label="right")
    down = data.draw(st.integers(-top, FIELD - 1 - bottom), label="down")
    np.testing.assert_array_equal(shift(shift(X, across, down), -across, -down), X)
    assert shift(X, across, down).sum() == pytest.approx(X.sum(), rel=1e-6)  # no ink lost


@FEW
@given(X=digits(), degrees=st.floats(-720, 720, allow_nan=False))
def test_a_turn_only_mixes_the_digit_s_own_numbers(X, degrees):
    turned = rotate(X, degrees)
    assert turned.dtype == X.dtype and turned.shape == X.shape
    assert turned.min() >= 0 and np.all(turned.max(axis=0) <= X.max(axis=0) + 1e-6)  # averages of ink and black
    np.testing.assert_allclose(rotate(X, 0), X, atol=1e-5)
    np.testing.assert_allclose(rotate(X, 360), X, atol=1e-4)
    assert not rotate(np.zeros_like(X), degrees).any()


@FEW
@given(index=st.integers(0, 499), degrees=st.floats(-180, 180, allow_nan=False))
def test_a_turned_digit_keeps_about_its_ink_and_its_centre_of_mass(index, degrees):
    X = sample_digits()[:, index:index + 1]
    turned = rotate(X, degrees)
    assert turned.sum() == pytest.approx(X.sum(), rel=0.1)  # interpolation blurs the edges a little
    rows, cols = centre_of_mass(X)
    turned_rows, turned_cols = centre_of_mass(turned)
    assert np.hypot(turned_rows - rows, turned_cols - cols)[0] < 1  # it turns about its centre of mass


@FEW
@given(X=digits(largest=5, margin=10, columns=2), degrees=st.floats(-180, 180, allow_nan=False),
       across=st.integers(-2, 2), down=st.integers(-2, 2))
def test_turning_and_shifting_are_independent_while_the_ink_stays_in_the_field(X, degrees, across, down):
    turned_then_moved = shift(rotate(X, degrees), across, down)
    moved_then_turned = rotate(shift(X, across, down), degrees)
    np.testing.assert_allclose(turned_then_moved, moved_then_turned, atol=1e-4)


@FEW
@given(X=digits(), steps=st.integers(1, 4))
def test_thicker_strokes_keep_all_the_ink_and_thinner_ones_add_none(X, steps):
    thicker, thinner = thicken(X, steps), thicken(X, -steps)
    assert thicker.dtype == thinner.dtype == X.dtype and thicker.shape == thinner.shape == X.shape
    assert np.all(thicker >= X) and np.all(thinner <= X)
    np.testing.assert_array_equal(thicker.max(axis=0), X.max(axis=0))  # no number is made up
    np.testing.assert_array_equal(thicken(X, 0), X)
    np.testing.assert_array_equal(thicken(thicken(X, 1), steps - 1), thicker)  # step after step
    assert np.all(thicken(thinner, steps) <= X)  # thinner then thicker never adds ink


@FEW
@given(X=digits(largest=8, margin=5), steps=st.integers(1, 3), across=st.integers(-2, 2), down=st.integers(-2, 2))
def test_thickening_away_from_the_edges_undoes_thinning_and_moves_with_the_digit(X, steps, across, down):
    assert np.all(thicken(thicken(X, steps), -steps) >= X)  # thicker then thinner loses no ink
    np.testing.assert_array_equal(shift(thicken(X, steps), across, down), thicken(shift(X, across, down), steps))


# ---------------------------------------------------------------------------------------------------------
# Saving and loading a network
# ---------------------------------------------------------------------------------------------------------


def hyperparams(most_units=persistence.MAX_HIDDEN_UNITS):
    """Any Hyperparams a saved file or a link may hold, each field anywhere in its allowed range."""
    return st.builds(
        Hyperparams,
        hidden_sizes=st.lists(st.integers(1, most_units), min_size=1,
                              max_size=persistence.MAX_HIDDEN_LAYERS).map(tuple),
        activation=st.sampled_from(sorted(ACTIVATIONS)),
        alpha=st.floats(0, 1000, exclude_min=True),
        method=st.sampled_from(persistence.METHODS),
        iterations=st.integers(1, 1_000_000),
        epochs=st.integers(1, 10_000),
        batch_size=st.integers(1, 1_000_000),
        momentum=st.floats(0, 0.999),
        init=st.sampled_from(persistence.INITS),
        dev_size=st.integers(1, 10_000_000),
        seed=st.integers(0, 2**63 - 1),
        notebook_bugs=st.booleans(),
    )


def weights(hp, seed, scale):
    """Finite float32 weights and biases of the shapes hp needs."""
    rng, sizes = np.random.default_rng(seed), hp.layer_sizes
    params = {}
    for layer in range(1, len(sizes)):
        params[f"W{layer}"] = (rng.standard_normal((sizes[layer], sizes[layer - 1])) * scale).astype(np.float32)
        params[f"b{layer}"] = (rng.standard_normal((sizes[layer], 1)) * scale).astype(np.float32)
    return params


@FEW
@given(hp=hyperparams(most_units=40), seed=st.integers(0, 2**32 - 1),
       scale=st.sampled_from([0.0, 1e-30, 0.01, 1.0, 1e30]))
def test_a_saved_network_loads_back_as_it_was(hp, seed, scale):
    params = weights(hp, seed, scale)
    loaded, loaded_hp = load_model(save_model(params, hp))
    assert loaded_hp == hp
    assert sorted(loaded) == sorted(params)
    for name, value in params.items():
        assert loaded[name].dtype == np.float32
        np.testing.assert_array_equal(loaded[name], value)


@functools.cache
def saved_network():
    hp = Hyperparams(hidden_sizes=(3,))
    return save_model(weights(hp, 0, 0.1), hp)


def damaged(raw, place, offset, value):
    """The file with one byte set to `value`: in W1.npy's entry of the zip's directory (place "flags" or
    "compression"), in the text of its .npy header ("npy header", `offset` characters in), or anywhere
    ("anywhere", `offset` taken modulo the length)."""
    name = b"W1.npy"
    entry = raw.find(b"PK\x01\x02")  # the directory's entries, one per member
    while raw[entry + 46:entry + 46 + int.from_bytes(raw[entry + 28:entry + 30], "little")] != name:
        entry = raw.find(b"PK\x01\x02", entry + 1)
    local = zipfile.ZipFile(io.BytesIO(raw)).getinfo(name.decode()).header_offset
    data = local + 30 + int.from_bytes(raw[local + 26:local + 28], "little") + int.from_bytes(
        raw[local + 28:local + 30], "little")
    where = {"flags": entry + 8, "compression": entry + 10, "npy header": data + 10 + offset % 60,
             "anywhere": offset % len(raw)}[place]
    return raw[:where] + bytes([value]) + raw[where + 1:]


@SOME
@given(place=st.sampled_from(["flags", "compression", "npy header", "anywhere"]), offset=st.integers(0, 10**6),
       value=st.integers(0, 255))
@example(place="compression", offset=0, value=99)  # a compression method zipfile does not know
@example(place="flags", offset=0, value=1)  # a member marked as encrypted
@example(place="npy header", offset=len("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 784"), value=32)
@pytest.mark.filterwarnings("ignore:Reading `.npy` or `.npz` file required additional header parsing")
def test_a_damaged_network_file_is_refused_in_words_or_read_as_saved(place, offset, value):
    raw = saved_network()
    try:
        params, hp = load_model(damaged(raw, place, offset, value))
    except ValueError as error:
        assert str(error).strip()
        return
    expected, expected_hp = load_model(raw)  # a byte that changed nothing that is read
    assert hp == expected_hp and all(np.array_equal(params[k], v) for k, v in expected.items())


@FEW
@given(raw=st.binary(max_size=400) | st.binary(max_size=50).map(lambda tail: b"PK\x03\x04" + tail))
def test_bytes_that_are_not_a_network_are_refused_in_words(raw):
    with pytest.raises(ValueError, match=r"\w"):
        load_model(raw)


# ---------------------------------------------------------------------------------------------------------
# Links: settings <-> the address
# ---------------------------------------------------------------------------------------------------------


@SOME
@given(hp=hyperparams())
def test_a_link_gives_back_the_settings_it_was_made_from(hp):
    address = links.address_of(hp)
    assert set(address) == set(links.HYPERPARAMS) and all(isinstance(text, str) for text in address.values())
    assert links.hyperparams_from_address(address) == (hp, [])
    assert links.hyperparams_from_address(address, base=Hyperparams(seed=7, alpha=3.0)) == (hp, [])


address_names = st.sampled_from(links.HYPERPARAMS) | st.text(max_size=12)
address_texts = st.text(max_size=20) | st.sampled_from(["", " ", "0", "-1", "1e999", "nan", "inf", "1_0", "²",
                                                        "٣", "3,", ",", "10,10,10,10,10", "true", "TRUE", "0x1"])


@settings(FEW, max_examples=30)
@given(params=st.dictionaries(address_names, address_texts, max_size=6) | st.text(max_size=80).map(
    lambda query: dict(parse_qsl(query, keep_blank_values=True))))
def test_any_address_gives_allowed_settings_and_says_what_it_did_not_use(params):
    hp, problems = links.hyperparams_from_address(params)
    assert persistence.hyperparams_from_dict(hp.as_dict()) == hp  # every value allowed
    used = {}
    for name, text in params.items():
        try:
            used[name] = links.hyperparam_from_text(name, text) if name in links.HYPERPARAMS else None
        except ValueError:
            continue
    used = {name: value for name, value in used.items() if name in links.HYPERPARAMS}
    assert len(problems) == len(params) - len(used)  # a sentence for each name not used
    assert all(problem.startswith("**") for problem in problems)
    assert all(getattr(hp, name) == value for name, value in used.items())


@SOME
@given(low=st.integers(0, 100), span=st.integers(0, 10_000), text=address_texts | st.integers(0, 20_000).map(str))
@example(low=0, span=10, text="²")  # a digit, but not a decimal one
@example(low=0, span=10, text="9" * 5000)  # more digits than Python turns into a number
def test_a_page_setting_from_the_address_is_a_number_in_range_or_a_sentence_saying_so(low, span, text):
    parse = links.whole(low, low + span)
    try:
        value = parse(text)
    except ValueError as error:
        assert str(error) == f"it must be a whole number from {low:,} to {low + span:,}."
        return
    assert low <= value <= low + span and value == int(text)
    assert parse(links.as_text(value)) == value


@FEW
@given(text=address_texts)
def test_an_on_off_setting_is_on_off_or_a_sentence_saying_so(text):
    try:
        value = links.flag(text)
    except ValueError as error:
        assert str(error) == "it must be 1 (on) or 0 (off)."
        return
    assert value in (True, False) and links.flag(links.as_text(value)) is value


# ---------------------------------------------------------------------------------------------------------
# CSV files of digits
# ---------------------------------------------------------------------------------------------------------

HEADER = ["label", *(f"pixel{k}" for k in range(784))]


@st.composite
def digit_tables(draw, most=5):
    """(rows, 785) whole numbers: a label 0..9, then 784 pixels 0..255, some at the ends of their ranges."""
    rows = draw(st.integers(1, most))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    table = np.c_[rng.integers(0, 10, rows), rng.integers(0, 256, (rows, 784))]
    table[:, 1] = draw(st.sampled_from([0, 255]))
    return table


@st.composite
def csv_layouts(draw):
    """How a spreadsheet or a script may write the same digits."""
    return {
        "header": draw(st.sampled_from([None, HEADER, [f'"{name}"' for name in HEADER]])),
        "newline": draw(st.sampled_from(["\n", "\r\n"])),
        "bom": draw(st.booleans()),
        "end": draw(st.sampled_from(["", "\n", "\n\n"])),
        "blank_lines": draw(st.booleans()),
        "cell": draw(st.sampled_from(["{}", " {} ", '"{}"', "{}.0"])),
    }


def csv_bytes(table, layout, bad=None):
    """The CSV of `table` written as `layout` says; bad = (row, column, text) writes that text in that cell."""
    lines = [",".join(layout["header"])] if layout["header"] else []
    for r, row in enumerate(table):
        cells = [layout["cell"].format(v) for v in row]
        if bad is not None and bad[0] == r:
            cells[bad[1]] = bad[2]
        lines += ["", ",".join(cells)] if layout["blank_lines"] else [",".join(cells)]
    text = layout["newline"].join(lines) + layout["end"].replace("\n", layout["newline"])
    return ("\ufeff" if layout["bom"] else "").encode() + text.encode()


def one_line(error):
    message = str(error).strip()
    return bool(message) and "\n" not in message


@settings(FEW, max_examples=30)
@given(table=digit_tables(), layout=csv_layouts(), chunk=st.integers(1, 6))
def test_a_csv_of_digits_is_read_right_however_it_is_written(table, layout, chunk):
    with mock.patch.object(csv_digits, "_CHUNK_ROWS", chunk):  # big files are read a few rows at a time
        digits_read = digitset_from_csv(csv_bytes(table, layout), name="mine.csv")  # through read_digits_csv
    images, labels = digits_read.images.reshape(len(table), -1), digits_read.labels
    assert images.dtype == labels.dtype == np.uint8
    np.testing.assert_array_equal(labels, table[:, 0])
    np.testing.assert_array_equal(images, table[:, 1:])
    assert f"{len(table):,} labelled digits from mine.csv" in digits_read.description


cell_texts = st.sampled_from(["", " ", '"', "'", "5.5", "-1", "256", "10", "1e3", "nan", "inf", "NA", "abc", "0x10",
                              "1_0", "٣", "\t", '"1,2"', '""', "+5", "9" * 30, "\x00", "é", "1 2", "5;6", "-0",
                              ".5", "1e-400", "True"]) | st.text(max_size=6)


@SOME
@given(table=digit_tables(most=3), layout=csv_layouts(), data=st.data(), text=cell_texts)
def test_a_csv_with_a_strange_cell_is_read_right_or_refused_in_one_line(table, layout, data, text):
    row, column = data.draw(st.integers(0, len(table) - 1)), data.draw(st.integers(0, 784))
    raw = csv_bytes(table, layout, bad=(row, column, text))
    try:
        images, labels = read_digits_csv(raw)
    except ValueError as error:
        assert one_line(error), str(error)
        return
    got = np.c_[labels, images].astype(int)
    others = np.ones(table.shape, bool)
    others[row, column] = False
    assert got.shape == table.shape and np.array_equal(got[others], table[others])  # the rest read right
    assert got[row, column] == float(text.strip().strip("\"'"))  # the cell was a whole number in range after all


@SOME
@given(raw=st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode)
       | st.lists(st.text(",0123456789 \"'\r\n.-e", max_size=40), max_size=30).map(lambda ls: "\n".join(ls).encode()))
def test_any_file_uploaded_as_csv_is_read_or_refused_in_one_line(raw):
    try:
        images, labels = read_digits_csv(raw)
    except ValueError as error:
        assert one_line(error), str(error)
        return
    assert images.shape == (len(labels), 784) and images.dtype == labels.dtype == np.uint8


# ---------------------------------------------------------------------------------------------------------
# Nicknames on the class board
# ---------------------------------------------------------------------------------------------------------


@SOME
@given(text=st.none() | st.text(max_size=80) | st.text(" \t\n\r\x00\x0b\u200b\u3000ab", max_size=80)
       | st.integers())
def test_a_nickname_is_cleaned_to_at_most_30_printable_characters_once_and_for_all(text):
    cleaned = board_store.clean_nickname(text)
    assert board_store.clean_nickname(cleaned) == cleaned
    if cleaned is not None:
        assert 0 < len(cleaned) <= board_store.MAX_NICKNAME == 30
        assert cleaned.isprintable() and cleaned == cleaned.strip() and "  " not in cleaned
