"""onestep.stats moment statistics against SciPy's (an independent implementation)."""

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from onestep.stats import excess_kurtosis, normality_pvalue, seed_summary


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


def test_seed_summary_of_one_row_and_of_several_seeds():
    # a config with one student, one step size and one seed gives a one-row table (it used to
    # fail: the zero sd was made by multiplying the text columns too)
    one = pd.DataFrame({"student": ["relu"], "eta_t": [1.0], "theta_hat": [0.2]})
    out = seed_summary(one, ["student", "eta_t"], ["theta_hat"])
    assert out.to_dict("records") == [{"student": "relu", "eta_t": 1.0, "theta_hat": 0.2,
                                       "theta_hat_sd": 0.0}]
    three = pd.DataFrame({"student": ["relu"] * 3, "eta_t": [1.0, 1.0, 2.0],
                          "theta_hat": [0.1, 0.3, 0.5]})
    out = seed_summary(three, ["student", "eta_t"], ["theta_hat"]).set_index("eta_t")
    assert out.loc[1.0, "theta_hat"] == pytest.approx(0.2)
    assert out.loc[1.0, "theta_hat_sd"] == pytest.approx(np.std([0.1, 0.3], ddof=1))
    assert out.loc[2.0, "theta_hat_sd"] == 0.0
