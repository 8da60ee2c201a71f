"""The deep L-layer network: forward over all layers, backward over all layers, update.

Catalogue IDs: FWD-L (forward), BWD-L (backward), GD-UPDATE (gradient-descent step).

Shapes: ``X = A[0]`` is ``(n[0], m)``; ``W[l]`` ``(n[l], n[l-1])``, ``b[l]``
``(n[l], 1)``; ``Y`` and ``AL = A[L]`` ``(n[L], m)``. Parameters and gradients are
dicts in the course's form: ``W1, b1, ..., WL, bL`` and ``dW1, db1, ...``.

Activations: layers 1..L-1 use ``hidden_activation``, layer L
``output_activation``; or give ``activations`` (one name per layer) to choose each
layer's g[l] freely. Backward starts from ``dZ[L] = A[L] - Y`` (BWD-DZL), which
holds for the loss paired with the output activation (see :mod:`scratch_nn.losses`).

Regularization (off by default, and then nothing changes):

* dropout (DROP-FWD, DROP-BWD): ``model_forward(..., keep_prob=0.8, rng=rng)`` drops
  units of every hidden layer l = 1..L-1 (never the input X, never the output
  layer) with a fresh mask ``D[l]`` of A[l]'s full shape ``(n[l], m)``. The cache of
  such a layer is then the 3-tuple ``((A[l-1], W[l], b[l]), Z[l], D[l])``; every other
  cache stays the 2-tuple ``((A[l-1], W[l], b[l]), Z[l])``, so code that reads
  ``cache[0]`` and ``cache[1]`` works either way. ``model_backward(..., keep_prob=0.8)``
  applies each ``D[l]`` to ``dA[l]`` before ``g'[l]``. The next layer's cached
  ``A[l-1]`` is the *dropped* activation, and ``grads["dA{l}"]`` is the gradient with
  respect to it (what layer l+1 saw).
* L2 (REG-L2-GRAD): ``model_backward(..., lambd=λ)`` adds ``(λ/m) W[l]`` to every
  ``dW[l]`` (not to ``db[l]``); see :mod:`scratch_nn.regularization`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._checks import (
    RNG,
    check_array,
    check_count,
    check_examples,
    check_labels,
    check_parameters,
    check_real,
    check_rng,
    check_same_dtype,
    check_shape,
)
from .activations import Convention, _check_convention, activation_backward, activation_forward, check_activation
from .dropout import _check_mask, _dropout_backward, _dropout_forward, check_keep_prob
from .layers import ActivationCache, _linear_backward, _linear_forward
from .losses import _check_output_labels, _output_backward, check_output_activation
from .regularization import _l2_regularization_gradient, check_lambd


def layer_activations(
    L: int,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
) -> list[str]:
    """The list ``[g[1], ..., g[L]]`` of activation names for an L-layer network (L >= 1)."""
    L = check_count("L", L, 1, "the number of layers")
    if activations is None:
        if L > 1:
            check_activation(hidden_activation, "hidden_activation")
        check_activation(output_activation, "output_activation")
        return [hidden_activation] * (L - 1) + [output_activation]
    if isinstance(activations, str) or not isinstance(activations, (Sequence, np.ndarray)):
        raise TypeError(
            f"activations must be a list of L names, one per layer (e.g. [{activations!r}] * L), "
            f"got {type(activations).__name__} {activations!r}"
        )
    activations = list(activations)
    if len(activations) != L:
        raise ValueError(f"activations has {len(activations)} names for L = {L} layers")
    for l, name in enumerate(activations):
        check_activation(name, f"activations[{l}]")
    return activations


def model_forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    keep_prob: float = 1.0,
    rng: RNG | None = None,
) -> tuple[np.ndarray, list[tuple]]:
    """FWD-L: ``A[0] = X``; for l = 1..L: ``A[l] = g[l](W[l] A[l-1] + b[l])``; ``ŷ = A[L]``.

    With ``keep_prob < 1`` (DROP-FWD), after each hidden layer l = 1..L-1:
    ``D[l] = (U < keep_prob)``, ``A[l] = A[l] * D[l] / keep_prob``, masks drawn from ``rng``.

    Args: ``X`` (n[0], m); ``parameters`` ``W1, b1, ..., WL, bL``; ``keep_prob`` in
    (0, 1] (1: no dropout); ``rng`` a ``numpy.random.Generator`` or ``numpy.random.RandomState``,
    needed when ``keep_prob < 1``: the masks are drawn in layer order, D[1] first, so a
    ``RandomState(1)`` replays the course's ``np.random.seed(1)`` inside
    ``forward_propagation_with_dropout``.
    Returns: ``AL`` (n[L], m) and ``caches``, a list of L entries
    ``((A[l-1], W[l], b[l]), Z[l])``, caches[l-1] belonging to layer l, with ``D[l]``
    (n[l], m) appended for a dropped hidden layer.
    """
    L = check_parameters(parameters)
    check_x(X, parameters)
    g = layer_activations(L, hidden_activation, output_activation, activations)
    keep_prob = check_keep_prob(keep_prob, X.dtype)
    dropout = keep_prob < 1.0
    if dropout or rng is not None:  # an rng given is checked even where dropout is off
        check_rng(rng, f"keep_prob = {keep_prob} < 1" if dropout else "model_forward")
    return _model_forward(X, parameters, g, keep_prob, rng)


def _model_forward(
    X: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    g: Sequence[str],
    keep_prob: float = 1.0,
    rng: RNG | None = None,
) -> tuple[np.ndarray, list[tuple]]:
    """FWD-L, bare: X, the parameters, the L names ``g`` and keep_prob (and rng) as :func:`model_forward`
    checks them; the layers do not re-scan them."""
    caches: list[tuple] = []
    A = X
    for l in range(1, len(g) + 1):
        W, b = parameters[f"W{l}"], parameters[f"b{l}"]
        Z = _linear_forward(A, W, b)  # Z[l] = W[l] A[l-1] + b[l]
        cache = ((A, W, b), Z)
        A = activation_forward(Z, g[l - 1])  # A[l] = g[l](Z[l])
        if keep_prob < 1.0 and l < len(g):  # dropout: hidden layers only, never the output layer
            A, D = _dropout_forward(A, keep_prob, rng)
            cache = (*cache, D)
        caches.append(cache)
    return A, caches


def check_x(X: object, parameters: Mapping[str, np.ndarray], name: str = "X") -> int:
    """``X = A[0]``: a finite float array (n[0], m), m >= 1, of the (checked) parameters' dtype; returns m."""
    check_array(name, X, finite=True)
    m = check_examples(name, X)
    n0 = parameters["W1"].shape[1]
    if X.shape[0] != n0:
        raise ValueError(f"{name} has shape {X.shape} but W1 is {parameters['W1'].shape}: {name} = A[0] is (n[0], m) "
                         f"with n[0] = W1.shape[1] = {n0}, expected ({n0}, {m})")  # fmt: skip
    check_same_dtype(**{name: X, "W1": parameters["W1"]})
    return m


