"""Gradient checking, as the course teaches it: centered differences and the relative difference.

Catalogue IDs checked with it (see ``tests/test_gradient_check.py``): BWD-DAL, BWD-DZL, BWD-ACT, BWD-DW,
BWD-DB, BWD-DA, BWD-L, LR-BWD.

For a scalar function J of an array θ (the cost of the network as a function of one parameter, or
the summed loss as a function of Z[l])::

    gradapprox[i] = (J(θ + ε e_i) - J(θ - ε e_i)) / (2 ε)                (centered difference)
    difference    = ‖grad - gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)      (relative difference)

The course's rule: difference < 1e-7 is right, > 1e-3 is a bug. The difference is computed **per
parameter** (W1, b1, W2, ...) as well as overall: b[l] has n[l] entries against W[l]'s n[l]·n[l-1], so
in one flattened θ a wrong db is diluted (db1 x 4 gives 0.6 for db1 but 0.07 to 0.35 overall on the
registry's networks) and the overall number does not say which parameter is wrong.

Choice of ε. The centered difference has two errors: truncation ``(ε²/6)|J'''|`` and rounding
``u·|J|/ε`` (u = 1.1e-16 in float64). The optimum is ``ε ≈ (3u|J|/|J'''|)^(1/3) ≈ 1e-5``, where both
are about 1e-11, and that is the default. With the course's ε = 1e-7 the rounding term, about
1e-9·|J| per entry, is 1e-7 of a gradient entry of 1e-2: measured on the registry's network cases,
the worst per-parameter difference is 9e-7 with ε = 1e-7 (a correct gradient "fails"; the overall
difference, 2e-8, hides it), 8e-8 with ε = 1e-6 and 3e-9 with ε = 1e-5. Gradient checking is a
float64 tool: in float32, u·|J|/ε is as large as the gradient itself.

Shapes: ``parameters`` and ``grads`` are the course's dicts (``W1`` (n[1], n[0]), ``b1`` (n[1], 1), ...
and ``dW1``, ``db1``, ...); ``X`` is (n[0], m) and ``Y`` (n[L], m). Nothing here modifies its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ._checks import (
    FLOAT_DTYPES,
    check_array,
    check_finite,
    check_parameters,
    check_plain_array,
    check_real,
    check_same_dtype,
)
from .losses import _model_cost
from .model import _model_backward, _model_forward, check_xy, layer_activations

#: the step ε of the centered differences (see the module docstring for why not the course's 1e-7)
EPSILON = 1e-5
#: the course's threshold: a relative difference below it means the gradient is right
THRESHOLD = 1e-7


def dictionary_to_vector(parameters: Mapping[str, np.ndarray]) -> tuple[np.ndarray, list[tuple[str, tuple]]]:
    """The course's ``dictionary_to_vector``: ``W1, b1, ..., WL, bL`` stacked into one column θ.

    Returns ``theta`` of shape (N, 1), N the number of parameters, and the layout
    ``[(key, shape), ...]`` that :func:`vector_to_dictionary` needs to undo it.
    """
    L = check_parameters(parameters)
    keys = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    layout = [(k, parameters[k].shape) for k in keys]
    theta = np.concatenate([parameters[k].reshape(-1, 1) for k in keys])
    return theta, layout


def vector_to_dictionary(theta: np.ndarray, layout: Sequence[tuple[str, tuple]]) -> dict[str, np.ndarray]:
    """Undo :func:`dictionary_to_vector`: the column θ (N, 1) back to ``{key: array of its shape}``."""
    check_array("theta", theta, finite=True)
    if theta.shape[1] != 1:
        raise ValueError(f"theta must be a column (N, 1), got shape {theta.shape}")
    sizes = _layout_sizes(layout)
    if sum(sizes) != theta.shape[0]:
        raise ValueError(f"theta has {theta.shape[0]} entries, the layout {sum(sizes)}")
    out, start = {}, 0
    for (key, shape), size in zip(layout, sizes, strict=True):
        out[key] = theta[start : start + size].reshape(shape).copy()
        start += size
    return out


def _layout_sizes(layout: object) -> list[int]:
    """The entry counts of a layout ``[(key, shape), ...]`` (string keys, shapes of non-negative ints)."""
    rule = "layout must be the list [(key, shape), ...] returned by dictionary_to_vector"
    if not isinstance(layout, (list, tuple)):
        raise TypeError(f"{rule}, got {type(layout).__name__}")
    sizes = []
    for i, entry in enumerate(layout):
        if not (isinstance(entry, (tuple, list)) and len(entry) == 2 and isinstance(entry[0], str)):
            raise TypeError(f"{rule}: layout[{i}] is {entry!r}")
        shape = entry[1]
        if not (
            isinstance(shape, tuple)
            and all(isinstance(n, (int, np.integer)) and not isinstance(n, (bool, np.bool_)) and n >= 0 for n in shape)
        ):
            raise TypeError(f"{rule}: layout[{i}]'s shape is {shape!r}, not a tuple of non-negative integers")
        sizes.append(math.prod(int(n) for n in shape))  # exact: an int64 product would wrap for (2**32, 2**32)
    return sizes


def gradients_to_vector(grads: Mapping[str, np.ndarray], layout: Sequence[tuple[str, tuple]]) -> np.ndarray:
    """``dW1, db1, ...`` stacked into one column in the order of ``layout``; each must have its parameter's shape."""
    _layout_sizes(layout)
    _check_grads(grads, [key for key, _shape in layout])
    for key, shape in layout:
        if grads[f"d{key}"].shape != shape:
            raise ValueError(f"d{key} has shape {grads[f'd{key}'].shape}, but {key} has {shape}")
    check_same_dtype(**{f"d{key}": grads[f"d{key}"] for key, _ in layout})
    return np.concatenate([grads[f"d{key}"].reshape(-1, 1) for key, _ in layout])


