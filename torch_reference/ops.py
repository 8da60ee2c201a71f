"""One description per operation: what each activation g and each output loss *is*, in one place.

An :class:`Activation` holds, side by side (micrograd's forward and local derivative on one screen;
PyTorch's OpInfo for the rest):

* the catalogue ID and equation, the contract's names (``softplus``, ``softplus_backward``) and the
  course's other spellings;
* ``g64`` and ``dg64``, ``d2g64``: g, g' and g'' as float64 NumPy formulas (any leading batch axes);
* ``torch_module``: the PyTorch module of g (the oracle; autograd gives g');
* the rounding rule of one evaluation (``rounding``, ``dg_rounding``, units of u), and where PyTorch's
  module computes something other than g (``torch_gap``);
* the hyperparameters (``defaults``, the ``variants`` checked), the kinks (where g' is undefined, and
  the value each convention takes there), the extreme values it saturates to (``limits``);
* ``mistakes``: the classic wrong versions of g and g', planted as bugs, and named by the diagnosis
  when a failed comparison matches one.

A :class:`Loss` does the same for a cost J paired with an output activation.

Everything else is derived from these descriptions, never listed again:

==========================  ==================================================================
``activations.py``          the registry entries (g and g', forward only, at-0 conventions)
``layers.py``               ACT-FWD and BWD-ACT for every activation, BWD-ACT's finite differences
``losses.py``               BWD-DZL and the costs from the logits for every loss
``tolerance.py``            ``activation_bound``, ``activation_backward_bound``, ``derivatives``,
                            ``logit_loss_bound``, ``probability_loss_bound``
``finite_differences.py``   the float64 twins (g64, the losses from the logits)
``adapter.py``, ``impl.py`` the contract's activation names, the course's aliases, g'(0)
``diagnose.py``             the mistake signatures, "applies another g"
``tests/``                  the planted bugs, the extremes, the subgradients, the hypothesis networks
==========================  ==================================================================

This module imports NumPy and torch.nn only (no registry, no tolerance): every other module may
import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from . import cases
from .rounding import ELEMENTARY

Params = Mapping[str, float]
Array = np.ndarray


# ----------------------------------------------------------------------- the descriptions
@dataclass(frozen=True)
class Kink:
    """g' is undefined at z = 0: the value (a multiple of dA) each subgradient convention takes there."""

    pytorch: Callable[[Params], float]  #: autograd's value, for the given hyperparameters
    notes: float = 1.0  #: the notes take g'(0) = 1


def _sixteen_times(value: Array, Z: Array) -> Array:
    """A diagnosis's default slack: 16 roundings of the value (the wrong formula's own, and the case's)."""
    return 16 * np.abs(value)


@dataclass(frozen=True)
class Mistake:
    """A classic wrong version of one contract function: planted as a bug (``tests/mutants.py``, through
    ``Entry.mutants``), and, when ``cause`` is set, recognized by ``diagnose.py`` in a failed comparison
    (``wrong`` evaluated in float64 on the case's Z, and dA for a backward)."""

    what: str  #: the planted bug, in a few words
    function: str  #: the contract function it replaces ("sigmoid_backward")
    wrong: Callable[..., Array]  #: that function's signature
    cause: str = ""  #: the diagnosis's words; "" when it is planted only
    #: the diagnosis's slack (units of u) as a function of (value, Z)
    bound: Callable[[Array, Array], Array | float] = _sixteen_times
    id: str = ""  #: the catalogue ID it breaks, if not the operation's own (a loss's BWD-DAL)


def planted_bugs(op: Activation | Loss, cid: str) -> tuple[tuple[str, dict[str, Callable[..., Array]]], ...]:
    """``Entry.mutants`` of catalogue ID ``cid``: the mistakes of ``op`` that break it (those without an
    ``id`` break the operation's own), as (what is wrong, {contract name: wrong function})."""
    return tuple((m.what, {m.function: m.wrong}) for m in op.mistakes if (m.id or op.id) == cid)