def check_xy(
    X: object, Y: object, parameters: Mapping[str, np.ndarray], L: int, output: str, x_name: str = "X",
    y_name: str = "Y",
) -> np.ndarray:  # fmt: skip
    """``X`` (n[0], m) for the (checked) parameters, and labels ``Y`` (n[L], m) for the loss paired with
    the ``output`` activation: everything a forward pass and the cost would reject, without computing them.
    Returns Y in X's dtype (a new array only if Y had integer, bool or no dtype of its own)."""
    kind = check_output_activation(output)
    m = check_x(X, parameters, x_name)
    like = np.empty((parameters[f"W{L}"].shape[0], m), dtype=X.dtype)  # AL's shape and dtype; never read
    values = {"binary cross-entropy": "binary", "cross-entropy": "unit"}.get(kind, "real")
    return check_labels(y_name, Y, like, values, like_name="the output A[L]")


def _check_dropout_caches(caches: Sequence[tuple], keep_prob: float) -> None:
    """Masks on exactly the hidden layers when keep_prob < 1, on none when keep_prob = 1."""
    L = len(caches)
    with_mask = [l for l, cache in enumerate(caches, start=1) if len(cache) == 3]
    expected = list(range(1, L)) if keep_prob < 1.0 else []
    if with_mask != expected:
        if keep_prob < 1.0:
            raise ValueError(
                f"keep_prob = {keep_prob} but the caches hold dropout masks for layers {with_mask}, expected "
                f"{expected}: pass the caches of model_forward(..., keep_prob={keep_prob}, rng=...)"
            )
        raise ValueError(
            f"the caches hold dropout masks (layers {with_mask}) but keep_prob = 1: "
            "pass model_backward the keep_prob used in model_forward"
        )


