"""Learning curves on fresh data: post-step features vs initial features vs kernels (THEORY.md 5).

For one simulated network (W0, W1) and one seed, draws ``max(alpha) d`` fresh training points and
``n_test`` test points (a stream independent of the step's data), and for every ``alpha`` fits on
the first ``n = round(alpha d)`` training points (nested designs give smooth curves and let one
Gram matrix serve every alpha):

(a) ``rf_post``: ridge on s(W1 x)/sqrt(N)      (b) ``rf_init``: ridge on s(W0 x)/sqrt(N)
(c) ``krr_k1``: KRR with the spiked kernel of the estimated (c_hat, theta_hat, h_hat)
(d) ``krr_k0``: KRR with the isotropic kernel    (e) ``krr_beta``: (c) with the spike along beta
and ``linear``: ridge on the raw inputs with an intercept. Same data, same ridge for all.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .activations import get_activation
from .kernels import gaussian_kernel_gram
from .learning import best_linear_mse, kernel_ridge, ridge_features, test_mse
from .model import sample_inputs, teacher_labels

__all__ = ["LEARNING_STREAM", "METHODS", "learning_curve"]

# spawn_key of the fresh-data stream; the step's own streams use small keys (0, 1, ...).
LEARNING_STREAM = 1001

METHODS = {
    "rf_post": "RF on post-step features (W1)",
    "rf_init": "RF on initial features (W0)",
    "krr_k1": "KRR, adaptive kernel k1",
    "krr_k0": "KRR, isotropic kernel k0",
    "krr_beta": "KRR, spike along beta",
    "linear": "linear ridge",
}


def _features(W, X, activation):
    return activation.numpy(X @ W.T) / np.sqrt(W.shape[0])


def learning_curve(*, W0, W1, beta, h_hat, c_hat, theta_hat, student, teacher, tau, input_law,
                   alphas, ridge, n_test, rng, spiked_beta=True,
                   ridge_convention="mean") -> pd.DataFrame:
    """Test MSE of every method at every ``alpha`` for one network and one data draw.

    Parameters
    ----------
    W0, W1 : ndarray of shape (N, d)
        Initial and post-step first-layer weights.
    beta, h_hat : ndarray of shape (d,)
        Teacher direction and spike direction (unit vectors).
    c_hat, theta_hat : float
        Estimated bulk and spike of the post-step weights (define k1).
    student, teacher : str
        Activation names.
    tau : float
        Label-noise standard deviation (test labels are noisy too).
    input_law : {'gaussian', 'sphere'}
    alphas : sequence of float
        ``n_train / d`` values.
    ridge : float
        Ridge ``lambda``.
    ridge_convention : {'mean', 'sum'}, optional
        ``mean``: the loss is (1/n) sum of squares + lambda |w|^2 (:mod:`onestep.learning`).
        ``sum``: the loss is the plain sum of squares + lambda |w|^2, i.e. ``lambda / n`` in the
        ``mean`` convention.
    n_test : int
    rng : numpy.random.Generator
        Source of the fresh data.
    spiked_beta : bool, optional
        Include method (e).

    Returns
    -------
    pandas.DataFrame with columns alpha, n_train, ridge_mean_convention, method, test_mse.
    """
    if ridge_convention not in ("mean", "sum"):
        raise ValueError(f"ridge_convention={ridge_convention!r}: expected 'mean' or 'sum'")
    act = get_activation(student, key="student")
    d = W0.shape[1]
    sizes = [max(1, round(a * d)) for a in alphas]
    n_max = max(sizes)
    X = sample_inputs(n_max + n_test, d, law=input_law, rng=rng)
    y = teacher_labels(X, beta, teacher=teacher, tau=tau, rng=rng)
    X_train, y_train, X_test, y_test = X[:n_max], y[:n_max], X[n_max:], y[n_max:]

    features = {"rf_post": W1, "rf_init": W0}
    spikes = {"krr_k1": (c_hat, theta_hat, h_hat), "krr_k0": (1.0, 0.0, None)}
    if spiked_beta:
        spikes["krr_beta"] = (c_hat, theta_hat, beta)
    grams = {}
    for name, (c, theta, u) in spikes.items():
        kw = dict(activation=act, c=c, theta=theta, direction=u)
        grams[name] = (gaussian_kernel_gram(X_train, **kw),
                       gaussian_kernel_gram(X_test, X_train, **kw))
    feats = {name: (_features(W, X_train, act), _features(W, X_test, act))
             for name, W in features.items()}

    rows = []
    for alpha, n in zip(alphas, sizes, strict=True):
        lam = ridge if ridge_convention == "mean" else ridge / n
        errors = {}
        for name, (F_train, F_test) in feats.items():
            pred = ridge_features(F_train[:n], y_train[:n], F_test, ridges=[lam])
            errors[name] = float(test_mse(pred, y_test)[0])
        for name, (K_train, K_test) in grams.items():
            pred = kernel_ridge(K_train[:n, :n], y_train[:n], K_test[:, :n], ridges=[lam])
            errors[name] = float(test_mse(pred, y_test)[0])
        errors["linear"] = float(best_linear_mse(X_train[:n], y_train[:n], X_test, y_test,
                                                 ridges=[lam])[0])
        rows += [{"alpha": float(alpha), "n_train": n, "ridge_mean_convention": lam, "method": m,
                  "test_mse": e}
                 for m, e in errors.items()]
    return pd.DataFrame(rows)