@dataclass(frozen=True)
class Activation:
    """g and g' of one activation, and everything the checker needs to know about them."""

    name: str  #: the contract's (scratch_nn's) name of g
    id: str  #: catalogue ID
    equation: str  #: the catalogue's words
    backward: str  #: the contract's name of dZ = dA * g'(Z)
    g64: Callable[[Array, Params], Array]  #: g(Z), float64 formula, any leading batch axes
    torch_module: Callable[[Params], nn.Module]  #: PyTorch's g (rows layout: softmax over dim 1)
    #: g'(Z) and g''(Z), float64 (PyTorch's value at a kink); None for a column-wise g
    dg64: Callable[[Array, Params], Array] | None = None
    d2g64: Callable[[Array, Params], Array] | None = None
    #: rounding of one evaluation of g, relative to |g(z)|, units of u (ours and PyTorch's, the larger)
    rounding: float | None = None
    #: rounding of evaluating g' itself, B_g'(Z, params), units of u, absolute (the larger of ours and
    #: PyTorch's autograd formula, given an exact Z)
    dg_rounding: Callable[[Array, Params], Array] | None = None
    #: a column-wise g's own bounds (softmax): forward (Z, B_Z) and backward (Z, dA, B_dA, B_Z)
    forward_bound: Callable[..., Array] | None = None
    backward_bound: Callable[..., Array] | None = None
    #: where PyTorch's module computes something other than g: (|torch g - g|, |torch g' - g'|),
    #: absolute, float64; None where it computes g itself
    torch_gap: Callable[[Array, Params], tuple[Array, Array]] | None = None
    column_wise: bool = False  #: g of a whole column (softmax), not of each element
    defaults: Params = field(default_factory=dict)  #: the hyperparameters and scratch_nn's defaults
    variants: tuple[Params, ...] = ({},)  #: the hyperparameters checked (one registry row set each)
    kinks: tuple[Kink, ...] = ()
    aliases: tuple[str, ...] = ()  #: the course's other spellings of g
    backward_aliases: tuple[str, ...] = ()  #: ... and of the backward
    mistakes: tuple[Mistake, ...] = ()
    #: z -> (g(z), g'(z)), exactly, in float32 and float64, at extreme z (saturation)
    limits: Mapping[float, tuple[float, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.column_wise:
            missing = [f for f in ("forward_bound", "backward_bound") if getattr(self, f) is None]
        else:
            missing = [f for f in ("dg64", "d2g64", "rounding", "dg_rounding") if getattr(self, f) is None]
        if missing:
            raise TypeError(f"activation {self.name}: no {', '.join(missing)} (its rounding bound needs them)")

    def with_params(self, **given: float) -> dict[str, float]:
        """The hyperparameters of one call: the defaults, updated by ``given`` (which must be its own)."""
        unknown = sorted(set(given) - set(self.defaults))
        if unknown:
            raise TypeError(f"activation {self.name} takes no {', '.join(unknown)}")
        return {**self.defaults, **given}


@dataclass(frozen=True)
class Loss:
    """The cost J of an output layer, paired with its output activation g[L] (whose gradient
    dZ[L] = A[L] - Y is BWD-DZL)."""

    output: str  #: the output activation
    name: str  #: PyTorch's name for it (the BWD-DZL variant reads "sigmoid + BCEWithLogitsLoss")
    id: str  #: the catalogue ID of J ("" when it has none of its own)
    equation: str
    #: per-example losses (..., 1, m) from the logits Z[L], float64, in a stable form
    losses64: Callable[[Array, Array], Array]
    #: PyTorch's J = mean over the examples, from the logits, rows layout: a fresh callable
    torch_loss: Callable[[], Callable[[torch.Tensor, torch.Tensor], torch.Tensor]]
    #: bounds (units of u), (1, m), of each per-example loss from the logits (Z, Y, B_Z) and from
    #: the probabilities (A, Y, B_A)
    logit_bound: Callable[[Array, Array, Array | float], Array]
    probability_bound: Callable[[Array, Array, Array | float], Array]
    #: the sample inputs: ``draw(rng, (n[L], m), dtype)`` -> {"Z": logits, "Y": labels, ...}, at ``shapes``
    draw: Callable[[np.random.Generator, tuple[int, int], type], dict[str, Array]]
    shapes: tuple[tuple[int, int], ...]
    cost: str = ""  #: the contract's J(A[L], Y), if any
    cost_from_logits: str = ""  #: the contract's J(Z[L], Y), if any
    outputs: tuple[int, int | None] = (1, None)  #: the fewest and most output units n[L] (None: any)
    mistakes: tuple[Mistake, ...] = ()


# ----------------------------------------------------------------------- shared float64 formulas
def sigmoid64(Z: Array) -> Array:
    """``1 / (1 + e^-z)`` as ``1/(1+e^-|z|)`` (z >= 0) or ``e^-|z|/(1+e^-|z|)``: e^x only of x <= 0,
    so no overflow at any z and full relative accuracy in the left tail."""
    with np.errstate(under="ignore"):
        e = np.exp(-np.abs(Z))
    return np.where(Z >= 0, 1 / (1 + e), e / (1 + e))


def softmax64(Z: Array) -> Array:
    """Softmax over the class axis (-2), the column maximum subtracted first."""
    with np.errstate(under="ignore"):
        e = np.exp(Z - Z.max(axis=-2, keepdims=True))
    return e / e.sum(axis=-2, keepdims=True)


def _zero(Z: Array, p: Params) -> Array:
    return np.zeros_like(Z)


def _one(Z: Array, p: Params) -> Array:
    return np.ones_like(Z)


def _elu_exp(Z: Array, p: Params) -> Array:
    """``alpha e^min(z, 0)``: g' of ELU for z <= 0 (and g'')."""
    with np.errstate(under="ignore"):
        return p["alpha"] * np.exp(np.minimum(Z, 0))


# ----------------------------------------------------------------------- ACT-SIGMOID
#: exp, 1 + e, the division
_SIGMOID_ROUNDING = ELEMENTARY + 2


def _sigmoid_dg(Z: Array, p: Params) -> Array:
    """``a(1 - a)``, a = sigmoid(z)."""
    s = sigmoid64(Z)
    return s * (1 - s)


def _sigmoid_d2g(Z: Array, p: Params) -> Array:
    """``a(1 - a)(1 - 2a)``."""
    s = sigmoid64(Z)
    return s * (1 - s) * (1 - 2 * s)


def _sigmoid_dg_rounding(Z: Array, p: Params) -> Array:
    """g' = a(1 - a) from the rounded a (off by the forward's rounding, carried by |1 - 2a|), then
    1 - a, the product and the multiplication by dA's factor: 3 more, relative to g'."""
    s = sigmoid64(Z)
    return _SIGMOID_ROUNDING * s * np.abs(1 - 2 * s) + 3 * (s * (1 - s))


SIGMOID = Activation(
    name="sigmoid",
    id="ACT-SIGMOID",
    equation="g(z) = 1/(1+e^-z); g'(z) = a(1-a)",
    backward="sigmoid_backward",
    g64=lambda Z, p: sigmoid64(Z),
    dg64=_sigmoid_dg,
    d2g64=_sigmoid_d2g,
    torch_module=lambda p: nn.Sigmoid(),
    rounding=_SIGMOID_ROUNDING,
    dg_rounding=_sigmoid_dg_rounding,
    mistakes=(
        Mistake("sigmoid' from Z instead of a: Z(1 - Z)", "sigmoid_backward", lambda dA, Z: dA * Z * (1 - Z),
                cause="sigmoid' computed from Z: Z(1 - Z), not a(1 - a)"),
        Mistake("sigmoid with e^{+z}", "sigmoid", lambda Z: 1 / (1 + np.exp(Z)),
                cause="sigmoid(-z): e^{+z} where e^{-z} belongs"),
    ),
    limits={1e4: (1.0, 0.0), -1e4: (0.0, 0.0), 1e3: (1.0, 0.0), -1e3: (0.0, 0.0)},
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-TANH
def _tanh_dg_rounding(Z: Array, p: Params) -> Array:
    """g' = 1 - a^2 from the rounded a (ELEMENTARY|a|, carried by |2a|), then a^2 and the subtraction
    (relative to 1, the larger operand) and the product with dA: 3."""
    t = np.tanh(Z)
    return 2 * ELEMENTARY * t**2 + 3


TANH = Activation(
    name="tanh",
    id="ACT-TANH",
    equation="g(z) = tanh z; g'(z) = 1 - a^2",
    backward="tanh_backward",
    g64=lambda Z, p: np.tanh(Z),
    dg64=lambda Z, p: 1 - np.tanh(Z) ** 2,
    d2g64=lambda Z, p: -2 * np.tanh(Z) * (1 - np.tanh(Z) ** 2),
    torch_module=lambda p: nn.Tanh(),
    rounding=ELEMENTARY,
    dg_rounding=_tanh_dg_rounding,
    mistakes=(
        Mistake("tanh' as 1 - z^2", "tanh_backward", lambda dA, Z: dA * (1 - Z**2),
                cause="tanh' computed from Z: 1 - Z², not 1 - a²"),
        Mistake("tanh as 2 sigmoid(z) - 1 (it is 2 sigmoid(2z) - 1)", "tanh", lambda Z: 2 / (1 + np.exp(-Z)) - 1),
    ),
    limits={1e4: (1.0, 0.0), -1e4: (-1.0, 0.0), 1e3: (1.0, 0.0), -1e3: (-1.0, 0.0)},
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-RELU
RELU = Activation(
    name="relu",
    id="ACT-RELU",
    equation="g(z) = max(0, z); g' = 1[z >= 0]",
    backward="relu_backward",
    g64=lambda Z, p: np.maximum(Z, 0),
    dg64=lambda Z, p: np.where(Z > 0, 1.0, 0.0),
    d2g64=_zero,
    torch_module=lambda p: nn.ReLU(),
    rounding=0.0,  # exact
    dg_rounding=_zero,  # exact
    kinks=(Kink(pytorch=lambda p: 0.0),),
    mistakes=(
        Mistake("ReLU mask from dA instead of Z", "relu_backward", lambda dA, Z, **k: np.where(dA > 0, dA, 0),
                cause="the ReLU mask taken from dA instead of Z (or A)", bound=lambda value, Z: 0.0),
        Mistake("ReLU mask inverted: kept where z < 0", "relu_backward", lambda dA, Z, **k: np.where(Z < 0, dA, 0),
                cause="the ReLU mask inverted: the gradient kept where z < 0, not z > 0",
                bound=lambda value, Z: 0.0),
        Mistake("ReLU forward as max(z, 0) with the sign flipped", "relu", lambda Z: np.maximum(-Z, 0)),
    ),
    limits={1e4: (1e4, 1.0), -1e4: (0.0, 0.0), 1e3: (1e3, 1.0), -1e3: (0.0, 0.0)},
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-LEAKY
LEAKY_RELU = Activation(
    name="leaky_relu",
    id="ACT-LEAKY",
    equation="g(z) = max(s z, z); g' = s or 1",
    backward="leaky_relu_backward",
    g64=lambda Z, p: np.where(Z >= 0, Z, p["slope"] * Z),
    dg64=lambda Z, p: np.where(Z > 0, 1.0, p["slope"]),
    d2g64=_zero,
    torch_module=lambda p: nn.LeakyReLU(negative_slope=p["slope"]),
    rounding=1.0,  # slope * z
    dg_rounding=_zero,  # exact: 1 or slope itself
    defaults={"slope": 0.01},
    variants=({"slope": 0.01}, {"slope": 0.2}),
    kinks=(Kink(pytorch=lambda p: p["slope"]),),
    mistakes=(
        Mistake("slope on the positive side", "leaky_relu_backward",
                lambda dA, Z, slope=0.01, **k: np.where(Z >= 0, slope * dA, dA)),
        Mistake("slope ignored (plain ReLU)", "leaky_relu", lambda Z, slope=0.01: np.maximum(Z, 0)),
    ),
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-ELU
ELU = Activation(
    name="elu",
    id="ACT-ELU",
    equation="g(z) = a(e^z - 1) or z; g' = a e^z or 1",
    backward="elu_backward",
    g64=lambda Z, p: np.where(Z >= 0, Z, p["alpha"] * np.expm1(np.minimum(Z, 0))),
    dg64=lambda Z, p: np.where(Z > 0, 1.0, _elu_exp(Z, p)),
    d2g64=lambda Z, p: np.where(Z > 0, 0.0, _elu_exp(Z, p)),
    torch_module=lambda p: nn.ELU(alpha=p["alpha"]),
    rounding=ELEMENTARY + 1,  # expm1, alpha * (...)
    dg_rounding=lambda Z, p: np.where(Z > 0, 0.0, (ELEMENTARY + 1) * _elu_exp(Z, p)),  # exp, alpha * (...)
    defaults={"alpha": 1.0},
    variants=({"alpha": 1.0}, {"alpha": 1.7}),
    kinks=(Kink(pytorch=lambda p: p["alpha"]),),
    mistakes=(
        Mistake("ELU' as alpha(e^z - 1)", "elu_backward",
                lambda dA, Z, alpha=1.0, **k: np.where(Z >= 0, dA, dA * alpha * np.expm1(np.minimum(Z, 0)))),
        Mistake("alpha forgotten in forward", "elu", lambda Z, alpha=1.0: np.where(Z >= 0, Z, np.expm1(Z))),
    ),
    limits={1e4: (1e4, 1.0), -1e4: (-1.0, 0.0), 1e3: (1e3, 1.0), -1e3: (-1.0, 0.0)},
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-SOFTMAX
def softmax_bound(Z: Array, B_Z: Array | float = 0.0) -> Array:
    """Bound of ``A = softmax(Z)`` per column, covering both the exp/sum route and the
    log-softmax route of PyTorch's cross-entropy:
    ``a·(2·max_col B_Z + 2|z - max| + ELEMENTARY·(2 + log n) + n + 2)``."""
    Z = np.asarray(Z, dtype=np.float64)
    n = Z.shape[0]
    shifted = Z - Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(shifted)
    A = e / e.sum(axis=0, keepdims=True)
    carried = 2 * np.max(np.broadcast_to(B_Z, Z.shape), axis=0, keepdims=True)
    return A * (carried + 2 * np.abs(shifted) + ELEMENTARY * (2 + np.log(n)) + n + 2)


def softmax_backward_bound(Z: Array, dA: Array, B_dA: Array | float, B_Z: Array | float) -> Array:
    """Bound of ``dZ = a * (dA - sum_k a_k dA_k)`` per column."""
    Z = np.asarray(Z, dtype=np.float64)
    dA = np.asarray(dA, dtype=np.float64)
    n = Z.shape[0]
    with np.errstate(under="ignore"):
        e = np.exp(Z - Z.max(axis=0, keepdims=True))
    a = e / e.sum(axis=0, keepdims=True)
    B_a = softmax_bound(Z, B_Z)
    B_dA = np.broadcast_to(B_dA, Z.shape)
    s = (a * dA).sum(axis=0, keepdims=True)
    B_s = (np.abs(dA) * B_a + a * B_dA + (n + 1) * np.abs(a * dA)).sum(axis=0, keepdims=True)
    diff = dA - s
    B_diff = B_dA + B_s + np.abs(diff)
    return B_a * np.abs(diff) + a * B_diff + np.abs(a * diff)


def _softmax_whole_matrix(Z: Array) -> Array:
    return np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum()


def _softmax_per_row(Z: Array) -> Array:
    e = np.exp(Z - Z.max())
    return e / e.sum(axis=1, keepdims=True)


def _softmax_diagonal_backward(dA: Array, Z: Array) -> Array:
    a = np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=0)
    return dA * a * (1 - a)


def _per_element(value: Array, Z: Array) -> Array:
    return 16 * value + Z.size * value


SOFTMAX = Activation(
    name="softmax",
    id="ACT-SOFTMAX",
    equation="a_i = e^z_i / sum_j e^z_j per column; dZ = a*(dA - sum a dA)",
    backward="softmax_backward",
    g64=lambda Z, p: softmax64(Z),
    torch_module=lambda p: nn.Softmax(dim=1),  # classes are columns in PyTorch's rows
    column_wise=True,
    forward_bound=lambda Z, B_Z, p: softmax_bound(Z, B_Z),
    backward_bound=lambda Z, dA, B_dA, B_Z, p: softmax_backward_bound(Z, dA, B_dA, B_Z),
    mistakes=(
        Mistake("normalized over all entries, not per column", "softmax", _softmax_whole_matrix,
                cause="softmax normalized over the whole matrix: normalize each column (axis=0)",
                bound=_per_element),
        Mistake("normalized over each row (the examples), not per column", "softmax", _softmax_per_row,
                cause="softmax normalized over each row (over examples): normalize each column (axis=0)",
                bound=_per_element),
        Mistake("backward as the diagonal a(1 - a) only", "softmax_backward", _softmax_diagonal_backward),
    ),
)  # fmt: skip


# ----------------------------------------------------------------------- ACT-LINEAR
LINEAR = Activation(
    name="linear",
    id="ACT-LINEAR",
    equation="g(z) = z; g' = 1",
    backward="linear_backward_activation",
    g64=lambda Z, p: Z,
    dg64=_one,
    d2g64=_zero,
    torch_module=lambda p: nn.Identity(),
    rounding=0.0,
    dg_rounding=_zero,
    aliases=("identity",),
    backward_aliases=("linear_activation_backward_identity", "identity_backward"),
    mistakes=(
        Mistake("backward returns Z instead of dA", "linear_backward_activation", lambda dA, Z: Z.copy()),
        Mistake("the identity as ReLU (a hidden layer's g on the output)", "linear", lambda Z: np.maximum(Z, 0)),
    ),
)


# ----------------------------------------------------------------------- ACT-SOFTPLUS
#: PyTorch's Softplus returns z itself where z > threshold (default 20; beta = 1): ATen's kernels
#: (aten/src/ATen/native/cpu/Activation.cpp, cuda/ActivationSoftplusKernel.cu) compute
#: ``z * beta > threshold ? z : log1p(exp(z * beta)) / beta`` and, backward,
#: ``z * beta > threshold ? dA : dA * e / (e + 1)`` with ``e = exp(z * beta)``
SOFTPLUS_THRESHOLD = 20.0


def softplus64(Z: Array) -> Array:
    """``log(1 + e^z)`` as ``max(z, 0) + log1p(e^-|z|)``: no overflow at any z."""
    with np.errstate(under="ignore"):
        return np.maximum(Z, 0) + np.log1p(np.exp(-np.abs(Z)))


def _softplus_torch_gap(Z: Array, p: Params) -> tuple[Array, Array]:
    """Above the threshold PyTorch's g is z, off by ``log1p(e^-z) <= e^-20 ≈ 2.1e-9`` (below 1e-10
    relative: far below float32's u, about 1e6 u in float64), and its g' is 1, off by ``σ(-z)``."""
    above = Z > SOFTPLUS_THRESHOLD
    with np.errstate(under="ignore"):
        return np.where(above, np.log1p(np.exp(-np.abs(Z))), 0.0), np.where(above, sigmoid64(-Z), 0.0)


SOFTPLUS = Activation(
    name="softplus",
    id="ACT-SOFTPLUS",
    equation="g(z) = log(1 + e^z); g'(z) = sigmoid(z)",
    backward="softplus_backward",
    g64=lambda Z, p: softplus64(Z),
    dg64=lambda Z, p: sigmoid64(Z),
    d2g64=_sigmoid_dg,  # sigmoid's own derivative
    torch_module=lambda p: nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD),
    # ours: exp and log1p (2 ELEMENTARY on the log1p term, which is <= |g|) and the sum (1); PyTorch's
    # log1p(exp(z)): 2 ELEMENTARY (the exp's error is carried by e/((1 + e) log1p(e)) <= 1)
    rounding=2 * ELEMENTARY + 1,
    # g' = sigmoid(z): its forward's rounding (ours), or PyTorch's e/(e + 1) (exp, sum, division)
    dg_rounding=lambda Z, p: _SIGMOID_ROUNDING * sigmoid64(Z),
    torch_gap=_softplus_torch_gap,
    mistakes=(
        Mistake("softplus of -z: log(1 + e^-z)", "softplus", lambda Z: np.log1p(np.exp(-Z))),
        Mistake("softplus' as sigmoid's derivative a(1 - a)", "softplus_backward",
                lambda dA, Z: dA * np.exp(-Z) / (1 + np.exp(-Z)) ** 2),
    ),
    limits={1e4: (1e4, 1.0), -1e4: (0.0, 0.0), 1e3: (1e3, 1.0), -1e3: (0.0, 0.0)},
)  # fmt: skip


#: every activation, in the contract's order
ACTIVATIONS: tuple[Activation, ...] = (SIGMOID, TANH, RELU, LEAKY_RELU, ELU, SOFTMAX, LINEAR, SOFTPLUS)
_BY_NAME = {a.name: a for a in ACTIVATIONS}


def activation(name: str) -> Activation:
    """The description of the activation named ``name`` (the contract's name); ValueError if none."""
    try:
        return _BY_NAME[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown activation {name!r}; known: {sorted(_BY_NAME)}") from None


def torch_activation(name: str, **params: float) -> nn.Module:
    """The ``nn`` module of an activation, in the row layout (softmax over dim 1)."""
    act = activation(name)
    return act.torch_module(act.with_params(**params))


# ----------------------------------------------------------------------- COST-BCE (sigmoid output)
def draw_binary(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> dict[str, Array]:
    """Unsaturated probabilities AL, their logits Z, and labels Y in {0, 1}."""
    return {
        "AL": cases.probabilities(rng, shape, dtype),
        "Z": cases.signed(rng, shape, dtype),
        "Y": cases.binary_labels(rng, shape, dtype),
    }


def _bce_losses64(Z: Array, Y: Array) -> Array:
    """``max(z, 0) - z y + log1p(e^-|z|)`` per example."""
    with np.errstate(under="ignore"):
        return (np.maximum(Z, 0) - Z * Y + np.log1p(np.exp(-np.abs(Z)))).sum(axis=-2, keepdims=True)


def _bce_logit_bound(ZL: Array, Y: Array, B_ZL: Array | float = 0.0) -> Array:
    """``max(z, 0) - z·y + log1p(e^-|z|)``: ``|σ(z) - y|·B_Z`` carried (the loss's derivative),
    ``(2·ELEMENTARY + 2)`` times the magnitudes of its terms (exp, log1p, two additions)."""
    Z, Y = np.asarray(ZL, np.float64), np.asarray(Y, np.float64)
    B_Z = np.broadcast_to(np.asarray(B_ZL, np.float64), Z.shape)
    n = Z.shape[0]
    with np.errstate(under="ignore", over="ignore"):
        soft = np.log1p(np.exp(-np.abs(Z)))
    s = sigmoid64(Z)
    terms = np.abs(np.maximum(Z, 0) - Z * Y) + soft
    B = np.abs(s - Y) * B_Z + (2 * ELEMENTARY + 2) * terms
    return (B + n * terms).sum(axis=0, keepdims=True)


def _bce_probability_bound(AL: Array, Y: Array, B_AL: Array | float = 0.0) -> Array:
    """``-log a`` or ``-log(1 - a)``: ``B_A / a`` (or ``B_A / (1 - a)``) carried through the log,
    1 for ``1 - a``, ``ELEMENTARY·|loss|`` for the log."""
    A, Y = np.asarray(AL, np.float64), np.asarray(Y, np.float64)
    B_A = np.broadcast_to(np.asarray(B_AL, np.float64), A.shape)
    n = A.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(Y == 1, A, 1 - A)
        losses = -np.log(p)
        B = np.where(p > 0, B_A / p, np.inf) + 1 + ELEMENTARY * np.abs(losses)
        return (B + n * np.abs(losses)).sum(axis=0, keepdims=True)


BCE = Loss(
    output="sigmoid",
    name="BCEWithLogitsLoss",
    id="COST-BCE",
    equation="J = -(1/m) sum (y log a + (1-y) log(1-a))",
    losses64=_bce_losses64,
    torch_loss=lambda: nn.BCEWithLogitsLoss(),
    logit_bound=_bce_logit_bound,
    probability_bound=_bce_probability_bound,
    draw=draw_binary,
    shapes=((1, 8), (1, 33), (1, 1)),
    cost="compute_cost",
    cost_from_logits="compute_cost_from_logits",
    outputs=(1, 1),
    mistakes=(
        Mistake("sign of the cost flipped", "compute_cost",
                lambda AL, Y: float(np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))),
        Mistake("sum instead of mean", "compute_cost",
                lambda AL, Y: float(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))),
        Mistake("cost returned as a (1, 1) array", "compute_cost",
                lambda AL, Y: -(Y @ np.log(AL).T + (1 - Y) @ np.log(1 - AL).T) / Y.shape[1]),
        Mistake("dA[L] sign flipped", "bce_backward", lambda AL, Y: Y / AL - (1 - Y) / (1 - AL), id="BWD-DAL"),
        Mistake("dZ[L] = Y - A[L]", "output_backward", lambda AL, Y, out="sigmoid": Y - AL, id="BWD-DZL"),
    ),
)  # fmt: skip


# ----------------------------------------------------------------------- COST-CE (softmax output)
def draw_softmax(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> dict[str, Array]:
    """Logits Z and one-hot Y (classes, m)."""
    n, m = shape
    Y = np.zeros(shape, dtype=dtype)
    Y[cases.class_labels(rng, n, m), np.arange(m)] = 1
    return {"Z": cases.normal(rng, shape, dtype, 2.0), "Y": Y}


def _ce_losses64(Z: Array, Y: Array) -> Array:
    """``logsumexp(z) - sum_k y_k z_k`` per example."""
    with np.errstate(under="ignore"):
        zmax = Z.max(axis=-2, keepdims=True)
        lse = zmax + np.log(np.exp(Z - zmax).sum(axis=-2, keepdims=True))
    return lse - (Y * Z).sum(axis=-2, keepdims=True)


def _ce_logit_bound(ZL: Array, Y: Array, B_ZL: Array | float = 0.0) -> Array:
    """``max z + log sum_k e^(z_k - max z) - sum_k y_k z_k``: ``sum_k |a_k - y_k|·max_k B_Z`` carried,
    the log-sum-exp's own rounding (softmax's ``ELEMENTARY(2 + log n) + n + 2 + 2|z - max z|``),
    ``n·sum |y z|`` for the dot product and 2 roundings of each of the three magnitudes added."""
    Z, Y = np.asarray(ZL, np.float64), np.asarray(Y, np.float64)
    B_Z = np.broadcast_to(np.asarray(B_ZL, np.float64), Z.shape)
    n = Z.shape[0]
    zmax = Z.max(axis=0, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(Z - zmax)
    S = e.sum(axis=0, keepdims=True)
    A = e / S
    carried = np.abs(A - Y).sum(axis=0, keepdims=True) * B_Z.max(axis=0, keepdims=True)
    lse = ELEMENTARY * (2 + np.log(n)) + n + 2 + 2 * np.abs(Z - zmax).max(axis=0, keepdims=True)
    yz = np.abs(Y * Z).sum(axis=0, keepdims=True)
    magnitudes = np.abs(zmax) + np.log(S) + yz
    return carried + lse + ELEMENTARY * np.log(S) + n * yz + 2 * magnitudes


def _ce_probability_bound(AL: Array, Y: Array, B_AL: Array | float = 0.0) -> Array:
    """``-sum_k y_k log a_k``: per class with ``y_k > 0``, ``B_A / a`` carried and ``ELEMENTARY·|log a|``,
    plus ``n·|loss|`` for the sum over classes."""
    A, Y = np.asarray(AL, np.float64), np.asarray(Y, np.float64)
    B_A = np.broadcast_to(np.asarray(B_AL, np.float64), A.shape)
    n = A.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        logA = np.log(np.where(Y > 0, A, 1.0))
        losses = -(Y * logA).sum(axis=0, keepdims=True)
        per_class = np.where(Y > 0, Y * (B_A / np.where(Y > 0, A, 1.0) + ELEMENTARY * np.abs(logA)), 0.0)
        return per_class.sum(axis=0, keepdims=True) + n * np.abs(losses)


def _ce_torch_loss() -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    ce = nn.CrossEntropyLoss()
    return lambda Z, Y: ce(Z, Y.argmax(dim=1))  # class-index targets


CE = Loss(
    output="softmax",
    name="CrossEntropyLoss",
    id="COST-CE",
    equation="J = -(1/m) sum_i sum_k y_k log a_k, a = softmax(z)",
    losses64=_ce_losses64,
    torch_loss=_ce_torch_loss,
    logit_bound=_ce_logit_bound,
    probability_bound=_ce_probability_bound,
    draw=draw_softmax,
    shapes=((4, 9), (10, 5), (3, 1)),
    cost="compute_cost_cross_entropy",
    cost_from_logits="compute_cost_cross_entropy_from_logits",
    outputs=(2, None),
    mistakes=(
        Mistake("mean over classes as well as examples", "compute_cost_cross_entropy",
                lambda AL, Y: float(-np.mean(Y * np.log(AL)))),
    ),
)  # fmt: skip


# ----------------------------------------------------------------------- half squared error (linear output)
def draw_regression(rng: np.random.Generator, shape: tuple[int, int], dtype: type) -> dict[str, Array]:
    """Outputs Z and real targets Y."""
    return {"Z": cases.normal(rng, shape, dtype), "Y": cases.normal(rng, shape, dtype)}


def _squared_error_bound(AL: Array, Y: Array, B_AL: Array | float = 0.0) -> Array:
    """``(1/2) sum (a - y)^2``: ``|a - y|·B_A`` carried, and ``(n + 2)·(1/2)(a - y)^2`` for the
    difference, the square and the sum over the n outputs (the output is the logit: one bound for both)."""
    A, Y = np.asarray(AL, np.float64), np.asarray(Y, np.float64)
    B_A = np.broadcast_to(np.asarray(B_AL, np.float64), A.shape)
    n = A.shape[0]
    d = A - Y
    return (np.abs(d) * B_A + (n + 2) * 0.5 * d**2).sum(axis=0, keepdims=True)


SQUARED_ERROR = Loss(
    output="linear",
    name="squared error",
    id="",
    equation="J = (1/(2m)) sum_i ||a_i - y_i||^2",
    losses64=lambda Z, Y: 0.5 * ((Z - Y) ** 2).sum(axis=-2, keepdims=True),
    torch_loss=lambda: lambda Z, Y: 0.5 * ((Z - Y) ** 2).sum() / Z.shape[0],
    logit_bound=_squared_error_bound,
    probability_bound=_squared_error_bound,
    draw=draw_regression,
    shapes=((2, 7), (1, 4)),
)

#: every output loss, by output activation
LOSSES: tuple[Loss, ...] = (BCE, CE, SQUARED_ERROR)
_BY_OUTPUT = {loss.output: loss for loss in LOSSES}


def loss(output: str) -> Loss:
    """The loss paired with the output activation ``output``; ValueError if none is."""
    try:
        return _BY_OUTPUT[output]
    except (KeyError, TypeError):
        raise ValueError(f"no loss is paired with output activation {output!r}") from None
