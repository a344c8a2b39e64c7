"""Random streams: one registry, independent streams, the step's streams equal the old spawn."""

import numpy as np
import pytest

from onestep.streams import STREAMS, rng_for


def test_step_streams_are_the_children_of_the_seed():
    children = np.random.default_rng(7).spawn(5)
    for child, name in zip(children, ("beta", "first_layer", "second_layer", "step_inputs",
                                      "label_noise"), strict=True):
        np.testing.assert_array_equal(child.standard_normal(4), rng_for(7, name).standard_normal(4))


def test_streams_are_distinct_and_reproducible():
    draws = {name: rng_for(3, name).standard_normal(3).tolist() for name in STREAMS}
    assert len({tuple(v) for v in draws.values()}) == len(STREAMS)
    assert rng_for(3, "learning").standard_normal(3).tolist() == draws["learning"]
    assert rng_for(4, "learning").standard_normal(3).tolist() != draws["learning"]
    assert len(set(STREAMS.values())) == len(STREAMS)


@pytest.mark.parametrize(("seed", "name", "match"), [(1.0, "learning", "seed"),
                                                     (-1, "learning", "seed"),
                                                     (True, "learning", "seed"),
                                                     (0, "lerning", "stream")])
def test_bad_stream_requests_are_named(seed, name, match):
    with pytest.raises(ValueError, match=match):
        rng_for(seed, name)
