"""The one place that decides how close NumPy and PyTorch must agree.

Every comparison in the suite goes through :func:`tolerance`. Nothing is guessed:
a tolerance is ``u`` (the dtype's unit roundoff, 2^-24 for float32, 2^-53 for
float64) times a *rounding-error bound* computed element by element from the
operands, by a first-order running error analysis (Wilkinson; Higham,
"Accuracy and Stability of Numerical Algorithms", ch. 3):

* a correctly rounded ``+ - * /`` adds at most ``u·|result|``;
* an elementary function (exp, expm1, log, tanh) adds at most ``ELEMENTARY·u·|result|``;
* a dot product of length k adds at most ``k·u·(|W| @ |A|)`` (``γ_k``, any
  summation order, with or without FMA);
* an error already in an operand is carried forward by the derivative of the
  operation: ``|W| @ B_A`` through a matrix product, ``|g'(Z)|·B_Z`` through an
  activation, ``|dA|·|g''(Z)|·B_Z`` through a derivative evaluated at a rounded Z.

The ``*_bound`` functions below return such bounds, **in units of u**, for one
evaluation of each equation; the registry entries chain them layer by layer
exactly as the forward and backward passes chain the equations. What is particular
to one activation or loss (the rounding of g and of g', softmax's and the costs'
own bounds, where PyTorch's module computes another formula) is declared in its
description (``ops.py``); ``activation_bound``, ``activation_backward_bound``,
``derivatives``, ``logit_loss_bound`` and ``probability_loss_bound`` apply it. Two independent
evaluations (NumPy and PyTorch) may each be off by the bound, hence the factor 2
in :func:`tolerance`; ``ROUTE_SLACK`` covers the few extra roundings of the
oracle's route (the factor m that converts autograd's ``dJ/dZ`` to the notes'
``dZ``, one multiplication by ``1/m`` and one by ``m``, and a final copy).

Bounds are worst cases: typical errors are far smaller (random rounding errors
grow like sqrt(k), not k), so the reported "fraction of tolerance" of a correct
implementation is usually well below 1, and any real mistake (a missing 1/m, a
transpose, a wrong derivative) is off by orders of magnitude more than the bound.

The bound needs values, not just shapes: they are computed in float64 from the
oracle's own results, never from the implementation under test.
"""

from __future__ import annotations

import numpy as np
import torch

from . import ops
from .ops import softmax_bound  # noqa: F401 - re-exported: softmax's own bound lives in its description
from .rounding import ELEMENTARY, unit_roundoff

#: extra roundings of the oracle's route relative to the value (the m scaling: 2;
#: a final multiplication or cast: 1; one spare).
ROUTE_SLACK = 4.0


def tolerance(dtype: torch.dtype | np.dtype | type, bound: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per-element absolute tolerance for ``|numpy - torch|``.

    ``tol = u · (2·bound + ROUTE_SLACK·|value|) + tiny``, where ``bound`` is one
    evaluation's rounding-error bound in units of u (from the ``*_bound``
    functions), ``value`` the oracle's result, and ``tiny`` the smallest normal
    number (the absolute error floor of gradual underflow).
    """
    u = unit_roundoff(dtype)
    tiny = torch.finfo(dtype).tiny if isinstance(dtype, torch.dtype) else float(np.finfo(dtype).tiny)
    value = np.abs(np.asarray(value, dtype=np.float64))
    return u * (2 * np.asarray(bound, dtype=np.float64) + ROUTE_SLACK * value) + tiny


# ----------------------------------------------------------------------- forward
def _abs(x: np.ndarray) -> np.ndarray:
    return np.abs(np.asarray(x, dtype=np.float64))


def linear_bound(W: np.ndarray, A_prev: np.ndarray, b: np.ndarray, B_A_prev: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``Z = W A_prev + b``: ``|W| @ B_A + (k + 1)(|W| @ |A_prev| + |b|)``, k = n[l-1]."""
    k = W.shape[1]
    absW = _abs(W)
    carried = absW @ np.broadcast_to(B_A_prev, A_prev.shape) if np.any(B_A_prev) else 0.0
    return carried + (k + 1) * (absW @ _abs(A_prev) + _abs(b))


def derivatives(name: str, Z: np.ndarray, **params: float) -> tuple[np.ndarray, np.ndarray]:
    """``|g'(Z)|`` and ``|g''(Z)|`` in float64 (away from kinks), from the activation's description
    (``ops``); a column-wise g (softmax) has none."""
    act = ops.activation(name)
    if act.dg64 is None or act.d2g64 is None:
        raise ValueError(f"no derivative table for activation {name!r} (it is column-wise)")
    Z = np.asarray(Z, dtype=np.float64)
    p = act.with_params(**params)
    return np.abs(act.dg64(Z, p)), np.abs(act.d2g64(Z, p))


def _torch_gap(act: ops.Activation, Z: np.ndarray, p: dict[str, float], dtype: object) -> tuple[np.ndarray, np.ndarray]:
    """Where PyTorch's module computes something other than g (``Activation.torch_gap``): the two
    formulas' difference, in units of u of ``dtype`` (:func:`formula_difference_bound`); None takes
    float64's u, the smallest, so that the bound holds in every dtype."""
    if act.torch_gap is None:
        return np.zeros(()), np.zeros(())
    gap, dgap = act.torch_gap(np.asarray(Z, dtype=np.float64), p)
    dtype = np.float64 if dtype is None else dtype
    return formula_difference_bound(gap, dtype), formula_difference_bound(dgap, dtype)


