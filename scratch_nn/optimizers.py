"""Mini-batches, momentum, RMSprop, Adam and learning-rate decay, in the course's vocabulary.

Catalogue IDs:

* OPT-MINIBATCH: one permutation of the m columns, then complete batches of ``mini_batch_size``
  and a smaller last one (``m mod mini_batch_size`` columns) if m is not a multiple: every example
  exactly once per epoch.
* OPT-MOMENTUM: ``v_dW = β v_dW + (1 - β) dW``; ``W := W - α v_dW`` (same for b), v = 0 at start.
* OPT-RMSPROP: ``s_dW = β2 s_dW + (1 - β2) dW²``; ``W := W - α dW / (sqrt(s_dW) + ε)``, s = 0 at start.
* OPT-ADAM: v and s as above; ``v̂ = v / (1 - β1^t)``, ``ŝ = s / (1 - β2^t)``;
  ``W := W - α v̂ / (sqrt(ŝ) + ε)``, t = 1 at the first update (ε outside the square root).
* OPT-LR-DECAY: ``α = α0 / (1 + decay_rate · epoch)`` and the scheduled form
  ``α = α0 / (1 + decay_rate · floor(epoch / time_interval))``.

Shapes: ``X`` (n[0], m), ``Y`` (n[L], m); ``parameters`` ``W1, b1, ..., WL, bL`` with ``W[l]``
(n[l], n[l-1]) and ``b[l]`` (n[l], 1); ``grads`` holds ``dW1, db1, ...`` of the same shapes (other
keys, such as ``dA0``, are ignored); the optimizer state ``v`` (and ``s``) holds ``dW1, db1, ...``
of the parameters' shapes, the course's keys. Every function returns new dicts (inputs are never
modified) in the parameters' dtype.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import (
    RNG,
    as_real,
    check_array,
    check_examples,
    check_parameters,
    check_plain_array,
    check_rng,
    check_same_dtype,
    check_shape,
)


# ----------------------------------------------------------------------- OPT-MINIBATCH
def random_mini_batches(
    X: np.ndarray,
    Y: np.ndarray,
    mini_batch_size: int = 64,
    seed: int | None = None,
    *,
    rng: RNG | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """OPT-MINIBATCH: shuffle the columns of (X, Y) with one permutation, cut into mini-batches.

    ``permutation = rng.permutation(m)``; ``X[:, permutation]`` and ``Y[:, permutation]`` (the same
    permutation for both) are cut into ``floor(m / mini_batch_size)`` complete batches of
    ``mini_batch_size`` columns, in order, then one smaller batch of the ``m mod mini_batch_size``
    remaining columns if there are any. Every example appears exactly once.

    Args: ``X`` (n[0], m); ``Y`` (n[L], m), labels of any numeric dtype (they are data);
    ``mini_batch_size`` a positive integer (a power of two in the course: 64);
    ``seed`` an integer: the course's ``np.random.seed(seed)`` then ``np.random.permutation(m)``,
    replayed exactly by ``np.random.RandomState(seed).permutation(m)`` (NumPy's global state is never
    touched); or ``rng`` (keyword), a ``numpy.random.Generator`` or ``RandomState`` whose
    ``permutation`` is drawn once. Exactly one of ``seed`` and ``rng``.
    Returns: a list of ``(mini_batch_X, mini_batch_Y)``, ``(n[0], size)`` and ``(n[L], size)``, new
    arrays of X's and Y's dtypes. A rejected call draws nothing (the rng's state is unchanged).
    """
    check_array("X", X, finite=True)
    if not isinstance(Y, np.ndarray):
        raise TypeError(f"Y must be a numpy.ndarray, got {type(Y).__name__}")
    check_plain_array("Y", Y)  # a masked Y's mask would not follow the permutation
    if Y.ndim != 2:
        raise ValueError(f"Y must be 2-D (n[L], m), got shape {Y.shape}")
    if Y.dtype.kind not in "biuf":
        raise TypeError(f"Y has dtype {Y.dtype}; expected bool, integer or float labels")
    m = check_examples("X", X)
    check_shape("Y", Y, (Y.shape[0], m), "Y has one column per example of X")
    if isinstance(mini_batch_size, (bool, np.bool_)) or not isinstance(mini_batch_size, (int, np.integer)):
        raise TypeError(f"mini_batch_size must be a positive integer, got {mini_batch_size!r}")
    if mini_batch_size < 1:
        raise ValueError(f"mini_batch_size must be >= 1, got {mini_batch_size}")
    if (seed is None) == (rng is None):
        raise TypeError("random_mini_batches needs exactly one of seed (an integer, the course's) and rng")
    if seed is not None:
        if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
        source: RNG = np.random.RandomState(int(seed))
    else:
        source = check_rng(rng, "random_mini_batches")
    return _random_mini_batches(X, Y, int(mini_batch_size), source)


def _random_mini_batches(
    X: np.ndarray, Y: np.ndarray, mini_batch_size: int, source: RNG
) -> list[tuple[np.ndarray, np.ndarray]]:
    """OPT-MINIBATCH, bare: on arguments :func:`random_mini_batches` checks; one ``permutation`` drawn."""
    m = X.shape[1]
    permutation = source.permutation(m)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    batches = []
    for start in range(0, m, mini_batch_size):  # complete batches, then the smaller last one
        stop = min(start + mini_batch_size, m)
        batches.append((shuffled_X[:, start:stop].copy(), shuffled_Y[:, start:stop].copy()))
    return batches


# ----------------------------------------------------------------------- shared checks
def _check_number(name: str, x: object, low: float, high: float, low_open: bool, high_open: bool) -> float:
    """A finite real number in the given interval, as a Python float (bools are refused: True is not a
    rate; a 0-d array is its number, and a Python float keeps float32 arrays float32 under NEP 50)."""
    x = as_real(name, x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    too_low = x <= low if low_open else x < low
    too_high = x >= high if high_open else x > high
    if too_low or too_high:
        left, right = "(" if low_open else "[", ")" if high_open else "]"
        raise ValueError(f"{name} must lie in {left}{low}, {high}{right}, got {x}")
    return float(x)


def _check_rate(learning_rate: object) -> float:
    return _check_number("learning_rate", learning_rate, 0.0, math.inf, True, True)


def _check_beta(name: str, beta: object) -> float:
    return _check_number(name, beta, 0.0, 1.0, False, True)


def _gradient_keys(L: int) -> list[str]:
    return [f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"]


def _check_like_parameters(name: str, d: object, parameters: Mapping[str, np.ndarray], exact: bool) -> None:
    """``d`` holds ``dW1, db1, ...`` of the parameters' shapes and dtype (``exact``: those keys only)."""
    if not isinstance(d, Mapping):
        raise TypeError(f"{name} must be a dict dW1, db1, ..., got {type(d).__name__}")
    keys = _gradient_keys(len(parameters) // 2)
    if exact and set(d) != set(keys):
        raise ValueError(f"{name} must have keys {', '.join(keys)}; got {sorted(d)}")
    for key in keys:
        if key not in d:
            raise ValueError(f"{name} is missing {key!r} (need {', '.join(keys)})")
        check_array(f"{name}[{key!r}]", d[key], finite=True)
        check_shape(f"{name}[{key!r}]", d[key], parameters[key[1:]].shape, f"{key} has {key[1:]}'s shape")
        check_same_dtype(**{f"{name}[{key!r}]": d[key], key[1:]: parameters[key[1:]]})


def _zeros_like_parameters(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    L = check_parameters(parameters)
    return {f"d{p}{l}": np.zeros_like(parameters[f"{p}{l}"]) for l in range(1, L + 1) for p in "Wb"}


# ----------------------------------------------------------------------- OPT-MOMENTUM
def initialize_velocity(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """OPT-MOMENTUM's start: ``v["dW1"], v["db1"], ...`` zeros of ``W1``'s, ``b1``'s, ... shapes and dtype."""
    return _zeros_like_parameters(parameters)


def update_parameters_with_momentum(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: Mapping[str, np.ndarray],
    beta: float,
    learning_rate: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """OPT-MOMENTUM, the course's: ``v_dW = β v_dW + (1 - β) dW``, ``W := W - α v_dW``; the same for b.

    Args: ``parameters`` ``W1, b1, ...``; ``grads`` ``dW1, db1, ...``; ``v`` the velocity
    (``initialize_velocity`` at the start: v = 0, so the first step moves by ``α (1 - β) dW``);
    ``beta`` β in [0, 1) (0: plain gradient descent); ``learning_rate`` α > 0.
    Returns: ``(parameters, v)``, new dicts. (``torch.optim.SGD(momentum=β, dampening=0)`` keeps
    ``buf = v / (1 - β)`` and matches with ``lr = α (1 - β)``: see ``torch_reference/optimizers.py``.)
    """
    check_parameters(parameters)
    _check_like_parameters("grads", grads, parameters, exact=False)
    _check_like_parameters("v", v, parameters, exact=True)
    beta, alpha = _check_beta("beta", beta), _check_rate(learning_rate)
    return _update_parameters_with_momentum(parameters, grads, v, beta, alpha)


def _update_parameters_with_momentum(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], v: Mapping[str, np.ndarray], beta: float,
    alpha: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:  # fmt: skip
    """OPT-MOMENTUM, bare: on arguments :func:`update_parameters_with_momentum` checks (β, α Python floats)."""
    new_params, new_v = {}, {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in "Wb":
            key = f"d{p}{l}"
            new_v[key] = beta * v[key] + (1 - beta) * grads[key]
            new_params[f"{p}{l}"] = parameters[f"{p}{l}"] - alpha * new_v[key]
    return new_params, new_v


# ----------------------------------------------------------------------- OPT-RMSPROP
def initialize_rmsprop(parameters: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """OPT-RMSPROP's start: ``s["dW1"], s["db1"], ...`` zeros of the parameters' shapes and dtype."""
    return _zeros_like_parameters(parameters)


def update_parameters_with_rmsprop(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray],
    beta2: float = 0.999,
    learning_rate: float = 0.01,
    epsilon: float = 1e-8,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """OPT-RMSPROP: ``s_dW = β2 s_dW + (1 - β2) dW²`` (element-wise square), ``W := W - α dW / (sqrt(s_dW) + ε)``.

    Args: ``parameters``, ``grads`` as in :func:`update_parameters_with_momentum`; ``s`` the running
    mean of the squared gradients (``initialize_rmsprop`` at the start); ``beta2`` β2 in [0, 1);
    ``learning_rate`` α > 0; ``epsilon`` ε > 0, added *outside* the square root.
    Returns: ``(parameters, s)``, new dicts. (``torch.optim.RMSprop(lr=α, alpha=β2, eps=ε)``.)
    """
    check_parameters(parameters)
    _check_like_parameters("grads", grads, parameters, exact=False)
    _check_like_parameters("s", s, parameters, exact=True)
    beta2, alpha = _check_beta("beta2", beta2), _check_rate(learning_rate)
    eps = _check_number("epsilon", epsilon, 0.0, math.inf, True, True)
    return _update_parameters_with_rmsprop(parameters, grads, s, beta2, alpha, eps)


def _update_parameters_with_rmsprop(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], s: Mapping[str, np.ndarray], beta2: float,
    alpha: float, eps: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:  # fmt: skip
    """OPT-RMSPROP, bare: on arguments :func:`update_parameters_with_rmsprop` checks (Python floats)."""
    new_params, new_s = {}, {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in "Wb":
            key, g = f"d{p}{l}", grads[f"d{p}{l}"]
            new_s[key] = beta2 * s[key] + (1 - beta2) * np.square(g)
            new_params[f"{p}{l}"] = parameters[f"{p}{l}"] - alpha * g / (np.sqrt(new_s[key]) + eps)
    return new_params, new_s


# ----------------------------------------------------------------------- OPT-ADAM
def initialize_adam(parameters: Mapping[str, np.ndarray]) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """OPT-ADAM's start: ``(v, s)``, both ``dW1, db1, ...`` zeros of the parameters' shapes and dtype."""
    return _zeros_like_parameters(parameters), _zeros_like_parameters(parameters)


def update_parameters_with_adam(
    parameters: Mapping[str, np.ndarray],
    grads: Mapping[str, np.ndarray],
    v: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray],
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray],
           dict[str, np.ndarray]]:  # fmt: skip
    """OPT-ADAM, the course's ``update_parameters_with_adam``.

    ``v = β1 v + (1 - β1) dW``; ``v̂ = v / (1 - β1^t)``; ``s = β2 s + (1 - β2) dW²``;
    ``ŝ = s / (1 - β2^t)``; ``W := W - α v̂ / (sqrt(ŝ) + ε)``; the same for b.

    Args: ``parameters``, ``grads`` as in :func:`update_parameters_with_momentum`; ``v``, ``s`` from
    :func:`initialize_adam` or the previous call; ``t`` the number of this update, 1 at the first (a
    ``t = 0`` would divide by ``1 - β^0 = 0``); ``learning_rate`` α > 0; ``beta1``, ``beta2`` in
    [0, 1); ``epsilon`` ε > 0, outside the square root.
    Returns: ``(parameters, v, s, v_corrected, s_corrected)``, new dicts (the course's five).
    """
    check_parameters(parameters)
    _check_like_parameters("grads", grads, parameters, exact=False)
    _check_like_parameters("v", v, parameters, exact=True)
    _check_like_parameters("s", s, parameters, exact=True)
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (int, np.integer)):
        raise TypeError(f"t must be a positive integer (the update's number, 1 first), got {t!r}")
    if t < 1:
        raise ValueError(f"t must be >= 1 (1 at the first update: 1 - beta^0 = 0 cannot be divided by), got {t}")
    alpha = _check_rate(learning_rate)
    beta1, beta2 = _check_beta("beta1", beta1), _check_beta("beta2", beta2)
    eps = _check_number("epsilon", epsilon, 0.0, math.inf, True, True)
    return _update_parameters_with_adam(parameters, grads, v, s, int(t), alpha, beta1, beta2, eps)


def _update_parameters_with_adam(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], v: Mapping[str, np.ndarray],
    s: Mapping[str, np.ndarray], t: int, alpha: float, beta1: float, beta2: float, eps: float,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray],
           dict[str, np.ndarray]]:  # fmt: skip
    """OPT-ADAM, bare: on arguments :func:`update_parameters_with_adam` checks (t an int >= 1, Python floats)."""
    correction1, correction2 = 1 - beta1**t, 1 - beta2**t
    new_params, new_v, new_s, v_hat, s_hat = {}, {}, {}, {}, {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in "Wb":
            key, g = f"d{p}{l}", grads[f"d{p}{l}"]
            new_v[key] = beta1 * v[key] + (1 - beta1) * g
            v_hat[key] = new_v[key] / correction1
            new_s[key] = beta2 * s[key] + (1 - beta2) * np.square(g)
            s_hat[key] = new_s[key] / correction2
            new_params[f"{p}{l}"] = parameters[f"{p}{l}"] - alpha * v_hat[key] / (np.sqrt(s_hat[key]) + eps)
    return new_params, new_v, new_s, v_hat, s_hat


# ----------------------------------------------------------------------- OPT-LR-DECAY
def _check_epoch(epoch_num: object) -> int:
    if isinstance(epoch_num, (bool, np.bool_)) or not isinstance(epoch_num, (int, np.integer)) or epoch_num < 0:
        raise TypeError(f"epoch_num must be a non-negative integer, got {epoch_num!r}")
    return int(epoch_num)


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """OPT-LR-DECAY: ``α = α0 / (1 + decay_rate · epoch_num)``, a Python float.

    Args: ``learning_rate0`` α0 > 0; ``epoch_num`` >= 0 an integer; ``decay_rate`` >= 0.
    (``torch.optim.lr_scheduler.LambdaLR`` with ``lambda e: 1 / (1 + decay_rate · e)``.)
    """
    alpha0 = _check_number("learning_rate0", learning_rate0, 0.0, math.inf, True, True)
    epoch = _check_epoch(epoch_num)
    decay = _check_number("decay_rate", decay_rate, 0.0, math.inf, False, True)
    return alpha0 / (1 + decay * epoch)


def schedule_lr_decay(learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000) -> float:
    """OPT-LR-DECAY, scheduled: ``α = α0 / (1 + decay_rate · floor(epoch_num / time_interval))``, a Python float.

    The rate is constant for ``time_interval`` epochs, then drops. Args as in :func:`update_lr`;
    ``time_interval`` a positive integer (the course's default: 1000).
    """
    alpha0 = _check_number("learning_rate0", learning_rate0, 0.0, math.inf, True, True)
    epoch = _check_epoch(epoch_num)
    decay = _check_number("decay_rate", decay_rate, 0.0, math.inf, False, True)
    if isinstance(time_interval, (bool, np.bool_)) or not isinstance(time_interval, (int, np.integer)):
        raise TypeError(f"time_interval must be a positive integer, got {time_interval!r}")
    if time_interval < 1:
        raise ValueError(f"time_interval must be >= 1, got {time_interval}")
    return alpha0 / (1 + decay * (epoch // int(time_interval)))


# ----------------------------------------------------------------------- training with an optimizer
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def train_with_optimizer(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    optimizer: str = "gd",
    mini_batch_size: int = 64,
    num_epochs: int = 1,
    learning_rate: float = 0.0007,
    *,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    seed: int = 0,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """Mini-batch training from given initial parameters, the course's ``model(..., optimizer)``.

    Epoch e (0-based) cuts ``random_mini_batches(X, Y, mini_batch_size, seed + e)`` (OPT-MINIBATCH); on
    each batch: ``model_forward``, the batch cost, ``model_backward``, then one update by ``optimizer``:

    * ``"gd"``: ``W -= α dW`` (GD-UPDATE);
    * ``"momentum"``: OPT-MOMENTUM with ``beta``;
    * ``"rmsprop"``: OPT-RMSPROP with ``beta2`` and ``epsilon``;
    * ``"adam"``: OPT-ADAM with ``beta1``, ``beta2``, ``epsilon``; t = 1, 2, ... counted over all the
      updates, never reset at an epoch.

    The state (v, s) starts at 0 and is carried across epochs. Every optimizer sees the same batches
    for the same ``seed``.

    Args: ``X`` (n[0], m); ``Y`` (n[L], m), labels for the loss of the output activation;
    ``parameters`` ``W1, b1, ..., WL, bL`` (copied, never modified); ``mini_batch_size`` >= 1;
    ``num_epochs`` >= 0; ``learning_rate`` α > 0; ``seed`` >= 0; activations as in ``model_forward``.
    Returns the parameters after the last update and ``costs``: one per epoch, the mean over the m
    examples of the batch costs computed *before* each batch's update (``Σ_batches size · J_batch / m``,
    the course's ``cost_total / m``). Everything is checked before the first update.
    """
    from .losses import _model_cost
    from .model import _model_backward, _model_forward, _update_parameters
    from .training import _check_count, _check_output_of_forward, _check_training_data, _check_updated

    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {optimizer!r}")
    epochs = _check_count("num_epochs", num_epochs, minimum=0)
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"seed must be a non-negative integer, got {seed!r}")
    if isinstance(mini_batch_size, (bool, np.bool_)) or not isinstance(mini_batch_size, (int, np.integer)):
        raise TypeError(f"mini_batch_size must be a positive integer, got {mini_batch_size!r}")
    if mini_batch_size < 1:
        raise ValueError(f"mini_batch_size must be >= 1, got {mini_batch_size}")
    g, Y = _check_training_data(X, Y, parameters, learning_rate, hidden_activation, output_activation, activations)
    alpha = _check_rate(learning_rate)
    beta, beta1, beta2 = _check_beta("beta", beta), _check_beta("beta1", beta1), _check_beta("beta2", beta2)
    eps = _check_number("epsilon", epsilon, 0.0, math.inf, True, True)

    params = {k: np.array(v, copy=True) for k, v in parameters.items()}
    v = initialize_velocity(params) if optimizer == "momentum" else None
    s = initialize_rmsprop(params) if optimizer == "rmsprop" else None
    if optimizer == "adam":
        v, s = initialize_adam(params)
    m, t, costs = X.shape[1], 0, []
    for epoch in range(epochs):  # everything is checked above: the batches run the bare steps
        total = 0.0
        batches = _random_mini_batches(X, Y, int(mini_batch_size), np.random.RandomState(int(seed) + epoch))
        for batch_X, batch_Y in batches:  # random_mini_batches(X, Y, mini_batch_size, seed + epoch), bare
            AL, caches = _model_forward(batch_X, params, g)
            _check_output_of_forward(AL)
            total += batch_X.shape[1] * _model_cost(AL, batch_Y, g[-1])
            grads = _model_backward(AL, batch_Y, caches, g)
            if optimizer == "gd":
                params = _update_parameters(params, grads, alpha)
            elif optimizer == "momentum":
                params, v = _update_parameters_with_momentum(params, grads, v, beta, alpha)
            elif optimizer == "rmsprop":
                params, s = _update_parameters_with_rmsprop(params, grads, s, beta2, alpha, eps)
            else:
                t += 1
                params, v, s, _, _ = _update_parameters_with_adam(params, grads, v, s, t, alpha, beta1, beta2, eps)
            _check_updated(params)
        costs.append(total / m)
    return params, costs
