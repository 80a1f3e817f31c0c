"""Character-level data: the tiny Shakespeare text, its vocabulary and keyed batches.

Every trial draws its own batches from a PRNG key, so a trial is a pure function of
(config, learning rate, seed). Two tasks share one sampler of token windows:

* language modelling (Transformer, LSTM): a window of ``context + 1`` characters gives
  inputs ``w[:-1]`` and next-character targets ``w[1:]``;
* the Bengio-style n-gram MLP task (Bengio et al. 2003, "A Neural Probabilistic Language
  Model"): the first ``context`` characters of a window predict the last one.

Datasets of a chosen size ``D`` (for data-scaling sweeps) are the first ``D`` training
characters; batches are drawn from them only.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import jax
import jax.numpy as jnp
import numpy as np

from .._checks import as_int


@dataclasses.dataclass(frozen=True)
class CharData:
    """An encoded character corpus split into training and validation tokens.

    Attributes:
        train: int32 array ``(n_train,)`` of training token ids.
        val: int32 array ``(n_val,)`` of validation token ids.
        vocab: the characters, index ``i`` is token id ``i``.
        fingerprint: short hash of the text, split and size (part of every trial's key).
    """

    train: np.ndarray
    val: np.ndarray
    vocab: str
    fingerprint: str

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters."""
        return len(self.vocab)

    def encode(self, text: str) -> np.ndarray:
        """Map a string to an int32 array of token ids, shape ``(len(text),)``."""
        table = {c: i for i, c in enumerate(self.vocab)}
        return np.array([table[c] for c in text], dtype=np.int32)

    def decode(self, ids) -> str:
        """Map token ids back to a string."""
        return "".join(self.vocab[int(i)] for i in np.asarray(ids).ravel())

    def subset(self, size: int | None) -> CharData:
        """Return the dataset restricted to its first ``size`` training characters.

        Args:
            size: the dataset size ``D`` in characters, or None for all of them.
        """
        if size is None:
            return self
        size = as_int("dataset_size", size, minimum=2)
        if size > len(self.train):
            raise ValueError(
                f"dataset_size={size} exceeds the {len(self.train)} training characters; "
                "pass a smaller size or None for the whole corpus."
            )
        fp = hashlib.sha256(f"{self.fingerprint}:{size}".encode()).hexdigest()[:16]
        return CharData(self.train[:size], self.val, self.vocab, fp)


def _load_text() -> str:
    try:
        from ..published import tinyshakespeare
    except (ImportError, AttributeError):  # pragma: no cover - before the loader ships
        from importlib import resources

        return (resources.files("cs324scale") / "_data" / "tinyshakespeare.txt").read_text(
            encoding="utf-8"
        )
    return tinyshakespeare()


@functools.lru_cache(maxsize=4)
def shakespeare(val_fraction: float = 0.1) -> CharData:
    """The tiny Shakespeare corpus (Karpathy's char-rnn), encoded at the character level.

    Args:
        val_fraction: fraction of the text (its end) held out for validation.

    Returns:
        A :class:`CharData` with a 65-character vocabulary (about 1.0M training and
        0.1M validation characters at the default split).
    """
    if not 0.0 < float(val_fraction) < 1.0:
        raise ValueError(f"val_fraction must lie strictly between 0 and 1; got {val_fraction!r}.")
    text = _load_text()
    vocab = "".join(sorted(set(text)))
    table = np.zeros(max(map(ord, vocab)) + 1, dtype=np.int32)
    table[[ord(c) for c in vocab]] = np.arange(len(vocab), dtype=np.int32)
    ids = table[np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)]
    n_val = int(round(len(ids) * float(val_fraction)))
    fp = hashlib.sha256(text.encode()).hexdigest()[:12] + f"-v{float(val_fraction):g}"
    return CharData(ids[:-n_val], ids[-n_val:], vocab, fp)


def sample_windows(tokens: jax.Array, length: int, batch_size: int, *, key: jax.Array) -> jax.Array:
    """Draw ``batch_size`` random windows of ``length`` consecutive tokens.

    Args:
        tokens: int32 array ``(n,)`` with ``n >= length``.
        length: window length (static).
        batch_size: number of windows (static).
        key: PRNG key choosing the window starts uniformly.

    Returns:
        int32 array ``(batch_size, length)``.
    """
    starts = jax.random.randint(key, (batch_size,), 0, tokens.shape[0] - length + 1)
    return tokens[starts[:, None] + jnp.arange(length)[None, :]]


def lm_batch(windows: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Split windows ``(B, T + 1)`` into inputs ``(B, T)`` and next-token targets ``(B, T)``."""
    return windows[:, :-1], windows[:, 1:]


def ngram_batch(windows: jax.Array) -> tuple[jax.Array, jax.Array]:
    """Split windows ``(B, k + 1)`` into contexts ``(B, k)`` and next-character targets ``(B,)``."""
    return windows[:, :-1], windows[:, -1]