def _check_grads(grads: object, keys: Sequence[str]) -> None:
    """``grads`` must be a dict with an array ``d<key>`` for every parameter key."""
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict dW1, db1, ..., got {type(grads).__name__}")
    missing = [f"d{k}" for k in keys if f"d{k}" not in grads]
    if missing:
        raise ValueError(f"grads is missing {missing} (need d<key> for every parameter: dW1, db1, ...)")
    for k in keys:
        check_array(f"d{k}", grads[f"d{k}"], ndim=np.ndim(grads[f"d{k}"]), finite=True)


def check_epsilon(epsilon: object) -> float:
    """The step ε of the centered differences: a finite number > 0."""
    return check_real("epsilon", epsilon, positive=True, what="the step of the centered differences")


def centered_difference(J: Callable[[np.ndarray], float], theta: np.ndarray, epsilon: float = EPSILON) -> np.ndarray:
    """``gradapprox[i] = (J(θ + ε e_i) - J(θ - ε e_i)) / (2ε)`` for every entry i of ``theta``.

    Args: ``J`` a scalar function of an array of ``theta``'s shape; ``theta`` any shape; ``epsilon`` ε.
    Returns: ``gradapprox`` of ``theta``'s shape and dtype. ``theta`` is not modified (each perturbed
    point is a fresh copy).
    """
    _check_J(J)
    if not isinstance(theta, np.ndarray):
        raise TypeError(f"theta must be a numpy.ndarray, got {type(theta).__name__}")
    check_array("theta", theta, ndim=theta.ndim, finite=True)
    epsilon = check_epsilon(epsilon)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.size):
        theta_plus, theta_minus = theta.copy(), theta.copy()
        theta_plus.flat[i] += epsilon
        theta_minus.flat[i] -= epsilon
        gradapprox.flat[i] = (J(theta_plus) - J(theta_minus)) / (2 * epsilon)
    return gradapprox


def _check_J(J: object) -> None:
    if not callable(J):
        raise TypeError(f"J must be a function (the scalar cost of the perturbed array), got {type(J).__name__}")


def _gradient_operand(name: str, x: object) -> np.ndarray:
    """A gradient to compare: a plain float ndarray (any shape, 0-d included) or a real number, finite."""
    if isinstance(x, np.ndarray):
        check_plain_array(name, x)
    elif isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a numpy.ndarray of float32 or float64 (or a real number), got "
                        f"{type(x).__name__}")  # fmt: skip
    x = np.asarray(x, dtype=np.float64) if not isinstance(x, np.ndarray) else x
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(f"{name} has dtype {x.dtype}; expected float32 or float64")
    return check_array(name, x, ndim=x.ndim, finite=True)


def relative_difference(grad: np.ndarray, gradapprox: np.ndarray) -> float:
    """``‖grad - gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)``; 0 when both are zero.

    The shapes must be equal: a ``db`` of shape (n,) against a (n, 1) approximation is a bug to
    report, not something to broadcast into an (n, n) difference. Both are plain float arrays (or
    real numbers), finite: a NaN gradient has no relative difference, it is the bug itself.
    """
    grad, gradapprox = _gradient_operand("grad", grad), _gradient_operand("gradapprox", gradapprox)
    if grad.shape != gradapprox.shape:
        raise ValueError(f"grad has shape {grad.shape} but gradapprox has {gradapprox.shape}")
    check_same_dtype(grad=grad, gradapprox=gradapprox)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(numerator / denominator) if denominator > 0 else 0.0


