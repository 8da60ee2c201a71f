"""Regularization: L2, elastic net and max-norm, in the notes' notation.

Catalogue IDs: COST-L2, REG-L2-GRAD, COST-ENET, REG-ENET-GRAD, REG-MAXNORM
(early stopping, REG-EARLY, is a training loop: :mod:`scratch_nn.training`; dropout
is :mod:`scratch_nn.dropout`).

Shapes: ``W[l]`` ``(n[l], n[l-1])``, ``b[l]`` ``(n[l], 1)``; ``parameters`` the
course's dict ``W1, b1, ..., WL, bL``; ``m`` the number of examples of the cost.
Only the weights are regularized, never the biases.

L2 (COST-L2, REG-L2-GRAD)::

    J_reg  = J + (λ / (2m)) Σ_l ‖W[l]‖_F²          ‖W‖_F² = Σ_ij W_ij²
    dW[l] += (λ / m) W[l]                          (db[l] unchanged)

* The **factor 2**: the derivative of ``W²`` is ``2W``, and the ``1/2`` in
  ``λ/(2m)`` is there to cancel it. Cost ``λ/(2m)`` goes with gradient ``λ/m``; a
  cost ``λ/m`` would need a gradient ``2λ/m``.
* The **m**: the penalty is divided by m like the data term ``J = (1/m) Σ L``, so
  the same λ means a weaker penalty on a larger training set.
* "Weight decay": ``W ← W - α(dW_backprop + (λ/m) W) = (1 - αλ/m) W - α dW_backprop``.
  ``torch.optim.SGD(weight_decay=wd)`` adds ``wd · W`` to the gradient (the gradient
  of ``(wd/2)‖W‖²``), so the notes' L2 is ``weight_decay = λ / m`` (not λ, not
  ``λ/(2m)``), on a parameter group holding the weights only.

Elastic net (COST-ENET, REG-ENET-GRAD), scaled by 1/m exactly like L2::

    J_enet = J + (1/m) (λ1 Σ_l Σ |W[l]| + λ2 Σ_l Σ W[l]²)
    dW[l] += (1/m) (λ1 sign(W[l]) + 2 λ2 W[l])      sign(0) = 0

so ``λ1 = 0, λ2 = λ/2`` is exactly L2 with λ. At ``W_ij = 0`` |w| has no derivative;
the subgradient ``sign(0) = 0`` is the one PyTorch's autograd of ``abs`` gives too.

Max-norm (REG-MAXNORM): after each update, every neuron's incoming weight vector,
a **row** ``w`` of ``W[l]``, is rescaled so that ``‖w‖₂ ≤ c``::

    w ← w · c / ‖w‖₂    if ‖w‖₂ > c,   else unchanged

``torch.renorm(W, p=2, dim=0, maxnorm=c)`` does the same with the factor
``c / (‖w‖₂ + 1e-7)`` (an epsilon against division by zero): its rescaled rows end
with norm ``c·‖w‖/(‖w‖ + 1e-7)``, slightly *below* c, a relative difference of about
``1e-7 / ‖w‖`` from the notes' formula. ``eps=1e-7`` here reproduces PyTorch's formula.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._checks import as_real, check_array, check_parameters, check_same_dtype
from .losses import _check_output_labels, _model_cost, check_output_activation


def check_lambd(name: str, lambd: object) -> float:
    """Return a regularization strength as a Python float: TypeError unless a real
    number (a 0-d array too; not a bool), ValueError unless finite and ``>= 0``."""
    value = as_real(name, lambd, ">= 0, a regularization strength")
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0 (a regularization strength), got {value}")
    return value


def _check_m(m: object) -> int:
    """m, the number of examples of the cost: TypeError unless an integer (not a bool), ValueError if < 1."""
    if isinstance(m, (bool, np.bool_)) or not isinstance(m, (int, np.integer)):
        raise TypeError(f"m must be the number of examples, a positive integer; got {type(m).__name__} {m!r}")
    if m < 1:
        raise ValueError(f"m must be the number of examples, a positive integer; got {m!r}")
    return int(m)


def _weights(parameters: Mapping[str, np.ndarray]) -> list[np.ndarray]:
    L = check_parameters(parameters)
    return [parameters[f"W{l}"] for l in range(1, L + 1)]


def _check_network_output(AL: object, parameters: Mapping[str, np.ndarray]) -> None:
    """``AL`` is the output of the network ``parameters``: n[L] rows, the parameters' dtype."""
    L = check_parameters(parameters)
    AL = check_array("AL", AL, finite=True)
    n_L = parameters[f"W{L}"].shape[0]
    if AL.shape[0] != n_L:
        raise ValueError(
            f"AL has shape {AL.shape} but W{L} is {parameters[f'W{L}'].shape}: AL = A[L] of these parameters has "
            f"n[L] = {n_L} rows"
        )
    check_same_dtype(**{"AL": AL, f"W{L}": parameters[f"W{L}"]})


