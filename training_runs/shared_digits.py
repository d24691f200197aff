"""The digits the training workers read, written once and shared: no copy per worker.

A set of arrays (X, Y, X_dev, Y_dev and, for full MNIST, X_test, Y_test) is written as .npy files into a folder
of this server's own, under the temporary directory; every worker memory-maps those files read-only
(np.load(mmap_mode="r"), worker_loop.py), so the workers read the same pages of one file through
the operating system's cache. A set is named by a hash of its contents: identical data is written once, and
two runs on it can be recognised as identical (pool.py).

A folder is deleted when nothing uses it any more and it is not among the last sets published (KEPT_BYTES), and
the whole folder of the server when the server stops (or, after a crash, when the next server starts).
"""

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from pathlib import Path

import numpy as np

PREFIX = "nn-digits-"  # the server's folder: nn-digits-<process id>-<random>
KEPT_BYTES = 600_000_000  # recently published sets kept for the next runs, even when no run uses them
IDENTITIES_KEPT = 16  # array sets whose hash is remembered (hashing full MNIST takes about 0.2 s)


class Published:
    """One published set of arrays: its folder and its content hash `key`. The folder goes when this does."""

    def __init__(self, key, folder, nbytes):
        self.key, self.folder, self.nbytes = key, folder, nbytes
        weakref.finalize(self, shutil.rmtree, folder, True)


def digest(arrays):
    """A hash of named arrays: their names, dtypes, shapes and every byte."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{array.dtype.str}:{array.shape};".encode())
        h.update(array.data)
    return h.hexdigest()


def _owner(array):
    """The array that owns the memory `array` views (itself, when it owns it)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def identity(arrays):
    """What tells two calls with the same arrays apart cheaply: the memory each array views, and how."""
    return tuple((name, id(_owner(a)), a.__array_interface__["data"][0], a.shape, a.strides, a.dtype.str)
                 for name, a in sorted(arrays.items()))


class Publisher:
    """Publishes sets of arrays for the workers, each once."""

    def __init__(self):
        self.lock = threading.Lock()
        self.root = None
        self.hashes = OrderedDict()  # identity -> (weak references to the arrays' owners, key)
        self.by_key = weakref.WeakValueDictionary()  # key -> Published, while anything uses it
        self.recent = OrderedDict()  # key -> Published: the last sets, kept up to KEPT_BYTES

    def publish(self, arrays):
        """Write `arrays` (a dict of name -> ndarray; None values are left out) once; returns its Published."""
        arrays = {name: array for name, array in arrays.items() if array is not None}
        with self.lock:
            key = self._key(arrays)
            published = self.by_key.get(key)
            if published is None:
                published = self.by_key[key] = self._write(key, arrays)
            self.recent[key] = published
            self.recent.move_to_end(key)
            while len(self.recent) > 1 and sum(p.nbytes for p in self.recent.values()) > KEPT_BYTES:
                self.recent.popitem(last=False)
            return published

    def _key(self, arrays):
        """The content hash of `arrays`, computed once for as long as the same arrays are alive."""
        seen = identity(arrays)
        owners, key = self.hashes.get(seen, ((), None))
        if key is None or any(owner() is None for owner in owners):  # new, or its memory was freed and reused
            key = digest(arrays)
            self.hashes[seen] = ([weakref.ref(_owner(a)) for a in arrays.values()], key)
            while len(self.hashes) > IDENTITIES_KEPT:
                self.hashes.popitem(last=False)
        self.hashes.move_to_end(seen)
        return key

    def _write(self, key, arrays):
        if self.root is None:
            self.root = _server_folder()
        folder = self.root / key
        if not folder.exists():
            part = Path(tempfile.mkdtemp(prefix="part-", dir=self.root))
            for name, array in arrays.items():
                np.save(part / f"{name}.npy", np.ascontiguousarray(array))
            part.rename(folder)  # complete or absent: a worker never reads half a file
        return Published(key, str(folder), sum(array.nbytes for array in arrays.values()))


def _server_folder():
    """A new folder for this server's data, removed at exit; folders left by servers that crashed go first."""
    for old in Path(tempfile.gettempdir()).glob(PREFIX + "*"):
        pid = old.name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
    atexit.register(shutil.rmtree, root, True)
    return root


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover (another user's process: the tests start none)
        return True
    return True


_publisher = Publisher()


def publish(arrays):
    """Write a set of arrays once for the workers (see Publisher.publish)."""
    return _publisher.publish(arrays)