def activation_bound(
    name: str, Z: np.ndarray, A: np.ndarray, B_Z: np.ndarray | float = 0.0, dtype: object = None, **params: float
) -> np.ndarray:
    """Bound of ``A = g(Z)``: ``|g'(Z)|·B_Z + c_g·|A|`` (c_g: the description's ``rounding`` of g
    itself), plus where PyTorch's formula differs from g (``torch_gap``, in units of ``dtype``'s u);
    a column-wise g's own ``forward_bound``."""
    act = ops.activation(name)
    p = act.with_params(**params)
    if act.forward_bound is not None:
        return act.forward_bound(Z, B_Z, p)
    g1, _g2 = derivatives(name, Z, **p)
    bound = g1 * B_Z + act.rounding * _abs(A)
    if act.torch_gap is not None:
        bound = bound + _torch_gap(act, Z, p, dtype)[0]
    return bound


# ----------------------------------------------------------------------- backward
def activation_backward_bound(
    name: str,
    Z: np.ndarray,
    dA: np.ndarray,
    B_dA: np.ndarray | float = 0.0,
    B_Z: np.ndarray | float = 0.0,
    dtype: object = None,
    **params: float,
) -> np.ndarray:
    """Bound of ``dZ = dA * g'(Z)``:
    ``|g'|·B_dA + |dA|·|g''|·B_Z + |dA|·B_g' + |dZ|``, where ``B_g'`` is the rounding of evaluating g'
    itself (the description's ``dg_rounding``: through the rounded forward value for sigmoid and tanh),
    plus ``|dA|`` times where PyTorch's g' differs (``torch_gap``); a column-wise g's ``backward_bound``."""
    act = ops.activation(name)
    p = act.with_params(**params)
    dA64 = np.asarray(dA, dtype=np.float64)
    if act.backward_bound is not None:
        return act.backward_bound(Z, dA64, B_dA, B_Z, p)
    g1, g2 = derivatives(name, Z, **p)
    B_g1 = act.dg_rounding(np.asarray(Z, dtype=np.float64), p)
    if act.torch_gap is not None:
        B_g1 = B_g1 + _torch_gap(act, Z, p, dtype)[1]
    dZ = dA64 * g1
    return g1 * B_dA + np.abs(dA64) * (g2 * B_Z + B_g1) + np.abs(dZ)


def linear_backward_bounds(
    dZ: np.ndarray,
    A_prev: np.ndarray,
    W: np.ndarray,
    B_dZ: np.ndarray | float = 0.0,
    B_A_prev: np.ndarray | float = 0.0,
) -> dict[str, np.ndarray]:
    """Bounds of ``dW = (1/m) dZ A_prev^T``, ``db = (1/m) sum dZ``, ``dA_prev = W^T dZ``.

    ``dW``: ``(1/m)(B_dZ |A_prev|^T + |dZ| B_A^T + (m + 1)|dZ||A_prev|^T)``;
    ``db``: ``(1/m)(sum B_dZ + (m + 1) sum |dZ|)``;
    ``dA_prev``: ``|W|^T B_dZ + n[l]·|W|^T |dZ|`` (W is exact: a parameter).
    """
    m = dZ.shape[1]
    absdZ, absA, absW = _abs(dZ), _abs(A_prev), _abs(W)
    B_dZ = np.broadcast_to(np.asarray(B_dZ, dtype=np.float64), dZ.shape)
    B_A = np.broadcast_to(np.asarray(B_A_prev, dtype=np.float64), A_prev.shape)
    return {
        "dW": (B_dZ @ absA.T + absdZ @ B_A.T + (m + 1) * absdZ @ absA.T) / m,
        "db": (B_dZ.sum(axis=1, keepdims=True) + (m + 1) * absdZ.sum(axis=1, keepdims=True)) / m,
        "dA_prev": absW.T @ B_dZ + W.shape[0] * absW.T @ absdZ,
    }


