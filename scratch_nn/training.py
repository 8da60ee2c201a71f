"""Batch gradient descent, the notes' training loop, and early stopping.

Catalogue IDs: GD-LOOP: initialize -> (forward -> cost -> backward -> update) x
iterations -> the learned parameters, with the cost history; REG-EARLY: the same
loop, keeping the parameters of the lowest validation cost, stopped after
``patience`` iterations without improvement.

Shapes: ``X`` (n[0], m), ``Y`` (n[L], m); ``X_val`` (n[0], m_val), ``Y_val``
(n[L], m_val); ``layer_dims = [n[0], ..., n[L]]``.

Regularization options of every loop (keyword-only, off by default): ``lambd``
(L2: the cost history is then J_reg, and dW[l] gets ``(λ/m) W[l]``), ``keep_prob``
with ``rng`` (dropout on the hidden layers, a fresh mask per iteration), and
``max_norm`` (REG-MAXNORM: every row of every W[l] rescaled to norm <= c after each
update).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np

from ._checks import RNG, as_real, check_count, check_finite, check_parameters, check_rng
from .dropout import check_keep_prob
from .initializers import initialize_parameters
from .losses import _model_cost
from .model import _model_backward, _model_forward, _update_parameters, check_learning_rate, check_xy, layer_activations
from .regularization import _l2_regularization_cost, _max_norm_parameters, check_lambd


def train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    *,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    rng: RNG | None = None,
    max_norm: float | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP from given initial parameters.

    Each iteration: ``AL, caches = model_forward(X)``; ``J = cost(AL, Y)``;
    ``grads = model_backward(AL, Y, caches)``; ``parameters = update(parameters, grads, α)``.
    Options (defaults: none of them): ``lambd`` λ >= 0 (L2: J is J_reg, dW[l] += (λ/m) W[l]);
    ``keep_prob`` < 1 with ``rng`` (dropout, a fresh mask per iteration); ``max_norm`` c > 0
    (each row of each W[l] rescaled to ‖w‖₂ <= c after the update).

    Returns the parameters after ``num_iterations`` updates and ``costs``, the
    ``num_iterations`` costs J computed *before* each update (``costs[0]`` is the
    cost of the initial parameters).
    """
    _check_count("num_iterations", num_iterations, minimum=0)
    g, Y = _check_training_data(X, Y, parameters, learning_rate, hidden_activation, output_activation, activations)
    options = _regularization_options(lambd, keep_prob, rng, max_norm, X.dtype)
    if num_iterations == 0:  # nothing to update: fresh arrays all the same, never the caller's
        return {k: v.copy() for k, v in parameters.items()}, []
    learning_rate = check_learning_rate(learning_rate)
    params = dict(parameters)
    costs = []
    for _ in range(num_iterations):  # the arrays are checked once, above; what each update makes, in _gd_step
        params, cost = _gd_step(X, Y, params, learning_rate, g, **options)
        costs.append(cost)
    return params, costs


def _check_updated(parameters: Mapping[str, np.ndarray]) -> None:
    """The parameters an update of the loop made are finite: a diverging loop stops there, with the error
    that model_forward would give them (an overflow in a hidden layer reaches every dW[l] above it). Their
    keys, shapes and dtypes are those of the checked parameters."""
    for key, value in parameters.items():
        check_finite(key, value)


def _check_count(name: str, n: object, minimum: int) -> int:
    """An iteration count: an int (not a bool, TypeError) >= ``minimum`` (ValueError)."""
    return check_count(name, n, minimum)


def _check_training_data(
    X: object,
    Y: object,
    parameters: object,
    learning_rate: object,
    hidden_activation: str,
    output_activation: str,
    activations: Sequence[str] | None,
) -> tuple[list[str], np.ndarray]:
    """Everything one GD step would reject, checked before the first iteration (and so before any
    draw from ``rng``): the parameters, ``X`` (n[0], m), the labels ``Y`` (n[L], m) for the loss
    paired with the output activation, α and the activations. Returns the activation names and Y
    in X's dtype, what the loop's bare steps take."""
    L = check_parameters(parameters)
    g = layer_activations(L, hidden_activation, output_activation, activations)
    Y = check_xy(X, Y, parameters, L, g[-1], "X", "Y")
    check_learning_rate(learning_rate)
    return g, Y


_check_xy = check_xy  # the name the other loops import


def _regularization_options(
    lambd: float, keep_prob: float, rng: RNG | None, max_norm: float | None, dtype: np.dtype
) -> dict:
    """Check the options once, before any iteration. An ``rng`` given is checked even where dropout
    is off (it would be ignored, and a seed passed as rng=1 should not go unnoticed)."""
    keep_prob = check_keep_prob(keep_prob, dtype)
    if keep_prob < 1.0 or rng is not None:
        check_rng(rng, f"keep_prob = {keep_prob} < 1" if keep_prob < 1.0 else "the training loop")
    if max_norm is not None:
        max_norm = as_real("max_norm", max_norm, "None or the max-norm c > 0")
        if not (np.isfinite(max_norm) and max_norm > 0):
            raise ValueError(f"max_norm must be None or a number c > 0, got {max_norm!r}")
    return {"lambd": check_lambd("lambd", lambd), "keep_prob": keep_prob, "rng": rng, "max_norm": max_norm}


