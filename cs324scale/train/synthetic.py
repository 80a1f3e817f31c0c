"""A synthetic language with power-law structure: Zipf-distributed phrases.

The text is a stream of phrases, each a fixed random string of ``min_length`` to
``max_length`` tokens, drawn independently with probability ``p_k ∝ k^-exponent`` from a
table of ``n_phrases``. (Lengths vary so that phrase boundaries never fall at fixed
positions of a training window: with one length, windows read in order would all start
on a boundary and a model would learn the alignment, not the language.) This is the "quantization model" of neural scaling (Michaud et al. 2023,
"The Quantization Model of Neural Scaling"): a model that has learned the ``n`` most
frequent phrases predicts their tokens after the first few, and the loss left on the
unlearned ones falls as a power law in ``n``, so in the parameters and the data that
buy ``n``. Unlike tiny Shakespeare (1.1M characters) the language is unlimited, so a
compute-optimal study never has to repeat data, and its structure is known: the
irreducible loss is that of the phrase boundaries (:attr:`ZipfPhrases.entropy_floor`).

Use :meth:`ZipfPhrases.corpus` for a :class:`~cs324scale.train.data.CharData` that the
sweep engine trains on like any corpus; its training part is fresh text of the length
asked for, and its validation part an independent stream.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib

import numpy as np

from .._checks import as_int
from .data import CharData

# 65 printable characters, so that token ids display and the kit's default
# vocab_size (tiny Shakespeare's 65) fits unchanged.
_ALPHABET = "".join(chr(c) for c in range(33, 127) if chr(c) not in "\\'\"`")[:65]


@dataclasses.dataclass(frozen=True)
class ZipfPhrases:
    """A Zipf-distributed phrase language; every field is part of each corpus's fingerprint.

    Attributes:
        n_phrases: size of the phrase table (the number of "quanta").
        min_length, max_length: each phrase's length is drawn uniformly from this range.
        exponent: Zipf exponent of the phrase frequencies, ``p_k ∝ k^-exponent`` (> 1).
        vocab_size: number of distinct tokens (at most 65).
        seed: seed of the phrase table (the language itself, not the text sampled from it).
    """

    n_phrases: int = 2**14
    min_length: int = 4
    max_length: int = 12
    exponent: float = 1.3
    vocab_size: int = 65
    seed: int = 0

    def __post_init__(self):
        as_int("n_phrases", self.n_phrases, minimum=2)
        as_int("min_length", self.min_length, minimum=2)
        if as_int("max_length", self.max_length, minimum=2) < self.min_length:
            raise ValueError(
                f"max_length ({self.max_length}) must be at least min_length ({self.min_length})."
            )
        as_int("vocab_size", self.vocab_size, minimum=2)
        as_int("seed", self.seed, minimum=0)
        if self.vocab_size > len(_ALPHABET):
            raise ValueError(
                f"vocab_size must be at most {len(_ALPHABET)}; got {self.vocab_size}."
            )
        if not isinstance(self.exponent, (int, float)) or not self.exponent > 1.0:
            raise ValueError(
                f"exponent must be a number > 1 (so the frequencies sum); got {self.exponent!r}."
            )

    @functools.cached_property
    def lengths(self) -> np.ndarray:
        """Length of each phrase, int64 ``(n_phrases,)``."""
        rng = np.random.default_rng([self.seed, 0x1E46])
        return rng.integers(self.min_length, self.max_length + 1, self.n_phrases)

    @functools.cached_property
    def tokens(self) -> np.ndarray:
        """All phrases end to end, int32; phrase ``k`` starts at :attr:`starts` ``[k]``."""
        rng = np.random.default_rng([self.seed, 0x5EED])
        return rng.integers(0, self.vocab_size, int(self.lengths.sum()), dtype=np.int32)

    @functools.cached_property
    def starts(self) -> np.ndarray:
        """Offset of each phrase in :attr:`tokens`."""
        return np.concatenate([[0], np.cumsum(self.lengths)[:-1]])

    def phrase(self, k: int) -> np.ndarray:
        """Phrase ``k`` (0 is the most frequent)."""
        return self.tokens[self.starts[k] : self.starts[k] + self.lengths[k]]

    @functools.cached_property
    def probabilities(self) -> np.ndarray:
        """Phrase frequencies ``p_k ∝ k^-exponent``, shape ``(n_phrases,)``, summing to 1."""
        p = np.arange(1, self.n_phrases + 1, dtype=np.float64) ** -float(self.exponent)
        return p / p.sum()

    @property
    def entropy_floor(self) -> float:
        """The loss (nats per token) of a model that knows every phrase and where it starts.

        Only the first token of each phrase is uncertain, with the entropy of the phrase
        distribution (at most; phrases sharing a first token make it lower), spread over
        the expected phrase length. A real model must also infer the boundaries, so this
        is a lower bound on the loss of the best model, not its value.
        """
        p = self.probabilities
        return float(-(p * np.log(p)).sum() / (p * self.lengths).sum())

    def sample(self, n_tokens: int, *, seed: int) -> np.ndarray:
        """``n_tokens`` of text, int32, from the phrase stream seeded by ``seed``."""
        n_tokens = as_int("n_tokens", n_tokens, minimum=1)
        rng = np.random.default_rng([self.seed, as_int("seed", seed, minimum=0)])
        n = -(-n_tokens // self.min_length)  # enough phrases even if all are short
        idx = rng.choice(self.n_phrases, size=n, p=self.probabilities)
        lens = self.lengths[idx]
        first = np.cumsum(lens) - lens  # where each drawn phrase starts in the output
        pos = np.repeat(self.starts[idx] - first, lens) + np.arange(lens.sum())
        return self.tokens[pos[:n_tokens]]

    def corpus(self, n_train: int, n_val: int = 100_000, *, seed: int = 0) -> CharData:
        """A corpus of ``n_train`` fresh training tokens and ``n_val`` validation tokens.

        The two parts come from independent streams (text seeds ``2 seed`` and
        ``2 seed + 1``), so validation never repeats the training text.
        """
        train = self.sample(n_train, seed=2 * seed)
        val = self.sample(n_val, seed=2 * seed + 1)
        desc = f"{dataclasses.asdict(self)}|{n_train}|{n_val}|{seed}"
        fp = "zipf-" + hashlib.sha256(desc.encode()).hexdigest()[:12]
        return CharData(train, val, _ALPHABET[: self.vocab_size], fp)