def _checked_model_cost_function(
    X: np.ndarray, Y: np.ndarray, activations: Sequence[str]
) -> Callable[[Mapping[str, np.ndarray]], float]:
    """``parameters -> J``: the forward pass (FWD-L) then the cost paired with the output activation, on X,
    Y (in X's dtype) and names that the caller has checked: every perturbed ``J(θ ± ε e_i)`` runs the bare
    forward pass and cost, without re-scanning X."""

    def J(parameters: Mapping[str, np.ndarray]) -> float:
        AL, _caches = _model_forward(X, parameters, activations)
        check_finite("AL", AL)  # the perturbed forward overflowed: the error model_cost would give
        return _model_cost(AL, Y, activations[-1])

    return J


def numerical_gradients(
    J: Callable[[Mapping[str, np.ndarray]], float], parameters: Mapping[str, np.ndarray], epsilon: float = EPSILON
) -> dict[str, np.ndarray]:
    """Centered differences of ``J(parameters)`` for every parameter: ``{"dW1": ..., "db1": ..., ...}``,
    each of its parameter's shape."""
    _check_J(J)
    check_parameters(parameters)
    check_epsilon(epsilon)
    approx = {}
    for key, value in parameters.items():
        approx[f"d{key}"] = centered_difference(lambda P, key=key: J({**parameters, key: P}), value, epsilon)
    return approx


@dataclass
class GradientCheck:
    """The outcome of :func:`gradient_check`: relative differences per parameter and overall."""

    differences: dict[str, float]  # "dW1" -> relative difference, ..., and "overall"
    gradapprox: dict[str, np.ndarray] = field(repr=False)
    threshold: float = THRESHOLD

    @property
    def worst(self) -> tuple[str, float]:
        """The parameter with the largest relative difference, and that difference."""
        key = max(self.differences, key=self.differences.get)
        return key, self.differences[key]

    @property
    def passed(self) -> bool:
        """Every per-parameter difference and the overall one are below the threshold."""
        return all(d < self.threshold for d in self.differences.values())

    def report(self) -> str:
        lines = [
            f"{k:>8}: {d:.3e}" + ("" if d < self.threshold else "  <-- above threshold")
            for k, d in self.differences.items()
        ]
        return "\n".join(lines)


def gradient_check(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    grads: Mapping[str, np.ndarray] | None = None,
    epsilon: float = EPSILON,
    threshold: float = THRESHOLD,
) -> GradientCheck:
    """Gradient checking of BWD-L for an L-layer network: backprop's ``dW[l]``, ``db[l]`` against
    centered differences of the cost J, per parameter and overall.

    Args: ``X`` (n[0], m), ``Y`` (n[L], m), ``parameters`` ``W1, b1, ...``; the activations as in
    :func:`scratch_nn.model_forward`; ``grads`` the gradients to check (default: those of
    :func:`scratch_nn.model_backward`; pass your own to check another backward pass).
    Returns: a :class:`GradientCheck` with ``differences["dW1"]``, ..., ``differences["overall"]``.
    Use it in float64 and with inputs away from the kinks of ReLU-like activations.
    """
    L = check_parameters(parameters)
    g = layer_activations(L, hidden_activation, output_activation, activations)
    Y = check_xy(X, Y, parameters, L, g[-1])  # before any perturbed cost is computed
    check_epsilon(epsilon)
    threshold = check_real("threshold", threshold, positive=True, what="the relative difference that passes")
    if grads is not None:
        _check_grads(grads, list(parameters))
        for key in parameters:
            if grads[f"d{key}"].shape != parameters[key].shape:
                raise ValueError(f"d{key} has shape {grads[f'd{key}'].shape}, but {key} has {parameters[key].shape}")
            check_same_dtype(**{f"d{key}": grads[f"d{key}"], key: parameters[key]})
    if grads is None:  # backprop's own, on the arrays checked above
        AL, caches = _model_forward(X, parameters, g)
        check_finite("AL", AL)
        grads = _model_backward(AL, Y, caches, g)
    J = _checked_model_cost_function(X, Y, g)
    gradapprox = numerical_gradients(J, parameters, epsilon)
    differences = {f"d{k}": relative_difference(grads[f"d{k}"], gradapprox[f"d{k}"]) for k in parameters}
    _theta, layout = dictionary_to_vector(parameters)
    differences["overall"] = relative_difference(
        gradients_to_vector(grads, layout), gradients_to_vector(gradapprox, layout)
    )
    return GradientCheck(differences, gradapprox, threshold)
