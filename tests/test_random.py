"""The kit's one key converter: documented streams and helpful errors."""

import jax
import numpy as np
import pytest

from cs324scale._random import as_generator, as_jax_key


def test_int_seed_means_jax_random_key():
    for s in (0, 1, 11, 2**32 - 1):
        key = as_jax_key(s)
        assert jax.dtypes.issubdtype(key.dtype, jax.dtypes.prng_key) and key.shape == ()
        np.testing.assert_array_equal(
            jax.random.key_data(key), jax.random.key_data(jax.random.key(s))
        )


def test_int_seed_and_its_jax_key_give_the_same_numpy_stream():
    want = np.random.default_rng([0, 11]).standard_normal(5)  # the documented mapping
    for key in (11, np.int64(11), jax.random.key(11), jax.random.PRNGKey(11)):
        np.testing.assert_array_equal(as_generator(key).standard_normal(5), want)
    assert not np.array_equal(as_generator(12).standard_normal(5), want)


def test_same_key_twice_gives_the_same_numbers_and_generators_pass_through():
    np.testing.assert_array_equal(as_generator(3).random(4), as_generator(3).random(4))
    rng = np.random.default_rng(0)
    assert as_generator(rng) is rng


def test_jax_keys_pass_through_and_raw_keys_are_wrapped():
    key = jax.random.key(4)
    assert as_jax_key(key) is key
    raw = as_jax_key(jax.random.PRNGKey(4))
    np.testing.assert_array_equal(jax.random.key_data(raw), jax.random.key_data(key))


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        (-1, "[0, 2**32)"),
        (2**32, "[0, 2**32)"),
        (True, "bool"),
        (1.0, "float"),
        ("0", "str"),
        (None, "NoneType"),
        (np.zeros(3, np.uint32), "shape (2,)"),
        (jax.random.split(jax.random.key(0)), "batch of keys"),
    ],
)
def test_bad_keys_say_what_was_wrong_and_what_to_pass(bad, words):
    for convert in (as_generator, as_jax_key):
        with pytest.raises(ValueError, match="jax.random") as err:
            convert(bad, name="key")
        assert words in str(err.value)


def test_a_generator_cannot_become_a_jax_key():
    with pytest.raises(ValueError, match="numpy Generator"):
        as_jax_key(np.random.default_rng(0))