def _gd_step(
    X: np.ndarray,
    Y: np.ndarray,
    params: Mapping[str, np.ndarray],
    learning_rate: float,
    g: Sequence[str],
    lambd: float,
    keep_prob: float,
    rng: RNG | None,
    max_norm: float | None,
) -> tuple[dict[str, np.ndarray], float]:
    """One iteration of the loop: the new parameters and the cost J (or J_reg) before the update.

    Bare: the loop checked X, Y (in X's dtype), α, the activations and the options once; here only
    what the iteration itself computes is checked, A[L] and the new parameters (small arrays)."""
    AL, caches = _model_forward(X, params, g, keep_prob, rng)
    _check_output_of_forward(AL)
    cost = _model_cost(AL, Y, g[-1])
    if lambd > 0:
        cost = cost + _l2_regularization_cost(params, lambd, X.shape[1])  # J_reg = J + (λ/(2m)) Σ ‖W[l]‖²
    grads = _model_backward(AL, Y, caches, g, "notes", keep_prob, lambd)
    new = _update_parameters(params, grads, learning_rate)
    if max_norm is not None:
        new = _max_norm_parameters(new, max_norm)
    _check_updated(new)
    return new, cost


def _check_output_of_forward(AL: np.ndarray) -> None:
    """``A[L]`` of a forward pass on checked arrays: finite unless something overflowed on the way (the
    error that the cost's check of AL gives, before the cost or a gradient is computed from it)."""
    check_finite("AL", AL)


class EarlyStopping(NamedTuple):
    """What :func:`train_with_early_stopping` returns.

    ``parameters``: those of the lowest validation cost (after ``best_iteration``
    updates); ``best_iteration``; ``stopped_iteration``: the number of updates made
    when the loop stopped; ``costs``: the training cost before each update
    (``stopped_iteration`` values); ``val_costs``: the validation cost after 0, 1, ...,
    ``stopped_iteration`` updates.
    """

    parameters: dict[str, np.ndarray]
    best_iteration: int
    stopped_iteration: int
    costs: list[float]
    val_costs: list[float]


def train_with_early_stopping(
    X: np.ndarray,
    Y: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    max_iterations: int,
    patience: int,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    *,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    rng: RNG | None = None,
    max_norm: float | None = None,
) -> EarlyStopping:
    """REG-EARLY: gradient descent that keeps the parameters of the lowest validation cost.

    ``v[0] = J_val(θ_0)``; for t = 1, 2, ..., max_iterations: one GD step (as in
    :func:`train`, with the same options) gives θ_t, then ``v[t] = J_val(θ_t)``. If
    ``v[t] < min(v[0..t-1])`` (strictly), θ_t is the new best and the count of
    iterations without improvement restarts at 0; otherwise it grows by one, and the
    loop stops when it reaches ``patience``. ``J_val`` is the plain cost paired with the
    output activation on ``(X_val, Y_val)``: no dropout, no penalty.

    Args: ``X`` (n[0], m), ``Y`` (n[L], m); ``X_val`` (n[0], m_val), ``Y_val``
    (n[L], m_val); ``parameters`` ``W1, b1, ...``; ``learning_rate`` α; ``max_iterations``
    >= 0 and ``patience`` >= 1 integers; the activations and options as in :func:`train`.
    Returns: an :class:`EarlyStopping` (best parameters, best and stop iterations, costs).
    """
    _check_count("max_iterations", max_iterations, minimum=0)
    if isinstance(patience, (bool, np.bool_)) or not isinstance(patience, (int, np.integer)) or patience < 1:
        raise ValueError(f"patience must be a positive integer (iterations without improvement), got {patience!r}")
    g, Y = _check_training_data(X, Y, parameters, learning_rate, hidden_activation, output_activation, activations)
    Y_val = check_xy(X_val, Y_val, parameters, len(g), g[-1], "X_val", "Y_val")
    options = _regularization_options(lambd, keep_prob, rng, max_norm, X.dtype)
    learning_rate = check_learning_rate(learning_rate)

    def validation_cost(params: Mapping[str, np.ndarray]) -> float:
        AL_val, _ = _model_forward(X_val, params, g)  # X_val checked above, params by the loop
        _check_output_of_forward(AL_val)
        return _model_cost(AL_val, Y_val, g[-1])

    params = dict(parameters)
    val_costs = [validation_cost(params)]
    best, best_iteration, waited = params, 0, 0
    costs: list[float] = []
    t = 0
    while t < max_iterations and waited < patience:
        params, cost = _gd_step(X, Y, params, learning_rate, g, **options)
        t += 1
        costs.append(cost)
        val_costs.append(validation_cost(params))
        if val_costs[-1] < val_costs[best_iteration]:
            best, best_iteration, waited = params, t, 0
        else:
            waited += 1
    best = {k: v.copy() for k, v in best.items()}  # never alias the caller's parameters
    return EarlyStopping(best, best_iteration, t, costs, val_costs)


def model(
    X: np.ndarray,
    Y: np.ndarray,
    layer_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    init: str = "small",
    rng: RNG | None = None,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    *,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP, the course's ``L_layer_model``: initialize with ``init`` (see
    :func:`scratch_nn.initialize_parameters`) in X's dtype, then :func:`train`
    (with L2 ``lambd`` and dropout ``keep_prob``, whose masks come from the same ``rng``)."""
    parameters = initialize_parameters(layer_dims, init, rng, dtype=X.dtype)
    return train(
        X,
        Y,
        parameters,
        learning_rate,
        num_iterations,
        hidden_activation,
        output_activation,
        lambd=lambd,
        keep_prob=keep_prob,
        rng=rng,
    )