def output_dZ_bound(AL: np.ndarray, Y: np.ndarray, B_AL: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``dZ[L] = A[L] - Y``: ``B_AL + 8|A - Y|`` (8 covers PyTorch's route
    through BCELoss's ``(a - y) / (a(1 - a))`` times sigmoid's ``a(1 - a)``)."""
    return B_AL + 8 * np.abs(np.asarray(AL, np.float64) - np.asarray(Y, np.float64))


def bce_probability_losses_bound(losses: np.ndarray) -> np.ndarray:
    """Bound of each BCE loss ``-log(a)`` or ``-log(1 - a)`` from exact probabilities a in [0.05, 0.95]
    (``cases.probabilities``): the log (``ELEMENTARY``) of ``1 - a`` (1 rounding, whose relative error
    ``|a/(1 - a)|`` is at most 19 here): ``ELEMENTARY·|loss| + 20``."""
    return ELEMENTARY * np.abs(losses) + 20


def bce_derivative_bound(dAL: np.ndarray) -> np.ndarray:
    """Bound of BWD-DAL's ``dA[L] = -(y/a - (1 - y)/(1 - a))``: two divisions, a subtraction and
    ``1 - a``; PyTorch's ``(a - y) / (a(1 - a))`` as many: ``6|dA[L]|`` covers both."""
    return 6 * np.abs(dAL)


def mean_bound(losses: np.ndarray, B_losses: np.ndarray) -> float:
    """Bound of ``J = (1/m) sum_i L_i`` (a sum of m terms, then a scaling)."""
    m = losses.size
    return float((B_losses.sum() + (m + 1) * np.abs(losses).sum()) / m)


def update_bound(P: np.ndarray, dP: np.ndarray, alpha: float) -> np.ndarray:
    """Bound of ``P - α dP``: ``2|α dP| + |P - α dP|`` (product, then difference)."""
    step = alpha * _abs(dP)
    return 2 * step + np.abs(np.asarray(P, np.float64) - alpha * np.asarray(dP, np.float64))


# ----------------------------------------------------------------------- losses from probabilities or logits
def probability_loss_bound(output: str, AL: np.ndarray, Y: np.ndarray, B_AL: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of each per-example loss computed *from the probabilities* A[L] (the notes' route), ``(1, m)``:
    the loss description's ``probability_bound`` (``ops``: BCE, CE, half squared error)."""
    return ops.loss(output).probability_bound(AL, Y, B_AL)


def logit_loss_bound(output: str, ZL: np.ndarray, Y: np.ndarray, B_ZL: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of each per-example loss computed *from the logits* Z[L] in a stable form, ``(1, m)``:
    the loss description's ``logit_bound`` (``ops``)."""
    return ops.loss(output).logit_bound(ZL, Y, B_ZL)


# ----------------------------------------------------------------------- finite differences
def finite_difference_bound(
    D_h: np.ndarray, D_2h: np.ndarray, h: float, B_f: np.ndarray | float, theta: np.ndarray | float = 0.0
) -> np.ndarray:
    """Bound, in units of u (float64), of ``|D(h) - f'(θ)|`` for the centered difference
    ``D(h) = (f(θ + h) - f(θ - h)) / 2h`` of a function evaluated in float64.

    Two error sources (Higham ch. 1; Nocedal & Wright §8.1):

    * truncation: ``D(h) = f'(θ) + (h²/6) f'''(θ) + O(h⁴)``. The third derivative is not known, so it is
      estimated a posteriori from a second difference with step 2h (Richardson):
      ``D(2h) - D(h) = 3·(h²/6) f''' + (rounding of both)``, hence
      ``(h²/6)|f'''| <= (|D(2h) - D(h)| + 1.5 R) / 3``;
    * rounding: each evaluation of f is off by at most ``u·B_f`` (B_f from the function's own bounds),
      and the rounded arguments ``fl(θ ± h)`` by ``u·|θ ± h|``, which moves f by ``|f'|·u·|θ ± h|``; so
      ``D(h)`` is off by at most ``R = u·(B_f + |D(h)|·(|θ| + 2h)) / h`` and ``D(2h)`` by ``R / 2``.

    Together: ``|D(h) - f'(θ)| <= |D(2h) - D(h)| / 3 + 1.5·R`` (to first order; the O(h⁴) term is far
    below R for the steps used). ``h`` should be near the optimum ``(3 u B_f / |f'''|)^(1/3)``, about
    1e-5 for O(1) values: smaller steps are dominated by rounding (the course's ε = 1e-7 gives
    R ≈ 1e-9·|J|), larger ones by truncation.
    """
    u = unit_roundoff(np.float64)
    D_h, D_2h = np.asarray(D_h, np.float64), np.asarray(D_2h, np.float64)
    R = u * (np.asarray(B_f, np.float64) + np.abs(D_h) * (np.abs(np.asarray(theta, np.float64)) + 2 * h)) / h
    return (np.abs(D_2h - D_h) / 3 + 1.5 * R) / u


def gradient_check_bound(grad: np.ndarray, approx: np.ndarray, B_J: np.ndarray, d: float, epsilon: float) -> float:
    """Bound (units of u, absolute) of the course's gradient check ``d = ‖grad - approx‖ / (‖grad‖ +
    ‖approx‖)``. Each centered difference ``(J(θ+ε) - J(θ-ε)) / 2ε`` carries ``2·B_J/(2ε)`` from the two
    evaluations of J (``B_J`` their bound, including θ ± ε's own rounding) and ``4·|approx|`` from the
    subtraction and the division; the norms and the quotient add a few roundings of d itself."""
    err = np.linalg.norm(B_J / epsilon + 4 * np.abs(approx))
    return float(2 * err / (np.linalg.norm(grad) + np.linalg.norm(approx)) + 8 * d)


# ----------------------------------------------------------------------- whole trajectories (GD-LOOP)
def trajectory_bound(
    step_bounds: np.ndarray, contraction: np.ndarray, grad_norms: np.ndarray, cost_bounds: np.ndarray
) -> tuple[np.ndarray, float]:
    """Bounds (units of u) of the cost history and of the final parameters of K gradient-descent steps.

    One evaluation of the loop stays within ``u·ε_k`` (2-norm over all parameters) of the exact
    trajectory θ*_k, with ``ε_0 = 0`` (both start from the same parameters) and, to first order,
    ``ε_{k+1} = ρ_k ε_k + s_k``:

    * ``s_k = ‖update_bound + α·B_dθ‖₂``: the rounding of step k itself (the gradient's bound carried by
      α, then the product and difference of the update), evaluated at θ*_k;
    * ``ρ_k = ‖I - α H(θ*_k)‖₂ = max_i |1 - α μ_i|``, μ_i the eigenvalues of the Hessian of J at θ*_k: how
      much one step ``θ -> θ - α ∇J(θ)`` can stretch a perturbation (a Lipschitz factor; > 1 where J is
      not convex or α is too large for the local curvature).

    The cost at iteration k is off by at most ``B_J,k + ‖∇J(θ*_k)‖₂·ε_k``. Returns the cost bounds
    ``(K,)`` and ``ε_K``, a bound of every final parameter (each element is at most the 2-norm).
    """
    step_bounds, contraction = np.asarray(step_bounds, np.float64), np.asarray(contraction, np.float64)
    eps, costs = 0.0, []
    for k in range(len(step_bounds)):
        costs.append(cost_bounds[k] + grad_norms[k] * eps)
        eps = contraction[k] * eps + step_bounds[k]
    return np.asarray(costs, np.float64), float(eps)


# ----------------------------------------------------------------------- dropout and regularization (issue 3)
def dropout_bound(
    value: np.ndarray, D: np.ndarray | float = 1.0, keep_prob: float = 1.0, B_A: np.ndarray | float = 0.0
) -> np.ndarray:
    """Bound of ``A * D / keep_prob`` (DROP-FWD) or ``dA * D / keep_prob`` (DROP-BWD), D a 0/1 mask:
    ``(D / keep_prob)·B_A + 2|value|``. ``A * D`` is exact; one rounding for the division (or for
    PyTorch's multiplication by ``fl(1 / (1 - p))``) and one for keep_prob itself, rounded to the dtype."""
    carried = np.asarray(D, np.float64) / keep_prob * np.asarray(B_A, np.float64) if np.any(B_A) else 0.0
    return carried + 2 * _abs(value)


def penalty_bound(penalty: float, count: int) -> float:
    """Bound of a weight penalty ``(λ/(2m)) Σ W²`` (COST-L2) or ``(λ1 Σ|W| + λ2 Σ W²)/m`` (COST-ENET), a
    sum of ``count`` non-negative terms: ``(count + 5)·penalty``. Each square takes 1 rounding and the sum
    at most ``count - 1`` (γ_count, any order); the constants λ/(2m) (or λ1, λ2 and 1/m) rounded to the
    dtype, their products and the final addition of the two sums take at most 5 more. All terms being
    non-negative, every rounding is relative to the penalty itself."""
    return (count + 5) * abs(float(penalty))


def penalty_gradient_bound(parts: np.ndarray, total: np.ndarray, B_data: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of ``dW = dW_data + R``, R a penalty's gradient: ``(λ/m) W`` (REG-L2-GRAD) or
    ``(λ1 sign W + 2 λ2 W)/m`` (REG-ENET-GRAD), with ``parts`` = the sum of the magnitudes of R's terms
    (``|λ W / m|``, or ``(λ1 |sign W| + 2 λ2 |W|)/m``): ``B_data + 4·parts + |total|``. Each term of R
    takes at most 4 roundings (its constant rounded to the dtype, λ/m or λ·(1/m), the product with W or
    sign W, and the sum of the two terms, or autograd's chain ``1/m → ·λ → ·2W``), and adding it to the
    data gradient one more, relative to the result."""
    return np.asarray(B_data, np.float64) + 4 * _abs(parts) + _abs(total)


def max_norm_bound(W: np.ndarray, c: float, B_W: np.ndarray | float = 0.0) -> np.ndarray:
    """Bound of REG-MAXNORM, each row ``w`` of W becoming ``w·c/(‖w‖₂ + eps)`` if ``‖w‖₂ > c``.

    Rescaled rows: the row's norm takes ``(k + 1)/2 + 1`` relative roundings (k squares and their sum,
    halved by the square root, plus the root's own), then ``+ eps``, ``c/·``, c rounded to the dtype and
    ``w·scale`` take 4 more: ``((k + 1)/2 + 5)·|result|``; an error ``B_W`` already in w is carried by the
    map ``w -> c·w/‖w‖``, whose Jacobian ``(c/‖w‖)(I - ŵŵᵀ)`` has 2-norm ``c/‖w‖ < 1``: at most
    ``(c/‖w‖)·‖B_W row‖₂`` per element. Other rows are copied: ``B_W``. (Rows must not lie within their
    bound of ‖w‖ = c, where the two sides could take different branches; the cases keep them away.)
    """
    W64 = np.asarray(W, np.float64)
    k = W64.shape[1]
    norms = np.sqrt((W64**2).sum(axis=1, keepdims=True))
    B_W = np.broadcast_to(np.asarray(B_W, np.float64), W64.shape)
    scaled = norms > c
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(scaled, W64 * c / norms, W64)
        carried_scaled = np.where(scaled, c / norms, 0.0) * np.sqrt((B_W**2).sum(axis=1, keepdims=True))
    own = ((k + 1) / 2 + 5) * np.abs(result)
    return np.where(scaled, carried_scaled + own, B_W)


def formula_difference_bound(difference: np.ndarray | float, dtype: torch.dtype | np.dtype | type) -> np.ndarray:
    """A known difference between two *formulas* (not a rounding error), computed exactly in float64,
    written in units of u of ``dtype`` so that it can be added to a bound: ``|difference| / (2u)``
    (halved because :func:`tolerance` doubles a bound, which counts two evaluations' rounding).

    Used for ``torch.renorm``'s ``c / (‖w‖ + 1e-7)`` against the notes' ``c / ‖w‖`` (REG-MAXNORM): the
    rescaled weights differ by ``|w_i|·c·1e-7 / (‖w‖(‖w‖ + 1e-7))``, about ``1e-7/‖w‖`` relative; that is
    ~1 u in float32 but ~10^9 u in float64, so in float64 the notes' formula is only as close to PyTorch
    as this difference says.
    """
    return np.abs(np.asarray(difference, np.float64)) / (2 * unit_roundoff(dtype))


def implied_std_bound(std: np.ndarray) -> np.ndarray:
    """Bound of the standard deviation ``W / N`` read off a replayed draw ``W = std·N`` (INIT-*):
    ``W = std·N`` rounds once, ``W / N`` once more, the std itself (a square root of a quotient
    of the fans, a product) takes about 4 roundings: ``6|std|``."""
    return 6 * np.abs(std)


def sampling_bound(dtype: torch.dtype | np.dtype | type, std_error: float, z: float = 6.0) -> float:
    """The bound (units of u) whose :func:`tolerance` is ``z`` standard errors of a sample
    statistic, for the rows that compare a *sample* with a formula (a random draw that
    cannot be replayed). At z = 6 the false-positive rate is 2·Φ(-6) ≈ 2e-9 per value."""
    return z * std_error / (2 * unit_roundoff(dtype))


# ----------------------------------------------------------------------- the notes' claims, run (issue 6)
def collapsed_linear_bounds(parameters: dict[str, np.ndarray], X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CLAIM-LINEAR: bounds (units of u) of the two routes to the output of an identity-activation network.

    Network route, layer by layer: ``Z[l] = W[l] Z[l-1] + b[l]`` (``A[l] = Z[l]`` is an exact copy), each
    layer's own :func:`linear_bound` plus the previous layer's error carried by ``|W[l]|``.
    Collapsed route, the notes' ``W' = W[L] ... W[1]``, ``b' = W[L](... (W[2] b[1] + b[2]) ...) + b[L]``,
    then ``Z' = W' X + b'``: each product is a :func:`linear_bound` with the error already in its right
    factor carried; the final product adds ``B_W' @ |X| + B_b'`` for the errors of W' and b'.

    Returns ``(B_network, B_collapsed)``, both of Z[L]'s shape ``(n[L], m)``. Values are taken in float64.
    """
    L = sum(1 for k in parameters if k.startswith("W"))
    W = [np.asarray(parameters[f"W{l}"], np.float64) for l in range(1, L + 1)]
    b = [np.asarray(parameters[f"b{l}"], np.float64) for l in range(1, L + 1)]
    A = np.asarray(X, np.float64)

    B_net: np.ndarray | float = 0.0
    for l in range(L):
        B_net = linear_bound(W[l], A, b[l], B_net)
        A = W[l] @ A + b[l]

    P, c = W[0], b[0]
    B_P: np.ndarray | float = 0.0
    B_c: np.ndarray | float = 0.0
    for l in range(1, L):
        B_P = linear_bound(W[l], P, np.zeros((W[l].shape[0], 1)), B_P)
        B_c = linear_bound(W[l], c, b[l], B_c)
        P, c = W[l] @ P, W[l] @ c + b[l]
    B_collapsed = linear_bound(P, np.asarray(X, np.float64), c)
    B_collapsed = B_collapsed + np.broadcast_to(B_P, P.shape) @ _abs(X) + B_c
    return np.asarray(B_net, np.float64), B_collapsed


def trajectory_deviation_bounds(step_bounds: np.ndarray, contraction: np.ndarray) -> np.ndarray:
    """``ε_k`` for k = 0..K (units of u): the bound of :func:`trajectory_bound` on the parameters after k
    steps (``ε_0 = 0``, ``ε_{k+1} = ρ_k ε_k + s_k``), for checks made at every iteration (CLAIM-SYMMETRY:
    hidden units that are identical in exact arithmetic differ by at most twice this)."""
    K = len(step_bounds)
    zeros = np.zeros(K)
    return np.array([trajectory_bound(step_bounds[:k], contraction[:k], zeros[:k], zeros[:k])[1] for k in range(K + 1)])


def twin_contraction(deviations: np.ndarray) -> np.ndarray:
    """Per-step stretch factors ``ρ̂_k = max(1, d_{k+1} / d_k)`` of a perturbation carried along a trajectory.

    For networks too large for the exact Hessian at every step (``trajectories.reference_trajectory``
    computes ``ρ_k = ‖I - α H_k‖₂`` exactly; for the 64-25-10 digits network one Hessian costs ~20 s),
    the stretch is *measured*: a twin float64 trajectory is started from ``θ_0 + η`` (η random, tiny:
    far above rounding, far below any nonlinearity) and ``d_k = ‖θ'_k - θ_k‖₂`` is recorded. The twin's
    perturbation grows like the linearized dynamics that also carry every rounding error, so
    ``d_{k+1}/d_k`` estimates the stretch of step k. It is an estimate, not a worst case (a random
    direction's growth can fall short of the most stretched direction's), so contraction is never
    credited: factors below 1 count as 1. (The worst case ``prod_k ‖I - α H_k‖₂`` is of no use here:
    near the initial saddle of the digits network ``α·|μ_min| ≈ 0.2``, and 1.2^1000 is not a bound.)
    """
    d = np.asarray(deviations, np.float64)
    return np.maximum(1.0, d[1:] / d[:-1])


def minimizer_distance_bound(grad_norm_i: float, grad_norm_j: float, mu: float) -> float:
    """CLAIM-LR-CONVEX: ``‖θ_i - θ_j‖₂ <= (‖∇J(θ_i)‖₂ + ‖∇J(θ_j)‖₂) / μ`` for a cost that is μ-strongly
    convex on a convex set holding both points. (Strong convexity gives
    ``<∇J(θ_i) - ∇J(θ_j), θ_i - θ_j> >= μ ‖θ_i - θ_j‖²``; Cauchy-Schwarz and the triangle inequality do
    the rest.) An absolute distance, not units of u: the gradient norms passed in must already include
    the rounding of their evaluation (an upper bound of the exact gradient's norm)."""
    if not mu > 0:
        raise ValueError(f"mu must be > 0 (strong convexity), got {mu}")
    return (float(grad_norm_i) + float(grad_norm_j)) / mu


def suboptimality_bound(grad_norm: float, mu: float) -> float:
    """CLAIM-LR-CONVEX: ``J(θ) - J(θ*) <= ‖∇J(θ)‖₂² / (2μ)`` for a μ-strongly convex cost (the
    Polyak-Łojasiewicz inequality). An absolute cost gap, not units of u."""
    if not mu > 0:
        raise ValueError(f"mu must be > 0 (strong convexity), got {mu}")
    return float(grad_norm) ** 2 / (2 * mu)


def max_norm_row_norm_bound(k: int, c: float) -> float:
    """Bound of ``‖w‖₂`` recomputed from a row of length k that REG-MAXNORM rescaled to norm c:
    each rescaled element is within ``((k + 1)/2 + 5)·u`` relative (:func:`max_norm_bound`), and the
    norm itself takes ``(k + 1)/2 + 1`` more: ``(k + 7)·c``. A row left alone keeps its norm < c."""
    return (k + 7) * abs(float(c))


# ----------------------------------------------------------------------- optimizers and batch norm (issue 13)
def moving_average_bound(
    previous: np.ndarray | float,
    B_previous: np.ndarray | float,
    term: np.ndarray | float,
    beta: float,
    value: np.ndarray | float,
    B_term: np.ndarray | float = 0.0,
) -> np.ndarray:
    """Bound of ``β p + (1 - β) x`` (OPT-MOMENTUM's v, the s of OPT-RMSPROP and OPT-ADAM, BN-INFER's
    running averages), p off by ``B_previous`` and x by ``B_term``, ``value`` the result:

    ``β B_p + (1 - β) B_x + 2|β p| + 2|(1 - β) x| + 2(1 - β)(|x| + |p|) + 3|value|``.

    The carried errors are scaled by the coefficients (the map is linear in p and x). The rest covers
    each route met: the notes' ``β p + (1 - β) x`` (β and 1 - β rounded to the dtype, two products:
    2 per term; the sum: 1 relative to the value); ``torch.optim.Adam``'s ``p.lerp_(x, 1 - β)`` =
    ``p + (1 - β)(x - p)`` (the difference rounds relative to ``|x - p| <= |x| + |p|``, the product
    and the weight's rounding: ``2(1 - β)(|x| + |p|)``; the sum: 1); ``torch.optim.SGD``'s undamped
    ``buf = β buf + x'`` with ``buf = p / (1 - β)`` (the same magnitudes, scaled by 1 - β, plus the
    conversion ``v = (1 - β) buf``: 2 more relative to the value). ATen's ``running_mean =
    momentum·mean + (1 - momentum)·running_mean`` is the first route with β = 1 - momentum."""
    p, x = np.asarray(previous, np.float64), np.asarray(term, np.float64)
    carried = beta * np.asarray(B_previous, np.float64) + (1 - beta) * np.asarray(B_term, np.float64)
    own = 2 * np.abs(beta * p) + 2 * np.abs((1 - beta) * x) + 2 * (1 - beta) * (np.abs(x) + np.abs(p))
    return carried + own + 3 * _abs(value)


def momentum_step_bound(v: np.ndarray, B_v: np.ndarray | float, alpha: float) -> np.ndarray:
    """Bound of OPT-MOMENTUM's step ``α v`` (v off by ``B_v``): ``α B_v + 3|α v|``. One rounding for
    the product and one for α rounded to the dtype; torch's route ``lr·buf`` with ``lr = α(1 - β)``
    (computed in float64, rounded to the dtype) and ``buf = v / (1 - β)`` has the same magnitude and
    one more rounding for lr's product. The subtraction from W is :func:`parameter_step_bound`'s."""
    return alpha * np.asarray(B_v, np.float64) + 3 * alpha * _abs(v)


def bias_correction_rounding(beta: float, t: int) -> float:
    """Relative rounding (units of u) of Adam's ``1 - β^t``: the power within ``ELEMENTARY/2`` ulps of
    ``β^t`` (``pow`` is an exp/log; torch's foreach path takes it in the dtype on the device), carried
    through the cancellation as ``ELEMENTARY·β^t / (1 - β^t)``, plus 1 for the subtraction. Large when
    ``β^t`` is near 1 (β2 = 0.999 at t = 1: ~8000 u); both sides compute the same constant, so this is
    a bound, not an expected difference."""
    power = float(beta) ** int(t)
    return ELEMENTARY * power / (1 - power) + 1


def adaptive_step_bound(
    numerator: np.ndarray,
    B_numerator: np.ndarray | float,
    s: np.ndarray,
    B_s: np.ndarray | float,
    alpha: float,
    epsilon: float,
    correction1: float = 1.0,
    correction2: float = 1.0,
    rel1: float = 0.0,
    rel2: float = 0.0,
) -> np.ndarray:
    """Bound of the step ``r = α (n / c1) / (sqrt(s / c2) + ε)`` of OPT-RMSPROP (n = dW, c1 = c2 = 1)
    and OPT-ADAM (n = v, c1 = 1 - β1^t, c2 = 1 - β2^t, of relative roundings ``rel1``, ``rel2``).

    * ``q = sqrt(s / c2)``: an error ``B_s`` in s moves q by ``q·B_s / (2s)``; c2's rounding by
      ``q·rel2 / 2``; the division and the root round once each, torch's route
      ``sqrt(s) / sqrt(c2)`` three times: ``B_q = q (B_s/(2s) + rel2/2 + 3)``;
    * ``D = q + ε``: ``B_D = B_q + |D| + ε`` (the sum; ε rounded to the dtype);
    * ``r``: ``|α / (c1 D)|·B_n + |r|·(B_D / D + rel1 + 4)`` (the error in n carried; D's relative error;
      c1's; four roundings: n / c1, α·, / D and α rounded to the dtype; torch's ``lr / c1`` then
      ``addcdiv`` takes as many).

    Entries keep every gradient away from 0 (|dW| >= 0.05), so s > 0 everywhere."""
    n, s64 = np.asarray(numerator, np.float64), np.asarray(s, np.float64)
    q = np.sqrt(s64 / correction2)
    with np.errstate(divide="ignore", invalid="ignore"):
        B_q = q * (np.where(s64 > 0, np.asarray(B_s, np.float64) / (2 * s64), 0.0) + rel2 / 2 + 3)
    D = q + epsilon
    B_D = B_q + D + epsilon
    r = alpha * (n / correction1) / D
    return np.abs(alpha / (correction1 * D)) * np.asarray(B_numerator, np.float64) + np.abs(r) * (B_D / D + rel1 + 4)


def parameter_step_bound(P: np.ndarray, B_P: np.ndarray | float, step: np.ndarray, B_step: np.ndarray) -> np.ndarray:
    """Bound of ``P - step`` with P off by ``B_P`` and the step by ``B_step``: both carried, plus the
    subtraction's rounding ``|P - step|``."""
    new = np.asarray(P, np.float64) - np.asarray(step, np.float64)
    return np.asarray(B_P, np.float64) + np.asarray(B_step, np.float64) + np.abs(new)


def lr_decay_bound(learning_rate: float | np.ndarray) -> np.ndarray:
    """Bound of OPT-LR-DECAY's ``α0 / (1 + d·k)`` (k = epoch, or ``floor(epoch / T)``, exact):
    ``4|α|``. The notes' route rounds ``d·k``, the sum (relative error at most 2 for the two) and the
    division (1); ``LambdaLR``'s ``base_lr · f(k)`` with ``f(k) = 1 / (1 + d·k)`` rounds once more for
    the product. Both in Python floats (float64): in units of float32's u the bound is generous."""
    return 4 * _abs(learning_rate)


def batchnorm_statistics_bounds(Z: np.ndarray) -> dict[str, np.ndarray]:
    """Bounds (units of u, per unit: ``(n, 1)``) of BN-FWD's batch mean and biased variance of Z (exact).

    * ``μ = (1/m) Σ z``: the sum of m terms (``(m - 1) Σ|z|``, any order, Welford's updates included),
      the division (``|μ|``): ``B_μ = (m + 1)·mean|z|``;
    * ``σ² = (1/m) Σ d²``, ``d = z - μ`` off by ``B_d = B_μ + |d|``: the squares carry ``2|d| B_d`` and
      round once, the sum and division take ``m``: ``(2/m) Σ |d| B_d + (m + 1)·mean(d²)``; the one-pass
      route ``mean(z²) - μ²`` (and Welford's) is covered by ``(m + 2)·mean(z²) + 2|μ| B_μ`` more.
    Returns ``mu``, ``var``, ``d`` (``(n, m)``, the bound of z - μ) and the values ``mu_value``, ``var_value``.
    """
    Z64 = np.asarray(Z, np.float64)
    m = Z64.shape[1]
    mu = Z64.mean(axis=1, keepdims=True)
    d = Z64 - mu
    var = (d**2).mean(axis=1, keepdims=True)
    B_mu = (m + 1) * np.abs(Z64).mean(axis=1, keepdims=True)
    B_d = B_mu + np.abs(d)
    B_var = (
        2 * (np.abs(d) * B_d).mean(axis=1, keepdims=True)
        + (m + 1) * var
        + (m + 2) * (Z64**2).mean(axis=1, keepdims=True)
        + 2 * np.abs(mu) * B_mu
    )
    return {"mu": B_mu, "var": B_var, "d": B_d, "mu_value": mu, "var_value": var}


def batchnorm_running_bounds(
    mean: np.ndarray,
    var: np.ndarray,
    B_mean: np.ndarray | float,
    B_var: np.ndarray | float,
    stats: dict[str, np.ndarray],
    m: int,
    momentum: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """BN-INFER's update of the running averages by one batch of m columns, exact (float64), and its
    bounds (units of u): ``run := (1 - p)·run + p·batch`` (p = momentum, :func:`moving_average_bound`)
    of the batch mean and of torch's *unbiased* variance ``m/(m - 1)·σ²``, whose factor and product
    round twice more; ``stats``: :func:`batchnorm_statistics_bounds` of the batch (its ``mu``, ``var``
    may carry Z's own error). Returns the new mean, variance and their bounds."""
    unbiased = stats["var_value"] * m / (m - 1)
    B_unbiased = stats["var"] * m / (m - 1) + 2 * unbiased  # the factor m/(m - 1) and its product
    mean_new = (1 - momentum) * mean + momentum * stats["mu_value"]
    var_new = (1 - momentum) * var + momentum * unbiased
    B_mean = moving_average_bound(mean, B_mean, stats["mu_value"], 1 - momentum, mean_new, B_term=stats["mu"])
    B_var = moving_average_bound(var, B_var, unbiased, 1 - momentum, var_new, B_term=B_unbiased)
    return mean_new, var_new, B_mean, B_var


def batchnorm_normalize_bounds(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    mu: np.ndarray,
    var: np.ndarray,
    B_mu: np.ndarray | float,
    B_var: np.ndarray | float,
    epsilon: float,
) -> dict[str, np.ndarray]:
    """Bounds (units of u) of ``z_norm = (z - μ)/s``, ``s = sqrt(σ² + ε)``, and ``z̃ = γ z_norm + β``,
    with μ and σ² off by ``B_mu``, ``B_var`` (the batch's, BN-FWD, or the running averages, BN-INFER).

    * ``s``: ``(B_var + |σ² + ε| + ε) / (2s) + s`` (the sum, ε rounded, the root);
    * ``z_norm``: ``B_d / s + |z_norm|(B_s / s + 2)``, ``B_d = B_μ + |z - μ|`` (a division, or
      ATen's ``invstd = 1/sqrt(·)`` and a product);
    * ``z̃``, the larger of two routes: the notes' ``γ z_norm + β`` (``|γ| B_zn + |γ z_norm| + |z̃|``)
      and ATen's fused ``z·a + (β - μ a)`` with ``a = γ·invstd`` (relative error ``B_s/s + 3``):
      ``|z a|(B_s/s + 4) + |a| B_μ + |μ a|(B_s/s + 4) + |β| + |β - μ a| + |z̃|``.
    Returns ``s``, ``z_norm``, ``z_tilde`` bounds and the float64 values ``s_value``, ``z_norm_value``."""
    Z64, g, b = (np.asarray(x, np.float64) for x in (Z, gamma, beta))
    mu, var = np.asarray(mu, np.float64), np.asarray(var, np.float64)
    s = np.sqrt(var + epsilon)
    B_s = (np.asarray(B_var, np.float64) + np.abs(var + epsilon) + epsilon) / (2 * s) + s
    d = Z64 - mu
    B_d = np.asarray(B_mu, np.float64) + np.abs(d)
    zn = d / s
    B_zn = B_d / s + np.abs(zn) * (B_s / s + 2)
    zt = g * zn + b
    notes = np.abs(g) * B_zn + np.abs(g * zn) + np.abs(zt)
    a = g / s
    fused = (
        np.abs(Z64 * a) * (B_s / s + 4)
        + np.abs(a) * np.asarray(B_mu, np.float64)
        + np.abs(mu * a) * (B_s / s + 4)
        + np.abs(b)
        + np.abs(b - mu * a)
        + np.abs(zt)
    )
    return {"s": B_s, "z_norm": B_zn, "z_tilde": np.maximum(notes, fused), "s_value": s, "z_norm_value": zn}


def batchnorm_backward_bounds(
    dZ_tilde: np.ndarray, z_norm: np.ndarray, B_z_norm: np.ndarray, gamma: np.ndarray, s: np.ndarray, B_s: np.ndarray
) -> dict[str, np.ndarray]:
    """Bounds (units of u) of BN-BWD with g = dZ_tilde exact and z_norm, s off by ``B_z_norm``, ``B_s``.

    With ``S1 = Σ g`` and ``S2 = Σ g z_norm`` (over the m columns):

    * ``dβ = S1/m``: ``(m + 1)·mean|g|``;
    * ``dγ = S2/m``: ``mean(|g| B_zn) + (m + 2)·mean|g z_norm|`` (products, sum, division; ATen's
      ``Σ (z - μ) dy · invstd`` has the same magnitudes, its μ and invstd errors are in ``B_zn``);
    * ``dz = (γ/s)(g - S1/m - z_norm S2/m)``: the three terms' magnitudes ``a1 = |g|``,
      ``a2 = |S1|/m``, ``a3 = |z_norm||S2|/m`` are off by ``0``, ``m·mean|g|`` and
      ``|z_norm| B(S2/m) + B_zn |S2|/m + a3``; the two subtractions, and ATen's extra roundings
      (``dot·invstd²/m``, then ``(z - μ)·k``: two more per term) add ``4(a1 + a2 + a3)``; the factor
      ``γ/s`` (``γ·invstd``) is off by ``B_s/s + 3`` relative.
    """
    g, zn, gam, s = (np.asarray(x, np.float64) for x in (dZ_tilde, z_norm, gamma, s))
    B_zn = np.asarray(B_z_norm, np.float64)
    m = g.shape[1]
    S1, S2 = g.sum(axis=1, keepdims=True), (g * zn).sum(axis=1, keepdims=True)
    B_S2m = (np.abs(g) * B_zn).mean(axis=1, keepdims=True) + (m + 1) * np.abs(g * zn).mean(axis=1, keepdims=True)
    a1, a2, a3 = np.abs(g), np.abs(S1) / m, np.abs(zn) * np.abs(S2) / m
    B_inner = m * np.abs(g).mean(axis=1, keepdims=True) + np.abs(zn) * B_S2m + B_zn * np.abs(S2) / m + a3
    B_inner = B_inner + 4 * (a1 + a2 + a3)
    c = gam / s
    inner = g - S1 / m - zn * S2 / m
    dZ_bound = np.abs(c) * B_inner + np.abs(c * inner) * (np.asarray(B_s, np.float64) / s + 3)
    return {
        "dZ": dZ_bound,
        "dgamma": B_S2m + np.abs(S2 / m),
        "dbeta": (m + 1) * np.abs(g).mean(axis=1, keepdims=True),
    }
