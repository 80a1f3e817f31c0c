"""The kit's one conversion from a ``key`` argument to random numbers.

Every function in the kit that draws random numbers takes ``key`` as a required
keyword-only argument and converts it here, so the same ``key`` gives the same numbers
everywhere. A ``key`` is one of:

* an int seed ``s`` with ``0 <= s < 2**32``;
* a jax PRNG key: a typed key from ``jax.random.key`` (shape ``()``) or a raw
  ``uint32[2]`` key from ``jax.random.PRNGKey``;
* for :func:`as_generator` only, a ``numpy.random.Generator``, used as it is (it is
  advanced by the draws, as NumPy generators are).

The mapping, in one line: **an int seed ``s`` means ``jax.random.key(s)``**, and a jax
key's data words seed NumPy. So

* ``as_jax_key(s)`` is ``jax.random.key(s)``;
* ``as_generator(s)`` is ``np.random.default_rng([0, s])``, which is the same generator
  as ``as_generator(jax.random.key(s))``: the ``uint32`` words of
  ``jax.random.key_data(jax.random.key(s))`` (``[0, s]`` for the default threefry
  implementation) fed to a ``numpy.random.SeedSequence``.

Int seeds stop at ``2**32`` because ``jax.random.key`` keeps only the low 32 bits of a
larger seed unless 64-bit mode is on; the limit keeps the mapping one-to-one.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_generator", "as_jax_key"]

_SEED_LIMIT = 2**32
_WHAT = (
    "pass an int seed in [0, 2**32) (e.g. key=0) or a single jax PRNG key "
    "(e.g. key=jax.random.key(0))"
)
_PASS = _WHAT[0].upper() + _WHAT[1:]


def _int_seed(key, name: str) -> int | None:
    """The seed if ``key`` is an int seed; ``None`` if it is not an int; raise if bad."""
    if isinstance(key, bool):
        raise ValueError(f"{name} must not be a bool (got {key!r}); {_WHAT}.")
    if not isinstance(key, numbers.Integral):
        return None
    seed = int(key)
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"{name} as an int seed must be in [0, 2**32); got {seed}. {_PASS}.")
    return seed


def _describe(key) -> str:
    shape = getattr(key, "shape", None)
    dtype = getattr(key, "dtype", None)
    if shape is None:
        return f"{type(key).__name__} {key!r}"[:80]
    return f"{type(key).__name__} of shape {tuple(shape)} and dtype {dtype}"


def _key_words(key, name: str) -> list[int] | None:
    """The ``uint32`` data words of a single jax key (typed or raw); ``None`` if not a key."""
    dtype = getattr(key, "dtype", None)
    shape = getattr(key, "shape", None)
    if dtype is None or shape is None:
        return None
    if type(key).__module__.startswith("jax"):
        import jax  # only when a jax array was passed

        if jax.dtypes.issubdtype(dtype, jax.dtypes.prng_key):
            if tuple(shape) != ():
                raise ValueError(
                    f"{name} must be a single jax PRNG key of shape (); got a batch of keys "
                    f"of shape {tuple(shape)}. Pass one key, e.g. {name}=keys[0] or {name}=jax.random.key(0)."
                )
            return np.asarray(jax.random.key_data(key)).ravel().astype(np.uint32).tolist()
    if np.dtype(dtype) == np.uint32:
        if tuple(shape) != (2,):
            raise ValueError(
                f"{name} as a raw uint32 key must have shape (2,) like jax.random.PRNGKey(0); "
                f"got shape {tuple(shape)}. {_PASS}."
            )
        return np.asarray(key).astype(np.uint32).tolist()
    return None


def as_generator(key, *, name: str = "key") -> np.random.Generator:
    """Return the NumPy generator that ``key`` names (see the module docstring).

    Sampling in NumPy keeps small experiments free of XLA compilation, which would
    otherwise dominate their run time.

    Args:
        key: An int seed in ``[0, 2**32)``, a single jax PRNG key, or a
            ``numpy.random.Generator`` (returned as it is).
        name: The argument's name, used in error messages.

    Returns:
        ``np.random.default_rng(words)``, where ``words`` are the ``uint32`` data of
        ``as_jax_key(key)``; so an int ``s`` and ``jax.random.key(s)`` give the same
        numbers.

    Raises:
        ValueError: If ``key`` is none of the above (a negative or too large int, a
            bool, a float, a string, a batch of keys, an array of another shape).
    """
    if isinstance(key, np.random.Generator):
        return key
    seed = _int_seed(key, name)
    if seed is not None:
        return np.random.default_rng([0, seed])  # = key data of jax.random.key(seed)
    words = _key_words(key, name)
    if words is not None:
        return np.random.default_rng(words)
    raise ValueError(
        f"{name} must be an int seed or a jax PRNG key; got {_describe(key)}. {_PASS}."
    )


def as_jax_key(key, *, name: str = "key"):
    """Return the typed jax PRNG key that ``key`` names (see the module docstring).

    Args:
        key: An int seed in ``[0, 2**32)`` (giving ``jax.random.key(seed)``), a typed
            jax key of shape ``()`` (returned as it is) or a raw ``uint32[2]`` key
            (wrapped with ``jax.random.wrap_key_data``).
        name: The argument's name, used in error messages.

    Returns:
        A typed jax PRNG key of shape ``()``.

    Raises:
        ValueError: If ``key`` is none of the above; a ``numpy.random.Generator`` is
            refused too, since turning one into a jax key would have to consume it.
    """
    import jax  # lazily: the NumPy-only parts of the kit do not need it

    if isinstance(key, np.random.Generator):
        raise ValueError(
            f"{name} is a numpy Generator, which cannot name a jax key without being "
            f"consumed; {_WHAT}."
        )
    seed = _int_seed(key, name)
    if seed is not None:
        return jax.random.key(seed)
    words = _key_words(key, name)
    if words is None:
        raise ValueError(
            f"{name} must be an int seed or a jax PRNG key; got {_describe(key)}. {_PASS}."
        )
    if jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key):
        return key
    return jax.random.wrap_key_data(np.asarray(words, dtype=np.uint32))
