"""Gradient checking, three ways: the NumPy analytic gradient, PyTorch autograd, finite differences.

Catalogue IDs: BWD-DAL, BWD-DZL, BWD-ACT, BWD-DW, BWD-DB, BWD-DA, BWD-L, LR-BWD.

* the course's gradient check (``scratch_nn.gradient_check``, relative difference < 1e-7 in float64)
  passes for every backward ID, on the registry's cases, and catches planted bugs far above 1e-7;
* the three ways agree pairwise, each within its derived tolerance;
* the finite-difference registry entries catch the planted bugs of ``tests/mutants.py`` on their own;
* ``torch.autograd.gradcheck`` passes on the reference modules in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import scratch_nn
from scratch_nn.gradient_check import THRESHOLD, centered_difference, gradient_check, relative_difference
from torch_reference.compare import compare
from torch_reference.gradient_check import twinned
from torch_reference.losses import torch_output_loss
from torch_reference.model import MODEL_SHAPES, ReferenceNetwork, draw_model, dZ_request
from torch_reference.ops import ACTIVATIONS, LOSSES, Activation, Loss, torch_activation
from torch_reference.registry import NotApplicable, Reference, case_rng, entries

from .mutants import MUTANTS, mutant

BACKWARD_IDS = ("BWD-DAL", "BWD-DZL", "BWD-ACT", "BWD-DW", "BWD-DB", "BWD-DA", "BWD-L", "LR-BWD")
ENTRIES = {e.key: e for e in entries()}
#: the backward entries that declare a finite difference (Entry.fd), by key, and their twins
FD_BASES = {e.key: e for e in twinned()}
TWINS = {e.based_on.key: e for e in ENTRIES.values() if e.oracle_kind == "finite differences" and e.based_on}


def _require(impl: Any, *names: str) -> None:
    missing = [n for n in names if not callable(getattr(impl, n, None))]
    if missing:
        pytest.skip(f"the implementation under test has no {', '.join(missing)}")


def _case(key: str, shape: Any, seed: int = 0) -> dict:
    entry = ENTRIES[key]
    return entry.draw(case_rng(entry, seed, shape), shape, np.float64)


# ----------------------------------------------------------------------- the course's check, per ID
def _checks_layer(impl, case, name: str) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """BWD-ACT and the linear step: the per-example surrogate sum(dA ⊙ g(Z)) and (1/m) sum(dZ ⊙ Z)."""
    A_prev, W, b, Z, dA, dZ = (case[k] for k in ("A_prev", "W", "b", "Z", "dA", "dZ"))
    m = A_prev.shape[1]
    out = []
    if name:  # BWD-ACT: dZ = dA * g'(Z)
        dZ_act = impl.activation_backward(dA, Z, name)
        out.append(
            ("dZ", dZ_act, centered_difference(lambda Zp: float(np.sum(dA * impl.activation_forward(Zp, name))), Z))
        )
    J = lambda W_, b_, A_: float(np.sum(dZ * impl.linear_forward(A_, W_, b_)[0]) / m)  # noqa: E731
    dA_prev, dW, db = impl.linear_backward(dZ, (A_prev, W, b))
    out += [
        ("dW", dW, centered_difference(lambda Wp: J(Wp, b, A_prev), W)),
        ("db", db, centered_difference(lambda bp: J(W, bp, A_prev), b)),
        ("dA_prev", dA_prev, centered_difference(lambda Ap: m * J(W, b, Ap), A_prev)),
    ]
    return out


def _summed_loss_above(impl, case, l: int, kind: str) -> Callable[[np.ndarray], float]:
    """m·J as a function of Z[l] (kind "Z") or A[l] (kind "A"), through the layers above l."""
    params, Y, acts = case["parameters"], case["Y"], case["activations"]
    L, m = len(acts), case["X"].shape[1]

    def S(value: np.ndarray) -> float:
        A = impl.activation_forward(value, acts[l - 1]) if kind == "Z" else value
        for k in range(l + 1, L + 1):
            A, _cache = impl.linear_activation_forward(A, params[f"W{k}"], params[f"b{k}"], acts[k - 1])
        return m * impl.model_cost(A, Y, acts[-1])

    return S


def _cost_of(impl, case, key: str) -> Callable[[np.ndarray], float]:
    """J as a function of the parameter ``key`` alone, through the implementation's own forward and cost
    (the course's gradient check: the module's backprop against differences of its own cost)."""
    X, Y, params, acts = case["X"], case["Y"], case["parameters"], case["activations"]

    def J(value: np.ndarray) -> float:
        AL, _caches = impl.model_forward(X, {**params, key: value}, activations=acts)
        return impl.model_cost(AL, Y, acts[-1])

    return J


def _checks_model(impl, case) -> list[tuple[str, np.ndarray, np.ndarray]]:
    X, Y, params, acts = case["X"], case["Y"], case["parameters"], case["activations"]
    AL, caches = impl.model_forward(X, params, activations=acts)
    grads = impl.model_backward(AL, Y, caches, activations=acts, **dZ_request(impl.model_backward))
    out = [(f"d{k}", grads[f"d{k}"], centered_difference(_cost_of(impl, case, k), params[k])) for k in params]
    for l in range(1, len(acts) + 1):
        if f"dZ{l}" in grads:  # optional: scratch_nn's return_dZ=True, not the course's L_model_backward
            Z = caches[l - 1][1]
            out.append((f"dZ{l}", grads[f"dZ{l}"], centered_difference(_summed_loss_above(impl, case, l, "Z"), Z)))
        A = caches[l - 1][0][0]  # A[l-1]
        out.append(
            (f"dA{l - 1}", grads[f"dA{l - 1}"], centered_difference(_summed_loss_above(impl, case, l - 1, "A"), A))
        )
    return out


def _checks_dal(impl, case):
    AL, Y = case["AL"], case["Y"]
    m = AL.shape[1]
    return [("dAL", impl.bce_backward(AL, Y), centered_difference(lambda A: m * impl.compute_cost(A, Y), AL))]


def _checks_dzl(output: str):
    def checks(impl, case):
        Z, Y = case["Z"], case["Y"]
        m = Z.shape[1]
        dZL = impl.output_backward(impl.activation_forward(Z, output), Y, output)
        S = lambda Zp: m * impl.model_cost(impl.activation_forward(Zp, output), Y, output)  # noqa: E731
        return [("dZL", dZL, centered_difference(S, Z))]

    return checks


def _checks_lr(impl, case):
    X, w, b, Y = case["X"], case["w"], case["b"], case["Y"]
    dw, db = impl.lr_backward(X, impl.lr_forward(w, b, X), Y)
    J = lambda w_, b_: impl.compute_cost(impl.lr_forward(w_, b_, X), Y)  # noqa: E731
    db_approx = centered_difference(lambda bp: J(w, bp[0, 0]), np.array([[b]]))
    return [("dw", dw, centered_difference(lambda wp: J(wp, b), w)), ("db", np.array([[db]]), db_approx)]


Checks = Callable[[Any, dict], list[tuple[str, np.ndarray, np.ndarray]]]


def course_check(entry) -> Checks:
    """The course's check of a backward entry: by its ID, and for an operation's entry (BWD-ACT, BWD-DZL) by
    the operation its finite difference differences (``Entry.fd.of``, an ops.Activation or ops.Loss)."""
    of = getattr(entry.fd, "of", None)
    if isinstance(of, Activation):
        return lambda impl, case: _checks_layer(impl, case, of.name)
    if isinstance(of, Loss):
        return _checks_dzl(of.output)
    by_id: dict[str, Checks] = {
        "BWD-DAL": _checks_dal,
        "BWD-DW": lambda impl, case: _checks_layer(impl, case, ""),
        "BWD-DB": lambda impl, case: _checks_layer(impl, case, ""),
        "BWD-DA": lambda impl, case: _checks_layer(impl, case, ""),
        "BWD-L": _checks_model,
        "LR-BWD": _checks_lr,
    }
    return by_id[entry.id]


COURSE_CHECKS: dict[str, Checks] = {key: course_check(entry) for key, entry in FD_BASES.items()}


def test_every_backward_id_has_a_course_check_and_a_finite_difference_entry():
    assert {e.id for e in FD_BASES.values()} == set(BACKWARD_IDS)
    assert set(FD_BASES) <= set(TWINS)
    assert all(TWINS[k].dtypes == ("float64",) and TWINS[k].variant.endswith("finite differences") for k in FD_BASES)
    # every activation and every loss has its backward entry, twinned: they are derived, not listed
    assert {a.name for a in ACTIVATIONS} == {e.fd.of.name for e in FD_BASES.values() if e.id == "BWD-ACT"}
    assert {loss.output for loss in LOSSES} == {e.fd.of.output for e in FD_BASES.values() if e.id == "BWD-DZL"}


@pytest.mark.parametrize("key", sorted(COURSE_CHECKS))
def test_course_gradient_check_passes_every_backward_id(key, impl):
    """The course's rule, relative difference < 1e-7, on every shape of the ID's registry entry (float64).
    Measured worst differences are about 1e-9 (see the module docstring of scratch_nn.gradient_check)."""
    _require(impl, *ENTRIES[key].needs, "activation_forward", "activation_backward", "model_cost")
    worst = {}
    for shape in ENTRIES[key].shapes:
        for name, analytic, approx in COURSE_CHECKS[key](impl, _case(key, shape)):
            assert analytic.shape == approx.shape, f"{key} {name}: shape {analytic.shape} != {approx.shape}"
            worst[name] = max(worst.get(name, 0.0), relative_difference(analytic, approx))
    assert max(worst.values()) < THRESHOLD, f"{key}: relative differences {worst}"


def test_gradient_check_reports_every_parameter_below_threshold():
    case = _case("BWD-L", MODEL_SHAPES[1])  # L = 4, tanh / leaky / elu / softmax, non-square
    result = gradient_check(case["X"], case["Y"], case["parameters"], activations=case["activations"])
    assert result.passed, result.report()
    assert set(result.differences) == {f"d{k}" for k in case["parameters"]} | {"overall"}


def test_gradient_check_catches_scaled_gradients():
    """The planted bug of the issue: dW scaled by 2 and db by 4. The relative difference of a gradient
    scaled by c is |c - 1| / (c + 1): 1/3 for dW, 3/5 for db, both far above 1e-7."""
    case = _case("BWD-L", MODEL_SHAPES[0])
    X, Y, params, acts = case["X"], case["Y"], case["parameters"], case["activations"]
    AL, caches = scratch_nn.model_forward(X, params, activations=acts)
    grads = scratch_nn.model_backward(AL, Y, caches, activations=acts)
    bad = {k: (2 * v if k.startswith("dW") else 4 * v if k.startswith("db") else v) for k, v in grads.items()}
    result = gradient_check(X, Y, params, activations=acts, grads=bad)
    assert not result.passed
    for k in params:
        expected = 1 / 3 if k.startswith("W") else 3 / 5
        assert result.differences[f"d{k}"] == pytest.approx(expected, rel=1e-6)

    # one bias alone (db1 x 4): the per-parameter differences name it, and only it; in the one
    # flattened vector it is diluted by the other parameters (0.25 here instead of 0.6)
    only_db1 = {**grads, "db1": 4 * grads["db1"]}
    diluted = gradient_check(X, Y, params, activations=acts, grads=only_db1)
    assert diluted.worst == ("db1", pytest.approx(3 / 5, rel=1e-6))
    assert all(d < THRESHOLD for k, d in diluted.differences.items() if k not in ("db1", "overall"))
    assert diluted.differences["overall"] < diluted.differences["db1"] / 2


def test_gradient_check_rejects_a_shape_bug():
    """db without keepdims ((n,) instead of (n, 1)) is an error, not an (n, n) broadcast."""
    case = _case("BWD-L", MODEL_SHAPES[0])
    X, Y, params, acts = case["X"], case["Y"], case["parameters"], case["activations"]
    AL, caches = scratch_nn.model_forward(X, params, activations=acts)
    grads = scratch_nn.model_backward(AL, Y, caches, activations=acts)
    with pytest.raises(ValueError, match="shape"):
        gradient_check(X, Y, params, activations=acts, grads={**grads, "db1": grads["db1"][:, 0]})


def test_centered_difference_leaves_its_input_alone():
    theta = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = theta.copy()
    approx = centered_difference(lambda t: float(np.sum(t**3)), theta)
    assert np.array_equal(theta, before)
    assert relative_difference(3 * theta**2, approx) < THRESHOLD


# ----------------------------------------------------------------------- three ways
@pytest.mark.parametrize("key", sorted(FD_BASES))
def test_three_ways_agree(key, impl):
    """analytic ~ autograd (the autograd entry's bound), analytic ~ finite differences and autograd ~
    finite differences (the finite-difference entry's bound), on the first two shapes, float64."""
    base, fd = ENTRIES[key], TWINS[key]
    _require(impl, *base.needs)
    not_applicable = []
    for shape in base.shapes[:2]:
        case = _case(key, shape)
        try:
            analytic = base.run(impl, case)
        except NotApplicable as exc:  # a case the implementation cannot express (e.g. a tanh layer)
            not_applicable.append(str(exc))
            continue
        autograd = base.oracle(case, "cpu", torch.float64)
        differences = fd.oracle(case, "cpu", torch.float64)
        for name, ref in autograd.items():
            if name not in analytic and ref.optional:
                continue  # an extra the contract does not require (dZ[l] of model_backward)
            fd_ref: Reference = differences[name]
            pairs = [
                ("analytic vs autograd", analytic[name], ref.value, ref.bound),
                ("analytic vs finite differences", analytic[name], fd_ref.value, fd_ref.bound),
                ("autograd vs finite differences", _as_actual(ref), fd_ref.value, fd_ref.bound),
            ]
            for what, actual, expected, bound in pairs:
                result = compare(name, actual, expected, bound, np.float64, ref.scalar)
                assert result.passed, f"{key} {shape} {what}: {result.detail}"
    if len(not_applicable) == len(base.shapes[:2]):
        raise NotApplicable(not_applicable[0])


def _as_actual(ref: Reference) -> Any:
    return float(ref.value) if ref.scalar else np.asarray(ref.value, np.float64)


def test_finite_difference_tolerance_is_tight():
    """The derived tolerance of the finite differences is far below the gradients it checks (else a bug
    could hide in it): on the network cases, at most 1e-6 of the case's largest gradient entry."""
    from torch_reference.tolerance import tolerance

    fd = TWINS["BWD-L"]
    for shape in MODEL_SHAPES:
        refs = fd.oracle(_case("BWD-L", shape), "cpu", torch.float64)
        scale = max(float(np.max(np.abs(ref.value))) for ref in refs.values())
        for name, ref in refs.items():
            assert np.max(tolerance(np.float64, ref.bound, ref.value)) <= 1e-6 * scale, (shape, name)


BACKWARD_MUTANTS = [m for m in MUTANTS if m[0] in BACKWARD_IDS]


@pytest.mark.parametrize(
    ("cid", "what", "overrides"), BACKWARD_MUTANTS, ids=[f"{m[0]}: {m[1]}" for m in BACKWARD_MUTANTS]
)
def test_finite_differences_alone_catch_planted_bugs(cid, what, overrides):
    """Every planted backward bug of tests/mutants.py fails some finite-difference case (no autograd involved)."""
    from torch_reference.registry import run_case

    bad = mutant(**overrides)
    fd_entries = [e for e in ENTRIES.values() if e.id == cid and "finite differences" in e.variant]
    results = [run_case(e, bad, "cpu", "float64", 0, shape) for e in fd_entries for shape in e.shapes]
    assert any(r.status in ("FAIL", "error") for r in results), f"{cid}: '{what}' not caught by finite differences"


# ----------------------------------------------------------------------- torch.autograd.gradcheck
def test_gradcheck_reference_network():
    """autograd of ReferenceNetwork (every activation, every output loss) against PyTorch's own
    finite differences, with respect to X and every W[l], b[l] (float64, away from kinks)."""
    for shape in (MODEL_SHAPES[0], MODEL_SHAPES[1], MODEL_SHAPES[2]):
        case = draw_model(np.random.default_rng(0), shape, np.float64)
        acts = case["activations"]
        net = ReferenceNetwork(case["parameters"], acts, "cpu", torch.float64)
        names = [n for n, _ in net.named_parameters()]
        loss = torch_output_loss(acts[-1])
        X = torch.tensor(case["X"].T, requires_grad=True)
        Y = torch.tensor(case["Y"].T)

        def J(X, *params, net=net, names=names, loss=loss, Y=Y):
            Zs, _As = torch.func.functional_call(net, dict(zip(names, params, strict=True)), (X,))
            return loss(Zs[-1], Y)

        params = [p.detach().clone().requires_grad_(True) for p in net.parameters()]
        assert torch.autograd.gradcheck(J, (X, *params))


@pytest.mark.parametrize("name", [a.name for a in ACTIVATIONS])
def test_gradcheck_activation_modules(name):
    rng = np.random.default_rng(1)
    Z = torch.tensor(rng.uniform(0.05, 3.0, (7, 4)) * rng.choice([-1.0, 1.0], (7, 4)), requires_grad=True)
    assert torch.autograd.gradcheck(torch_activation(name), (Z,))


@pytest.mark.parametrize("output", [loss.output for loss in LOSSES])
def test_gradcheck_losses(output):
    rng = np.random.default_rng(2)
    Z = torch.tensor(rng.standard_normal((9, 3 if output != "sigmoid" else 1)), requires_grad=True)
    if output == "sigmoid":
        Y = torch.tensor((np.arange(9) % 2).reshape(9, 1), dtype=torch.float64)
    elif output == "softmax":
        Y = torch.nn.functional.one_hot(torch.tensor(np.arange(9) % 3), 3).to(torch.float64)
    else:
        Y = torch.tensor(rng.standard_normal((9, 3)))
    assert torch.autograd.gradcheck(lambda z: torch_output_loss(output)(z, Y), (Z,))
    if output == "sigmoid":  # BCELoss on probabilities away from 0 and 1
        A = torch.tensor(rng.uniform(0.05, 0.95, (9, 1)), requires_grad=True)
        assert torch.autograd.gradcheck(lambda a: nn.BCELoss()(a, Y), (A,))
