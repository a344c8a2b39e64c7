"""onestep.stats moment statistics against SciPy's (an independent implementation)."""

import numpy as np
import pytest
import scipy.stats

from onestep.stats import excess_kurtosis, normality_pvalue


@pytest.mark.parametrize("law", ["normal", "rademacher", "exponential"])
def test_excess_kurtosis_and_normality_pvalue_match_scipy(law):
    rng = np.random.default_rng(3)
    x = {"normal": rng.standard_normal(500), "rademacher": rng.choice([-1.0, 1.0], 500),
         "exponential": rng.exponential(size=500)}[law]
    assert excess_kurtosis(x) == pytest.approx(scipy.stats.kurtosis(x, fisher=True, bias=True),
                                               rel=1e-12, abs=1e-12)
    assert normality_pvalue(x) == pytest.approx(scipy.stats.normaltest(x).pvalue, rel=1e-12)
    # the population values: 0, -2 and 6
    assert excess_kurtosis(x) == pytest.approx({"normal": 0.0, "rademacher": -2.0,
                                                "exponential": 6.0}[law], abs=2.5)


def test_kurtosis_of_constant_and_pvalue_of_few_values_are_nan():
    assert np.isnan(excess_kurtosis(np.ones(30)))
    assert np.isnan(normality_pvalue(np.arange(19.0)))
    assert np.isfinite(normality_pvalue(np.arange(20.0)))