def check_caches(caches: object) -> int:
    """Check the list returned by :func:`model_forward` and return L.

    Each entry ``caches[l-1]`` must be ``((A[l-1], W[l], b[l]), Z[l])`` (with a mask ``D[l]``
    appended under dropout) of plain float arrays, finite, all of one dtype, and the layers must
    chain in order: ``b[l]`` is ``(W[l].shape[0], 1)``, ``Z[l]`` is ``(W[l].shape[0], m)`` and the
    next cache's ``A[l]`` has ``Z[l]``'s shape. A single layer's cache, a reversed list or a list of
    linear caches ``(A_prev, W, b)`` is an error here, not a KeyError or a wrong gradient later.
    The arrays are scanned here, once: model_backward's layers do not re-check them.
    """
    if not isinstance(caches, (list, tuple)):
        raise TypeError(f"caches must be the list returned by model_forward, got {type(caches).__name__}")
    L = len(caches)
    if L == 0:
        raise ValueError("caches is empty: pass the caches returned by model_forward")
    for l, cache in enumerate(caches, start=1):
        if not (
            isinstance(cache, tuple)
            and len(cache) in (2, 3)
            and isinstance(cache[0], tuple)
            and len(cache[0]) == 3
            and all(isinstance(a, np.ndarray) for a in (*cache[0], *cache[1:]))
        ):
            raise TypeError(
                f"caches[{l - 1}] must be layer {l}'s cache ((A_prev, W, b), Z) (plus D under dropout), as "
                f"model_forward returns it; got {_describe(cache)}"
            )
        (A_prev, W, b), Z = cache[0], cache[1]
        where = f"caches[{l - 1}]"
        for name, a in (("A_prev", A_prev), ("W", W), ("b", b), ("Z", Z)):
            check_array(f"{where}'s {name}", a, finite=True)
        if Z.shape != (W.shape[0], A_prev.shape[1]) or W.shape[1] != A_prev.shape[0] or b.shape != (W.shape[0], 1):
            raise ValueError(
                f"{where}: A_prev {A_prev.shape}, W {W.shape}, b {b.shape} and Z {Z.shape} are not one layer's "
                f"Z = W A_prev + b: W must be (n[l], n[l-1]), A_prev (n[l-1], m), b (n[l], 1), Z (n[l], m)"
            )
        if l > 1 and A_prev.shape != caches[l - 2][1].shape:
            raise ValueError(
                f"caches do not chain: caches[{l - 1}]'s A_prev has shape {A_prev.shape} but caches[{l - 2}]'s Z "
                f"has {caches[l - 2][1].shape}; pass the list in layer order, caches[0] for layer 1, as model_forward "
                "returns it"
            )
        check_same_dtype(**{f"{where}'s {n}": a for n, a in (("A_prev", A_prev), ("W", W), ("b", b), ("Z", Z))})
        if l > 1:
            check_same_dtype(**{f"{where}'s W": W, "caches[0]'s W": caches[0][0][1]})
    return L


def _describe(x: object) -> str:
    if isinstance(x, tuple):
        return "a tuple of (" + ", ".join(type(a).__name__ for a in x) + ")"
    return type(x).__name__


def model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: Sequence[ActivationCache],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    activations: Sequence[str] | None = None,
    convention: Convention = "notes",
    keep_prob: float = 1.0,
    lambd: float = 0.0,
    return_dZ: bool = False,
) -> dict[str, np.ndarray]:
    """BWD-L: every layer's gradients, from l = L down to 1.

    ``dZ[L] = A[L] - Y`` (BWD-DZL); then for l = L..1:
    ``dW[l] = (1/m) dZ[l] A[l-1]^T``, ``db[l] = (1/m) sum_columns dZ[l]``,
    ``dA[l-1] = W[l]^T dZ[l]``, and, below the output layer,
    ``dZ[l] = dA[l] * g'[l](Z[l])``.
    With ``keep_prob < 1`` (DROP-BWD) the hidden layers' ``dA[l]`` first become
    ``dA[l] * D[l] / keep_prob`` (the masks of the caches); with ``lambd > 0``
    (REG-L2-GRAD) ``dW[l] += (λ/m) W[l]``.

    Args: ``AL`` and ``Y`` (n[L], m); ``caches`` from :func:`model_forward` with the
    same activations and keep_prob; ``convention`` for the subgradient at 0
    (``"notes"``/``"pytorch"``); ``keep_prob`` in (0, 1]; ``lambd`` λ >= 0;
    ``return_dZ`` whether to add the ``dZ[l]`` to the dict.
    Returns: the course's ``L_model_backward`` dict, with ``dA0 .. dA{L-1}`` (n[l], m),
    ``dW1 .. dWL`` (n[l], n[l-1]) and ``db1 .. dbL`` (n[l], 1): 3L keys, as the course's
    tests count them; with ``return_dZ=True`` also ``dZ1 .. dZL`` (n[l], m), as the
    course's ``backward_propagation_with_regularization``/``_with_dropout`` return them.
    """
    L = check_caches(caches)
    g = layer_activations(L, hidden_activation, output_activation, activations)
    kind = check_output_activation(g[L - 1])
    _check_convention(convention)
    check_array("AL", AL, finite=True)
    check_shape("AL", AL, caches[-1][1].shape, "AL = A[L] has the last cache's Z[L] shape (n[L], m)")
    check_same_dtype(**{"AL": AL, "caches[0]'s W": caches[0][0][1]})
    keep_prob, lambd = check_keep_prob(keep_prob), check_lambd("lambd", lambd)
    if not isinstance(return_dZ, (bool, np.bool_)):
        raise TypeError(f"return_dZ must be True or False, got {type(return_dZ).__name__}")
    _check_dropout_caches(caches, keep_prob)
    Y, _m = _check_output_labels(AL, Y, kind)  # AL is checked as an array above: not scanned twice
    if keep_prob < 1.0:  # the masks D[l] of the hidden layers, each against dA[l], i.e. Z[l]'s shape and dtype
        keep_prob = check_keep_prob(keep_prob, AL.dtype)
        for l in range(L - 1, 0, -1):
            _check_mask(caches[l - 1][2], caches[l - 1][1])
    return _model_backward(AL, Y, caches, g, convention, keep_prob, lambd, bool(return_dZ))


