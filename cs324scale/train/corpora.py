"""enwik8: a 100-million-character corpus for full-mode runs on a GPU (optional download).

enwik8 is the first 10^8 bytes of an English Wikipedia XML dump (Mahoney, "Large Text
Compression Benchmark"; the Hutter Prize corpus), the standard character-level language
modelling benchmark (used e.g. by Al-Rfou et al. 2019 and Dai et al. 2019,
"Transformer-XL"), about 90 times the tiny Shakespeare that ships with the kit. It is
not shipped: :func:`enwik8` downloads the zip (about 36 MB) once into a cache folder,
and everything else in the kit keeps working offline on
:func:`~cs324scale.train.data.shakespeare`.

The split is the usual one (Transformer-XL's ``prep_enwik8.py``): the first 90M bytes
train, the next 5M validate, the last 5M are the test set (not returned). Tokens are
bytes; the vocabulary is the set of byte values that occur, written as Latin-1
characters so :meth:`CharData.encode` and :meth:`CharData.decode` work on them.
"""

from __future__ import annotations

import functools
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np

from .data import CharData

URL = "http://mattmahoney.net/dc/enwik8.zip"
MEMBER = "enwik8"
N_BYTES = 100_000_000  # enwik8 is exactly the first 10^8 bytes of the dump
N_HELD_OUT = 5_000_000  # validation and test each (Transformer-XL's split)
CACHE_ENV = "CS324SCALE_CACHE"


def cache_dir() -> Path:
    """The download folder: ``$CS324SCALE_CACHE`` if set, else the OS cache (``pooch.os_cache``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    import pooch

    return Path(pooch.os_cache("cs324scale"))


def download(url: str = URL, *, folder: str | os.PathLike | None = None) -> Path:
    """Download ``enwik8.zip`` once (cached) and return its path.

    Raises:
        ConnectionError: the download failed (offline, or the server is down); the
            message says how to go on without it.
    """
    import pooch
    import requests

    folder = Path(folder) if folder is not None else cache_dir()
    try:
        return Path(
            pooch.retrieve(url, known_hash=None, fname="enwik8.zip", path=folder, progressbar=True)
        )
    except (requests.exceptions.RequestException, OSError) as err:
        raise ConnectionError(
            f"Could not download enwik8 from {url} ({type(err).__name__}: {err}). This needs "
            "internet access (Colab has it). Offline, train on cs.train.shakespeare(), which "
            "ships with the kit, or pass path= to a local copy of enwik8.zip."
        ) from err


def read_bytes(path: str | os.PathLike) -> bytes:
    """The 10^8 bytes of enwik8 from ``enwik8.zip`` (or the unzipped ``enwik8`` file).

    Raises:
        ValueError: the file is not enwik8 (no ``enwik8`` member, or the wrong size).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path} does not exist; pass the path of enwik8.zip or of enwik8.")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            if MEMBER not in z.namelist():
                raise ValueError(
                    f"{path} has no '{MEMBER}' member (found {z.namelist()[:5]}); "
                    "delete it and download enwik8.zip again."
                )
            raw = z.read(MEMBER)
    else:
        raw = path.read_bytes()
    if len(raw) != N_BYTES:
        raise ValueError(
            f"{path} holds {len(raw)} bytes, not enwik8's {N_BYTES}; the download is "
            "truncated or a different file. Delete it and download again."
        )
    return raw


def encode(raw: bytes, *, held_out: int = N_HELD_OUT) -> CharData:
    """Split bytes into train (all but the last ``2 * held_out``) and validation (the next ``held_out``)."""
    if not 0 < 2 * held_out < len(raw):
        raise ValueError(
            f"held_out={held_out} leaves no training bytes in {len(raw)}; pass a smaller held_out."
        )
    data = np.frombuffer(raw, dtype=np.uint8)
    present = np.flatnonzero(np.bincount(data, minlength=256))
    table = np.zeros(256, dtype=np.int32)
    table[present] = np.arange(len(present), dtype=np.int32)
    ids = table[data]
    vocab = bytes(present.astype(np.uint8)).decode("latin-1")
    fp = hashlib.sha256(raw).hexdigest()[:12] + f"-h{held_out}"
    return CharData(ids[: -2 * held_out], ids[-2 * held_out : -held_out], vocab, fp)


@functools.lru_cache(maxsize=1)
def enwik8(path: str | os.PathLike | None = None, *, url: str = URL) -> CharData:
    """enwik8 as a :class:`~cs324scale.train.data.CharData` (90M train, 5M validation bytes).

    Args:
        path: a local ``enwik8.zip`` or ``enwik8``; None downloads it once into
            :func:`cache_dir` (set ``CS324SCALE_CACHE`` to choose the folder).
        url: where to download from.

    Returns:
        Byte-level :class:`CharData` (vocabulary: the byte values that occur, as Latin-1
        characters); use ``data.subset(D)`` for a dataset of ``D`` training bytes.

    Raises:
        ConnectionError: the download failed (offline); the message says what to do.
        ValueError: the file is not enwik8.
    """
    return encode(read_bytes(download(url) if path is None else path), held_out=N_HELD_OUT)
