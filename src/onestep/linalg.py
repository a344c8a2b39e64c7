"""Dense linear algebra shared by the spike estimates, the kernel spectra and the learning curves.

:func:`top_eigenpairs` is the one routine for leading eigenpairs of a symmetric matrix: LAPACK
``eigh`` on a subset up to size ``DENSE_MAX`` (or when nearly all pairs are wanted), else ARPACK
Lanczos with a fixed start vector (deterministic) and a dense fallback if it does not converge.
Measured on 2 shared cores: at m = 4000, 40 pairs, Lanczos 0.5 s against 4.7 s for dense ``eigh``
(same values to 1e-16); at m = 1600 dense ``eigh(subset)`` varies 0.4-9 s with CPU contention.

:func:`shifted_cholesky` and :func:`prefix_cho_solve` serve the ridge solvers: one LAPACK
``potrf`` of ``A + shift I`` (in place when allowed), and solves with the factor of any *leading*
block ``A[:n, :n] + shift I``, which is the leading block of the factor, by blocked substitution
that reads the factor in place (no n x n copy). float64 throughout.

:func:`blas_threads` caps OpenBLAS's threads (NumPy's and SciPy's copies) for a stretch of many
small BLAS calls: on 2 shared cores, a threaded 6000 x 12 x 40 ``dgemm`` tile took 20x longer than
on one thread (threads wait for a descheduled sibling). Large calls keep the environment's setting
(``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``).
"""

from __future__ import annotations

import ctypes
import numbers
import re
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import scipy.linalg as sl
import scipy.sparse.linalg as ssl
from scipy.linalg import lapack

__all__ = ["DENSE_MAX", "blas_thread_count", "blas_threads", "nested_shifted_solve",
           "pinv_filter", "prefix_cho_solve", "shifted_cholesky", "shifted_solve", "top_eigenpairs",
           "top_singular"]

DENSE_MAX = 400


def _count(k, name: str) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"{name}={k!r}: expected an integer >= 1")
    return int(k)