def _model_backward(
    AL: np.ndarray,
    Y: np.ndarray,
    caches: Sequence[tuple],
    g: Sequence[str],
    convention: Convention = "notes",
    keep_prob: float = 1.0,
    lambd: float = 0.0,
    return_dZ: bool = False,
) -> dict[str, np.ndarray]:
    """BWD-L, bare: every argument as :func:`model_backward` checks it (``Y`` in AL's dtype, ``keep_prob``
    and ``lambd`` Python floats); the layers do not re-scan the caches."""
    L, m = len(caches), AL.shape[1]
    grads: dict[str, np.ndarray] = {}
    dZ = _output_backward(AL, Y)  # dZ[L] = A[L] - Y
    for l in range(L, 0, -1):
        (A_prev, W, _b), Z = caches[l - 1][:2]
        if l < L:
            dA = grads[f"dA{l}"]
            if keep_prob < 1.0:
                dA = _dropout_backward(dA, caches[l - 1][2], keep_prob)  # dA[l] = dA[l] * D[l] / keep_prob
            dZ = activation_backward(dA, Z, g[l - 1], convention)  # dZ[l] = dA[l] * g'[l](Z[l])
        if return_dZ:
            grads[f"dZ{l}"] = dZ
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = _linear_backward(dZ, A_prev, W)
        if lambd > 0:
            grads[f"dW{l}"] = grads[f"dW{l}"] + _l2_regularization_gradient(W, lambd, m)  # dW[l] += (λ/m) W[l]
    return grads


def check_learning_rate(learning_rate: object) -> float:
    """Return α as a Python float: a real number (not a bool), finite and > 0."""
    return check_real("learning_rate", learning_rate, positive=True, what="the step size α")


def update_parameters(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """GD-UPDATE: ``W[l] := W[l] - α dW[l]``, ``b[l] := b[l] - α db[l]`` for every layer.

    Args: ``parameters`` ``W1, b1, ...``; ``grads`` with ``dW1, db1, ...`` of the same
    shapes; ``learning_rate`` α > 0. Returns a new dict; the inputs are unchanged.
    """
    L = check_parameters(parameters)
    learning_rate = check_learning_rate(learning_rate)
    if not isinstance(grads, Mapping):
        raise TypeError(f"grads must be a dict dW1, db1, ..., got {type(grads).__name__}")
    for key in (f"d{p}{l}" for l in range(1, L + 1) for p in "Wb"):
        if key not in grads:
            raise ValueError(f"grads is missing {key!r} (need dW1, db1, ..., dW{L}, db{L})")
        check_array(key, grads[key], finite=True)
        check_shape(key, grads[key], parameters[key[1:]].shape, f"{key} has {key[1:]}'s shape")
        check_same_dtype(**{key: grads[key], key[1:]: parameters[key[1:]]})

    return _update_parameters(parameters, grads, learning_rate)


def _update_parameters(
    parameters: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray], learning_rate: float
) -> dict[str, np.ndarray]:
    """GD-UPDATE, bare: the parameters, ``dW1, db1, ...`` and α (a Python float) as
    :func:`update_parameters` checks them."""
    alpha = parameters["W1"].dtype.type(learning_rate)  # float32 stays float32 (NEP 50)
    new = {}
    for l in range(1, len(parameters) // 2 + 1):
        for p in (f"W{l}", f"b{l}"):
            step = alpha * grads[f"d{p}"]  # α dW[l], a new array ...
            new[p] = np.subtract(parameters[p], step, out=step)  # ... overwritten by W[l] - α dW[l]
    return new