def _check_network_output_and_labels(
    AL: object, Y: object, parameters: Mapping[str, np.ndarray], output_activation: str
) -> tuple[np.ndarray, int]:
    """Everything a regularized cost checks before computing: the parameters, ``AL`` as their output,
    the output activation and ``Y`` for its loss (each scanned once). Returns Y in AL's dtype and m."""
    _check_network_output(AL, parameters)
    kind = check_output_activation(output_activation)
    return _check_output_labels(AL, Y, kind)


# ---------------------------------------------------------------- COST-L2, REG-L2-GRAD
def l2_regularization_cost(parameters: Mapping[str, np.ndarray], lambd: float, m: int) -> float:
    """COST-L2, the penalty alone: ``(λ / (2m)) Σ_l ‖W[l]‖_F²`` (weights only).

    Args: ``parameters`` ``W1, b1, ..., WL, bL``; ``lambd`` λ >= 0; ``m`` examples.
    Returns: the penalty as a Python float.
    """
    lambd, m = check_lambd("lambd", lambd), _check_m(m)
    check_parameters(parameters)
    return _l2_regularization_cost(parameters, lambd, m)


def _l2_regularization_cost(parameters: Mapping[str, np.ndarray], lambd: float, m: int) -> float:
    """COST-L2's penalty, bare: ``(λ / (2m)) Σ_l ‖W[l]‖_F²`` on checked parameters."""
    squares = sum(float(np.sum(np.square(parameters[f"W{l}"]))) for l in range(1, len(parameters) // 2 + 1))
    return lambd / (2 * m) * squares


def compute_cost_with_regularization(
    AL: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    lambd: float,
    output_activation: str = "sigmoid",
) -> float:
    """COST-L2: ``J_reg = J + (λ / (2m)) Σ_l ‖W[l]‖_F²``, J the cost paired with the
    output activation (binary cross-entropy for sigmoid, as in the notes).

    Args: ``AL``, ``Y`` (n[L], m); ``parameters`` ``W1, b1, ...``; ``lambd`` λ >= 0.
    Returns: J_reg as a Python float. Biases are not penalized.
    """
    lambd = check_lambd("lambd", lambd)
    Y, m = _check_network_output_and_labels(AL, Y, parameters, output_activation)
    J = _model_cost(AL, Y, output_activation)
    return J + _l2_regularization_cost(parameters, lambd, m)


def l2_regularization_gradient(W: np.ndarray, lambd: float, m: int) -> np.ndarray:
    """REG-L2-GRAD, the penalty's term of ``dW[l]``: ``(λ / m) W[l]``, shape ``(n[l], n[l-1])``.

    Added to backpropagation's ``dW[l]`` (``model_backward(..., lambd=λ)`` does it);
    the bias gradient ``db[l]`` gets nothing.
    """
    check_array("W", W, finite=True)
    lambd, m = check_lambd("lambd", lambd), _check_m(m)
    return _l2_regularization_gradient(W, lambd, m)


def _l2_regularization_gradient(W: np.ndarray, lambd: float, m: int) -> np.ndarray:
    """REG-L2-GRAD, bare: ``(λ / m) W[l]`` (λ a Python float, so that float32 stays float32)."""
    return (lambd / m) * W


# ---------------------------------------------------------------- COST-ENET, REG-ENET-GRAD
def elastic_net_cost(parameters: Mapping[str, np.ndarray], lambd1: float, lambd2: float, m: int) -> float:
    """COST-ENET, the penalty alone: ``(1/m)(λ1 Σ|W| + λ2 Σ W²)`` over every ``W[l]``.

    Args: ``parameters`` ``W1, b1, ...``; ``lambd1`` (L1) and ``lambd2`` (L2) >= 0;
    ``m`` examples. Returns: a Python float. ``elastic_net_cost(p, 0, λ/2, m)`` equals
    ``l2_regularization_cost(p, λ, m)``.
    """
    lambd1, lambd2, m = check_lambd("lambd1", lambd1), check_lambd("lambd2", lambd2), _check_m(m)
    return _elastic_net_cost(_weights(parameters), lambd1, lambd2, m)


def _elastic_net_cost(weights: list[np.ndarray], lambd1: float, lambd2: float, m: int) -> float:
    """COST-ENET's penalty, bare: ``(1/m)(λ1 Σ|W| + λ2 Σ W²)`` over checked weights."""
    abs_sum = sum(float(np.sum(np.abs(W))) for W in weights)
    square_sum = sum(float(np.sum(np.square(W))) for W in weights)
    return (lambd1 * abs_sum + lambd2 * square_sum) / m


def compute_cost_with_elastic_net(
    AL: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    lambd1: float,
    lambd2: float,
    output_activation: str = "sigmoid",
) -> float:
    """COST-ENET: ``J_enet = J + (1/m)(λ1 Σ_l Σ|W[l]| + λ2 Σ_l Σ W[l]²)``.

    Args: ``AL``, ``Y`` (n[L], m); ``parameters`` ``W1, b1, ...``; ``lambd1``,
    ``lambd2`` >= 0. Returns: J_enet as a Python float. Biases are not penalized.
    """
    lambd1, lambd2 = check_lambd("lambd1", lambd1), check_lambd("lambd2", lambd2)
    Y, m = _check_network_output_and_labels(AL, Y, parameters, output_activation)
    J = _model_cost(AL, Y, output_activation)
    weights = [parameters[f"W{l}"] for l in range(1, len(parameters) // 2 + 1)]
    return J + _elastic_net_cost(weights, lambd1, lambd2, m)


def elastic_net_gradient(W: np.ndarray, lambd1: float, lambd2: float, m: int) -> np.ndarray:
    """REG-ENET-GRAD, the penalty's term of ``dW[l]``: ``(1/m)(λ1 sign(W) + 2 λ2 W)``.

    ``W`` (n[l], n[l-1]) -> same shape and dtype. ``sign(0) = 0``: an exactly-zero
    weight gets no L1 push (the subgradient PyTorch's ``abs`` backward uses as well).
    """
    check_array("W", W, finite=True)
    lambd1, lambd2, m = check_lambd("lambd1", lambd1), check_lambd("lambd2", lambd2), _check_m(m)
    return (lambd1 * np.sign(W) + 2 * lambd2 * W) / m


# ---------------------------------------------------------------- REG-MAXNORM
def _check_max_norm(c: object, eps: object) -> tuple[float, float]:
    c = as_real("c (the max-norm)", c, "> 0")
    if not (np.isfinite(c) and c > 0):
        raise ValueError(f"c (the max-norm) must be a finite number > 0, got {c}")
    eps = as_real("eps", eps, ">= 0")
    if not (np.isfinite(eps) and eps >= 0):
        raise ValueError(f"eps must be a finite number >= 0, got {eps}")
    return c, eps


def apply_max_norm(W: np.ndarray, c: float, eps: float = 0.0) -> np.ndarray:
    """REG-MAXNORM: each row ``w`` of ``W[l]`` (one neuron's incoming weights) becomes
    ``w · c / (‖w‖₂ + eps)`` if ``‖w‖₂ > c``, and stays as it is otherwise.

    Args: ``W`` (n[l], n[l-1]); ``c > 0`` the max-norm; ``eps >= 0``: 0 is the notes'
    exact projection, ``1e-7`` is ``torch.renorm``'s formula.
    Returns: a new array of W's shape and dtype.
    """
    check_array("W", W, finite=True)
    c, eps = _check_max_norm(c, eps)
    return _apply_max_norm(W, c, eps)


def _apply_max_norm(W: np.ndarray, c: float, eps: float) -> np.ndarray:
    """REG-MAXNORM, bare: ``w · c / (‖w‖₂ + eps)`` for every row ``w`` of W with ``‖w‖₂ > c``."""
    norms = np.sqrt(np.sum(np.square(W), axis=1, keepdims=True))  # (n[l], 1): one per neuron
    with np.errstate(divide="ignore"):  # a zero row (norm 0 <= c) takes the other branch
        scale = np.where(norms > c, c / (norms + eps), 1.0)
    return W * scale


def max_norm_parameters(parameters: Mapping[str, np.ndarray], c: float, eps: float = 0.0) -> dict[str, np.ndarray]:
    """REG-MAXNORM on a whole network: :func:`apply_max_norm` on every ``W[l]``; the
    biases are copied unchanged. Returns a new dict (the input is not modified)."""
    check_parameters(parameters)
    c, eps = _check_max_norm(c, eps)
    return _max_norm_parameters(parameters, c, eps)


def _max_norm_parameters(parameters: Mapping[str, np.ndarray], c: float, eps: float = 0.0) -> dict[str, np.ndarray]:
    """REG-MAXNORM on a whole network, bare: on checked parameters and c, eps."""
    new = {}
    for l in range(1, len(parameters) // 2 + 1):
        new[f"W{l}"] = _apply_max_norm(parameters[f"W{l}"], c, eps)
        new[f"b{l}"] = parameters[f"b{l}"].copy()
    return new