def top_eigenpairs(S, k: int, *, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest eigenpairs of a symmetric matrix, descending.

    Parameters
    ----------
    S : array_like of shape (m, m)
        Symmetric (only its lower triangle is read by ``dense``).
    k : int
        ``1 <= k <= m``.
    method : {'auto', 'dense', 'lanczos'}, optional
        ``auto``: ``lanczos`` when ``m > DENSE_MAX`` and ``k < m - 1``, else ``dense``.

    Returns
    -------
    values : ndarray of shape (k,)
    vectors : ndarray of shape (m, k), unit columns (signs arbitrary)
    """
    S = np.asarray(S, dtype=np.float64)
    if S.ndim != 2 or S.shape[0] != S.shape[1]:
        raise ValueError(f"S: expected a square matrix, got shape {S.shape}")
    m, k = S.shape[0], _count(k, "k")
    if k > m:
        raise ValueError(f"k={k!r}: expected <= m = {m}")
    if method not in ("auto", "dense", "lanczos"):
        raise ValueError(f"method={method!r}: expected 'auto', 'dense' or 'lanczos'")
    if method == "auto":
        method = "lanczos" if m > DENSE_MAX and k < m - 1 else "dense"
    values = None
    if method == "lanczos" and k < m - 1:
        v0 = np.random.default_rng(0).standard_normal(m)  # fixed: reruns are bitwise equal
        try:
            values, vectors = ssl.eigsh(S, k=k, which="LA", v0=v0, ncv=min(m, max(2 * k + 1, 40)))
        except ssl.ArpackNoConvergence:
            values = None
    if values is None:
        values, vectors = sl.eigh(S, subset_by_index=[m - k, m - 1])
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


def top_singular(M, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` singular values of ``M`` (m, d), descending, and the top right singular vector.

    From the Gram matrix of the smaller side (0.2 s to form at 3200 x 1600) and
    :func:`top_eigenpairs`; values agree with ``scipy.linalg.svd`` to ~1e-14.
    """
    M = np.asarray(M, dtype=np.float64)
    m, d = M.shape
    k = min(_count(k, "n_singular"), min(m, d))
    gram = M.T @ M if d <= m else M @ M.T
    values, vectors = top_eigenpairs(gram, k)
    values = np.sqrt(np.clip(values, 0.0, None))
    top = vectors[:, 0] if d <= m else M.T @ vectors[:, 0]
    norm = np.linalg.norm(top)
    return values, (top / norm if norm > 0 else top)


_SUBST_BLOCK = 256  # rows per step of the blocked substitutions


def shifted_cholesky(A, shift: float, *, n: int | None = None, overwrite: bool = False):
    """Lower Cholesky factor of ``A[:n, :n] + shift I`` (A symmetric), or None if not PD.

    Parameters
    ----------
    A : ndarray of shape (m, m), float64
        Only the block ``A[:n, :n]`` is read (one triangle).
    shift : float
    n : int, optional
        Leading block size (default m).
    overwrite : bool, optional
        Factor in A's memory (A must be C- or F-contiguous, n = m; A is destroyed).

    Returns
    -------
    ndarray of shape (n, n), Fortran-ordered, lower triangle valid (upper one is scratch); None
    when LAPACK finds a non-positive pivot.
    """
    m = A.shape[0]
    n = m if n is None else int(n)
    if overwrite and n == m and (A.flags.f_contiguous or A.flags.c_contiguous):
        M = A if A.flags.f_contiguous else A.T  # symmetric: A.T is A, Fortran-ordered
    else:
        M = np.array(A[:n, :n], order="F", dtype=np.float64)
    M.flat[:: n + 1] += shift  # diagonal (same stride in either order for a square array)
    factor, info = lapack.dpotrf(M, lower=1, clean=0, overwrite_a=1)
    return factor if info == 0 else None


def prefix_cho_solve(L, b, n: int | None = None) -> np.ndarray:
    """Solve ``(L_n L_n^T) x = b[:n]`` with ``L_n = L[:n, :n]`` (lower triangle of L), shape (n,).

    A leading block of a Cholesky factor is the factor of the leading block, so one factor serves
    every nested prefix. Blocked substitution: O(n^2), reads L in place.
    """
    n = L.shape[0] if n is None else int(n)
    z = np.array(b[:n], dtype=np.float64)
    with blas_threads(1):  # matrix-vector products: memory-bound
        _substitute(L, z, n)
    return z


def _substitute(L, z, n: int) -> None:
    for j0 in range(0, n, _SUBST_BLOCK):  # forward: L_n z = b
        j1 = min(n, j0 + _SUBST_BLOCK)
        if j0:
            z[j0:j1] -= L[j0:j1, :j0] @ z[:j0]
        z[j0:j1] = sl.solve_triangular(L[j0:j1, j0:j1], z[j0:j1], lower=True,
                                       check_finite=False)
    for j1 in range(n, 0, -_SUBST_BLOCK):  # backward: L_n^T x = z
        j0 = max(0, j1 - _SUBST_BLOCK)
        if j1 < n:
            z[j0:j1] -= L[j1:n, j0:j1].T @ z[j1:n]
        z[j0:j1] = sl.solve_triangular(L[j0:j1, j0:j1], z[j0:j1], lower=True, trans="T",
                                       check_finite=False)


def pinv_filter(evals, shifts, size: int) -> np.ndarray:
    """``1 / (e + shift)``, shape (n_shifts, n_eig); 0 where ``e + shift`` is below the cutoff
    ``size * eps * max(e)`` (the pseudo-inverse when ``shift == 0``; rounding negatives -> 0)."""
    evals = np.clip(evals, 0.0, None)
    cutoff = size * np.finfo(np.float64).eps * max(float(evals.max(initial=0.0)), 1e-300)
    denom = evals[None, :] + np.asarray(shifts, dtype=np.float64)[:, None]
    keep = denom > cutoff
    return np.where(keep, 1.0 / np.where(keep, denom, 1.0), 0.0)


def shifted_solve(A, b, shift: float, *, size: int | None = None) -> np.ndarray:
    """``(A + shift I)^{-1} b`` for symmetric PSD A: Cholesky when ``shift > 0`` and A + shift I
    is positive definite, else one ``eigh`` and the pseudo-inverse (cutoff scale ``size``,
    default A's size)."""
    factor = shifted_cholesky(A, shift) if shift > 0 else None
    if factor is not None:
        return prefix_cho_solve(factor, b)
    evals, vecs = np.linalg.eigh(0.5 * (A + A.T))
    scale = pinv_filter(evals, [shift], A.shape[0] if size is None else size)[0]
    return vecs @ (scale * (vecs.T @ b))


def nested_shifted_solve(A, b, sizes, shifts, *, overwrite: bool = False) -> dict:
    """``{(n, shift): (A[:n, :n] + shift I)^{-1} b[:n]}`` for every (size, shift) pair.

    One Cholesky per distinct shift, of the largest block with that shift (its leading blocks
    serve the smaller sizes); ``shift = 0`` or a failed factorisation: :func:`shifted_solve`'s
    eigh fallback per size. ``overwrite``: A may be factored in place when the largest size is
    A's size and the shift is safely positive (no fallback can then need A).
    """
    out = {}
    for shift in np.unique(shifts):
        group = sorted({int(n) for n, s in zip(sizes, shifts, strict=True) if s == shift})
        top = group[-1]
        in_place = overwrite and top == A.shape[0] and shift > 1e-8 * float(np.max(np.diag(A)))
        factor = shifted_cholesky(A, shift, n=top, overwrite=in_place) if shift > 0 else None
        for n in group:
            out[n, shift] = (shifted_solve(A[:n, :n], b[:n], shift) if factor is None
                             else prefix_cho_solve(factor, b, n))
    return out


_THREAD_SYMBOLS = (("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
                   ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
                   ("openblas_set_num_threads", "openblas_get_num_threads"))


@lru_cache(maxsize=1)
def _openblas_controls() -> tuple:
    """(set, get) ctypes functions of every OpenBLAS loaded in this process (Linux; else ())."""
    try:
        with open("/proc/self/maps") as maps:
            paths = sorted(set(re.findall(r"(/\S*openblas\S*\.so\S*)", maps.read())))
    except OSError:
        return ()
    controls = []
    for path in paths:
        lib = ctypes.CDLL(path)
        for set_name, get_name in _THREAD_SYMBOLS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                controls.append((getattr(lib, set_name), getattr(lib, get_name)))
                break
    return tuple(controls)


def blas_thread_count() -> int:
    """Threads OpenBLAS uses now (the largest over its loaded copies; 0 if none found)."""
    import numpy  # noqa: F401  (loads NumPy's OpenBLAS)
    import scipy.linalg  # noqa: F401  (and SciPy's)

    _openblas_controls.cache_clear()
    return max((int(get()) for _, get in _openblas_controls()), default=0)


@contextmanager
def blas_threads(n: int):
    """Run the block with at most ``n`` OpenBLAS threads, then restore the previous counts."""
    controls = _openblas_controls()
    old = [int(get()) for _, get in controls]
    try:
        for (set_, _), o in zip(controls, old, strict=True):
            set_(max(1, min(int(n), o)))
        yield
    finally:
        for (set_, _), o in zip(controls, old, strict=True):
            set_(o)
