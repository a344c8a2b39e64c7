"""Deterministic equivalent of ridge on spiked random features (sRF, Cui et al. 2024), docs/srf.md.

Features ``s(<w_i, x>)/sqrt(N)`` with rows ``w_i = sqrt(c) w0_i + sqrt(theta) u`` (a *common* shift
along the unit spike ``u``: the constant second layer, ``xi_i = 1``), ``W0`` rows of norm ~1,
``x ~ N(0, I_d)``, teacher ``y = s*(gamma kappa + rho z) + tau eps`` with ``kappa = <u, x>``,
``rho = sqrt(1 - gamma^2)``. Conditionally on ``kappa`` the features are Gaussian-equivalent to
``mu0(kappa) + mu1(kappa) sqrt(c) <w0_i, x> + mu2(kappa) eta_i`` (:func:`conditional_coefficients`).
The replica / deterministic-equivalent fixed point then reduces to two scalars ``(V1, V2)``
(damped iteration); the order parameters ``(m, theta, psi, q1, q2)`` follow by 2x2 linear solves.

Spectral input: the eigenvalues ``l_k`` of ``c W0 W0^T`` (finite-d form, :func:`srf_error` with
``W0=``) or the Marchenko-Pastur law of ratio ``phi`` scaled by ``c`` (d -> infinity form). The
spike and teacher directions are averaged over rotations (Sherman-Morrison for the spike, which is
projected out of the bulk). Ridge: ``sum`` minimises ``||Fw - y||^2 + lambda |w|^2``; ``mean`` is
``lambda_sum = n lambda_mean`` (needs ``d``). A per-neuron spike ``xi_i`` (Gaussian second layer)
is not a common shift: :func:`srf_error_neurons` is its finite-d matrix form (no d -> inf form).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import comb

from .activations import as_activation
from .quadrature import normal_pieces

__all__ = ["SRFResult", "conditional_coefficients", "mp_moments", "rf_init_error", "srf_error",
           "teacher_conditional_moments", "check_number"]



@dataclass(frozen=True)
class SRFResult:
    """Test error and order parameters of the fixed point (float64 scalars)."""

    test_error: float
    m: float              # readout weight on the mean direction 1/sqrt(N) (the mu0 part)
    spike_overlap: float  # <B w, u>, B = sqrt(c) W0^T / sqrt(N): response along the spike
    psi: float            # <B w, beta_perp>: along the teacher's part orthogonal to u
    q1: float
    q2: float
    V1: float
    V2: float
    ridge_sum: float
    n_iter: int

    def as_dict(self) -> dict:
        return asdict(self)


def _normal_rule(kinks, n_nodes):
    """Nodes, weights (K, 2 n_nodes) for E over N(0,1), Gauss-Legendre split at each kink (K,)."""
    return normal_pieces(np.atleast_1d(np.asarray(kinks, dtype=float))[:, None], n_nodes)


def conditional_coefficients(student, *, c, shifts, n_nodes=64):
    """Hermite coefficients of ``z -> s(sqrt(c) z + t)`` at each shift ``t``.

    Parameters
    ----------
    student : str or Activation
    c : float
        Bulk variance (> 0).
    shifts : array_like of shape (K,)
    n_nodes : int, optional
        Gauss-Legendre nodes per side of the kink ``z = -t/sqrt(c)``.

    Returns
    -------
    mu0, mu1, mu2 : ndarray of shape (K,)
        ``E[s]``, ``E[s'] = E[z s]/sqrt(c)`` and ``sqrt(E[s^2] - mu0^2 - c mu1^2)``.
    """
    act = as_activation(student, key="student")
    t = np.atleast_1d(np.asarray(shifts, dtype=float))
    z, w = _normal_rule(-t / math.sqrt(c), n_nodes)
    vals = act.numpy(math.sqrt(c) * z + t[:, None])
    mu0, mu1 = np.sum(w * vals, 1), np.sum(w * z * vals, 1) / math.sqrt(c)
    mu2sq = np.sum(w * vals**2, 1) - mu0**2 - c * mu1**2
    return mu0, mu1, np.sqrt(np.clip(mu2sq, 0.0, None))


def teacher_conditional_moments(teacher, gamma, kappa, n_nodes):
    """``E_z[s*(g k + r z)]``, ``E_z[z s*(.)]``, ``E_z[s*(.)^2]`` at each ``kappa``; r^2 = 1-g^2."""
    act = as_activation(teacher, key="teacher")
    rho = math.sqrt(max(1.0 - gamma**2, 0.0))
    if rho < 1e-12:
        h = act.numpy(gamma * kappa)
        return h, np.zeros_like(h), h**2
    z, w = _normal_rule(-gamma * kappa / rho, n_nodes)
    vals = act.numpy(gamma * kappa[:, None] + rho * z)
    return np.sum(w * vals, 1), np.sum(w * z * vals, 1), np.sum(w * vals**2, 1)


def _mp_stieltjes(x, phi):
    """``g(x) = int dMP_phi(l) / (l + x)`` and ``g'(x)`` for x > 0 (N x N Wishart, ratio N/d)."""
    # m(z) = g(-z) solves phi z m^2 + (z + phi - 1) m + 1 = 0; take the root m > 0 at z = -x,
    # in the form free of cancellation on each side of b = 0.
    z, b = -x, -x + phi - 1
    disc = math.sqrt(b * b + 4 * phi * x)
    m = 2 / (disc - b) if b <= 0 else (b + disc) / (2 * phi * x)
    return m, (phi * m * m + m) / (2 * phi * z * m + b)  # g'(x) = -m'(z)


def mp_moments(s, v, *, c, phi):
    """Spectral moments ``T_ij = int l^i / (s + v l)^j`` over the law of ``c W0 W0^T``, d -> inf.

    Marchenko-Pastur with ratio ``phi = N/d``, scaled by ``c``; ``s, v > 0``. Returns a dict with
    float keys ``T01, T11, T02, T12, T22``.
    """
    x = s / (v * c)  # l = c mu, mu ~ MP_phi: T_ij = c^i (v c)^-j int mu^i / (x + mu)^j
    if x > 20 * (1 + math.sqrt(phi)) ** 2:  # heavy ridge: the differences below cancel
        mom = _mp_power_moments(phi, 32)
        k = np.arange(28)
        series = lambda i, j: x**-j * np.sum(comb(j + k - 1, k) * (-1 / x) ** k * mom[k + i])  # noqa: E731
        return {f"T{i}{j}": float(c**i * series(i, j) / (v * c) ** j)
                for i, j in ((0, 1), (1, 1), (0, 2), (1, 2), (2, 2))}
    g, dg = _mp_stieltjes(x, phi)
    T01, T02 = g / (v * c), -dg / (v * c) ** 2
    T11, T12 = (1 - s * T01) / v, (T01 - s * T02) / v
    return dict(T01=T01, T11=T11, T02=T02, T12=T12, T22=(T11 - s * T12) / v)


def _mp_power_moments(phi, K):
    """``E[mu^k]``, k = 0..K-1, of MP_phi: Narayana polynomials sum_r N(k, r) phi^(r-1)."""
    return np.array([1.0] + [sum(comb(k, r, exact=True) * comb(k, r - 1, exact=True) / k
                                 * phi ** (r - 1) for r in range(1, k + 1)) for k in range(1, K)])


def _finite_moments(s, v, *, eig):
    den = s + v * eig
    return dict(T01=np.mean(1 / den), T11=np.mean(eig / den), T02=np.mean(1 / den**2),
                T12=np.mean(eig / den**2), T22=np.mean(eig**2 / den**2))


def check_number(name, value, *, low=0.0, high=None, strict=False):
    try:
        ok = not isinstance(value, (bool, str)) and math.isfinite(float(value))
    except (TypeError, ValueError):
        ok = False
    ok = ok and (float(value) > low if strict else float(value) >= low)
    ok = ok and (high is None or float(value) <= high)
    if not ok:
        bound = f"{'>' if strict else '>='} {low}" + (f" and <= {high}" if high is not None else "")
        raise ValueError(f"{name}={value!r}: expected a finite number {bound}")
    return float(value)


def srf_error(*, alpha, phi=None, ridge, c, theta, gamma, student, teacher, tau=0.0,
              ridge_convention="sum", d=None, W0=None, spike_channel=True, n_kappa=64,
              n_nodes=64, damping=0.5, tol=1e-12, max_iter=20000):
    """Deterministic-equivalent test MSE of ridge on spiked random features (float64).

    Parameters
    ----------
    alpha : float or array_like of shape (n_alpha,)
        ``n / d`` training samples (fresh data) per dimension, > 0.
    phi : float, optional
        Width ratio ``N / d`` (d -> infinity form); taken from ``W0.shape`` when ``W0`` is given.
    ridge : float
        ``lambda >= 0`` in ``ridge_convention``.
    c, theta, gamma : float
        Bulk variance (> 0), spike strength (>= 0) and overlap ``|<u, beta>|`` in [0, 1].
    student, teacher : str or Activation
    tau : float, optional
        Label-noise sd (training and test labels).
    ridge_convention : {'sum', 'mean'}, optional
        ``mean`` needs ``d`` (or ``W0``): ``lambda_sum = alpha d lambda``.
    d : int, optional
        Dimension (d -> infinity form): needed for ``mean``; with it the mean direction also
        feels the ridge (``lambda_sum / n``), an O(1/d) effect in the ``sum`` convention.
    W0 : ndarray of shape (N, d), optional
        Drawn initial weights: finite-d form with the eigenvalues of ``c W0 W0^T``.
    spike_channel : bool, optional
        Keep the readout's response along ``a = sqrt(c) W0 u`` (the bulk weights' own component
        on the spike, order parameter ``theta``). ``False`` drops it (``theta = 0``): this is what
        the printed outputs of Cui et al.'s theory.ipynb correspond to (docs/srf.md section 5).
    n_kappa, n_nodes : int, optional
        Gauss-Legendre nodes per half-line for ``kappa`` and for the inner ``z`` integrals.
    damping, tol, max_iter : optional
        Damped iteration of ``(V1, V2)``; relative tolerance.

    Returns
    -------
    SRFResult, or list of SRFResult (one per alpha) for array ``alpha``

    Raises
    ------
    ValueError
        Bad argument (the message names it).
    RuntimeError
        No convergence within ``max_iter`` (the message gives the parameters).
    """
    if np.ndim(alpha) > 0:
        alphas = [check_number("alpha", float(a), low=0.0, strict=True) for a in np.ravel(alpha)]
    else:
        alphas = None
        alpha = check_number("alpha", alpha, low=0.0, strict=True)
    ridge = check_number("ridge", ridge, low=0.0)
    c = check_number("c", c, low=0.0, strict=True)
    theta = check_number("theta", theta, low=0.0)
    gamma = check_number("gamma", gamma, low=0.0, high=1.0)
    tau = check_number("tau", tau, low=0.0)
    if not 0.0 <= damping < 1.0:
        raise ValueError(f"damping={damping!r}: expected 0 <= damping < 1")
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter={max_iter!r}: expected an integer >= 1")
    if ridge_convention not in ("sum", "mean"):
        raise ValueError(f"ridge_convention={ridge_convention!r}: expected 'sum' or 'mean'")
    if W0 is not None:
        W0 = np.asarray(W0, dtype=np.float64)
        if W0.ndim != 2:
            raise ValueError(f"W0: expected a 2-D array (N, d), got shape {W0.shape}")
        N, d = W0.shape
        if phi is not None and abs(phi - N / d) > 1e-12 * max(1.0, phi):
            raise ValueError(f"phi={phi!r}: W0 has N/d = {N / d}")
        phi = N / d
        sv = np.linalg.svd(W0, compute_uv=False)
        eig = np.zeros(N)
        eig[: sv.size] = c * sv**2  # zero modes when N > d
        moments = lambda s, v: _finite_moments(s, v, eig=eig)  # noqa: E731
    else:
        phi = check_number("phi", phi, low=0.0, strict=True) if phi is not None else None
        if phi is None:
            raise ValueError("phi=None: give phi or W0")
        moments = lambda s, v: mp_moments(s, v, c=c, phi=phi)  # noqa: E731
        if d is not None:
            d = check_number("d", d, low=0.0, strict=True)
    if ridge_convention == "mean" and d is None:
        raise ValueError("d=None: the 'mean' convention needs d (lambda_sum = alpha d lambda)")
    student = as_activation(student, key="student")
    teacher = as_activation(teacher, key="teacher")
    kap, wk = (a[0] for a in _normal_rule([0.0], n_kappa))
    mu = conditional_coefficients(student, c=c, shifts=math.sqrt(theta) * kap, n_nodes=n_nodes)
    hs = teacher_conditional_moments(teacher, gamma, kap, n_nodes)
    fixed = dict(phi=phi, c=c, theta=theta, gamma=gamma, tau=tau, moments=moments, kap=kap, wk=wk,
                 mu=mu, hs=hs, names=(student.name, teacher.name), spike_channel=spike_channel,
                 damping=damping, tol=tol, max_iter=max_iter)
    lam = lambda a: ridge * a * d if ridge_convention == "mean" else ridge  # noqa: E731
    # ridge / n on the mean direction (m); unknown d (sum convention, d -> infinity) means 0
    per_n = lambda a: lam(a) / (a * d) if d is not None else 0.0  # noqa: E731
    if alphas is not None:
        return [_solve(a, lam(a), per_n(a), **fixed) for a in alphas]
    return _solve(alpha, lam(alpha), per_n(alpha), **fixed)


def _solve(alpha, ridge, ridge_per_n, *, phi, c, theta, gamma, tau, moments, kap, wk, mu, hs, names,
           spike_channel, damping, tol, max_iter):
    """Damped iteration of (V1, V2), then the linear solves of :func:`_order_parameters`."""
    mu0, mu1, mu2 = mu
    h, h1, h2 = hs
    rho_n = alpha / phi  # n / N
    E = lambda f: float(np.dot(wk, f))  # noqa: E731

    V1 = V2 = 1.0
    label = (f"alpha={alpha}, phi={phi}, ridge_sum={ridge}, c={c}, theta={theta}, gamma={gamma}, "
             f"student={names[0]}, teacher={names[1]}")
    for it in range(1, max_iter + 1):  # noqa: B007 (it is reported as n_iter)
        wt = 1 / (1 + mu1**2 * V1 + mu2**2 * V2)
        s, v = ridge + rho_n * E(mu2**2 * wt), rho_n * E(mu1**2 * wt)
        if not s > 0 or not v > 0:
            raise RuntimeError(f"degenerate fixed point (s={s}, v={v}) at {label}")
        T = moments(s, v)
        new1, new2 = T["T11"], T["T01"]
        if not (math.isfinite(new1) and math.isfinite(new2)):
            raise RuntimeError(f"fixed point diverged at {label}")
        err = max(abs(new1 - V1) / max(abs(new1), 1e-300), abs(new2 - V2) / max(abs(new2), 1e-300))
        V1, V2 = damping * V1 + (1 - damping) * new1, damping * V2 + (1 - damping) * new2
        if err < tol:
            break
    else:
        raise RuntimeError(f"(V1, V2) did not converge in max_iter={max_iter} iterations "
                           f"(last relative change {err:.2e}) at {label}")
    wt = 1 / (1 + mu1**2 * V1 + mu2**2 * V2)
    s, v = ridge + rho_n * E(mu2**2 * wt), rho_n * E(mu1**2 * wt)
    T = moments(s, v)
    return _order_parameters(T, s, v, phi, rho_n, wt, kap, mu0, mu1, mu2, h, h1, h2, tau, E,
                             V1, V2, ridge, it, label, spike_channel, ridge_per_n)


def _order_parameters(T, s, v, phi, rho_n, wt, kap, mu0, mu1, mu2, h, h1, h2, tau, E, V1, V2,
                      ridge, n_iter, label, spike_channel, ridge_per_n):
    """Given (V1, V2): means (m, theta, psi) and (q1, q2) by linear solves, then the test error."""
    e = phi * T["T11"]  # b^T S^-1 b (bulk direction) = (1/d) tr(A^T R A)
    de_s, de_v = -phi * T["T12"], -phi * T["T22"]
    ta = e / (1 - v * e)  # a^T S^-1 a: the spike direction is projected out of the bulk
    ta_s, ta_v = de_s / (1 - v * e) ** 2, (de_v + e * e) / (1 - v * e) ** 2
    if not spike_channel:
        ta = ta_s = ta_v = 0.0
    # mean part: m E[mu0^2 w] + theta E[mu0 mu1 k w] = E[mu0 h w];  theta = ta rho_n E[...]
    a00, a01, a11 = E(mu0**2 * wt), E(mu0 * mu1 * kap * wt), E(mu1**2 * kap**2 * wt)
    reg = ridge_per_n  # |w|^2 = m^2 along 1/sqrt(N): lambda m^2 against a loss of order n
    b0, b1 = E(mu0 * h * wt), E(mu1 * kap * h * wt)
    if a00 <= 1e-14 * max(E(mu1**2 + mu2**2), 1e-300):  # mean direction unused (odd student)
        m, th = 0.0, ta * rho_n * b1 / (1 + ta * rho_n * a11)
    else:
        M = np.array([[a00 + reg, a01], [ta * rho_n * a01, 1 + ta * rho_n * a11]])
        m, th = np.linalg.solve(M, [b0, ta * rho_n * b1])
    psi = e * rho_n * E(mu1 * h1 * wt)
    th_hat, psi_hat = (th / ta if ta > 0 else 0.0), rho_n * E(mu1 * h1 * wt)
    ck = mu0 * m + mu1 * th * kap
    base = h2 + tau**2 - 2 * h * ck - 2 * mu1 * psi * h1 + ck**2  # error without q1, q2 terms
    w2 = wt**2
    A = rho_n * np.array([[E(mu1**4 * w2), E(mu1**2 * mu2**2 * w2)],
                          [E(mu1**2 * mu2**2 * w2), E(mu2**4 * w2)]])
    bq = rho_n * np.array([E(mu1**2 * base * w2), E(mu2**2 * base * w2)])
    Mq = np.array([[T["T22"], T["T12"]], [T["T12"], T["T02"]]])
    c0 = np.array([-th_hat**2 * ta_v - psi_hat**2 * de_v, -th_hat**2 * ta_s - psi_hat**2 * de_s])
    lhs = np.eye(2) - Mq @ A
    if np.max(np.abs(np.linalg.eigvals(Mq @ A))) >= 1:
        raise RuntimeError(f"(q1, q2) equations have no stable solution at {label}")
    q1, q2 = np.linalg.solve(lhs, c0 + Mq @ bq)
    err = E(base + mu1**2 * q1 + mu2**2 * q2)
    return SRFResult(float(err), float(m), float(th), float(psi), float(q1), float(q2),
                     float(V1), float(V2), float(ridge), n_iter)


def rf_init_error(**kwargs) -> SRFResult:
    """:func:`srf_error` at initialisation: ``theta = 0``, ``c = 1`` (``gamma`` is irrelevant).

    Takes the same keyword arguments except ``c``, ``theta`` and ``gamma``.
    """
    for key in ("c", "theta", "gamma"):
        if key in kwargs:
            raise ValueError(f"{key}: fixed by rf_init_error (c=1, theta=0)")
    return srf_error(c=1.0, theta=0.0, gamma=1.0, **kwargs)
