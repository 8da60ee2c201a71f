"""Recognizing the classic mistakes from the shape of a wrong answer.

When a comparison fails, :func:`diagnose` tries each known mistake signature: a
wrong shape that a known slip produces (``(n,)`` for ``(n, 1)``: ``np.sum``
without ``keepdims``), or a value equal to the right one transformed by a known
slip (times m: the 1/m was dropped). A signature is reported only when it matches
*within the tolerance* of the comparison (the same derived rounding bound, scaled
by the transformation); otherwise nothing is said and the failure report names
the worst element only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np

from .ops import ACTIVATIONS, sigmoid64, torch_activation
from .tolerance import tolerance

Candidate = tuple[np.ndarray, np.ndarray | float, str]  # value, bound (units of u), cause


def _m(case: Mapping[str, Any]) -> int | None:
    for key in ("X", "A_prev", "AL", "Z", "dZ"):
        value = case.get(key)
        if isinstance(value, np.ndarray) and value.ndim == 2:
            return value.shape[1]
    return None


def _layer(name: str) -> tuple[str, int] | None:
    match = re.fullmatch(r"(d?[A-Za-z]+?)(\d+)", name)
    return (match.group(1), int(match.group(2))) if match else None


def shape_diagnosis(
    name: str, actual: Any, expected: np.ndarray, scalar: bool, others: Mapping[str, Any] | None = None
) -> str | None:
    """The mistakes that show in the shape alone."""
    if actual is None:
        return f"{name} is None: the function has no return statement for it (or prints it instead)"
    if not scalar and np.ndim(actual) == 0 and isinstance(actual, (float, np.floating)) and expected.ndim == 2:
        if name.startswith("db"):
            return (f"{name} is one number: np.sum(dZ) without axis=1 sums over every axis; "
                    f"use np.sum(dZ, axis=1, keepdims=True) for shape {expected.shape}")  # fmt: skip
        return f"{name} is one number where an array of shape {expected.shape} belongs (a sum over every axis?)"
    if scalar and isinstance(actual, tuple):
        return f"{name} is a tuple {actual!r}: np.shape(cost) where np.squeeze(cost) (or float(cost)) belongs"
    shape = getattr(actual, "shape", None)
    if shape is None or (shape == expected.shape and not scalar):
        return None
    if scalar:
        if shape == (1, 1):
            return f"{name} is a (1, 1) array, not a number: return float(np.squeeze(cost)) (or cost.item())"
        return None
    if expected.ndim == 2 and expected.shape[1] == 1 and expected.shape[0] > 1:
        if shape == (expected.shape[0],):
            return f"{name} has shape {shape}, not a column {expected.shape}: np.sum(..., axis=1) without keepdims=True"
        if len(shape) == 2 and shape[0] == 1 and name.lstrip("d").startswith("b"):
            return f"{name} has shape {shape}: summed over the wrong axis (axis=0 sums over units; use axis=1)"
    if len(shape) == 2 and shape == expected.shape[::-1]:
        return (
            f"{name} is transposed ({shape} instead of {expected.shape}): examples are columns (n, m); "
            f"in a product, check its order (dZ A_prev^T, W^T dZ)"
        )
    layer = _layer(name)
    if layer and layer[0] == "dW" and len(shape) == 2 and shape == (expected.shape[0], expected.shape[0]):
        return f"{name} has shape {shape}: A[l] used instead of A[l-1] in dW[l] = (1/m) dZ[l] A[l-1]^T (ERR-DWL)"
    for other, ref in (others or {}).items():
        other_layer = _layer(other)
        if layer and other_layer and other_layer[0] == layer[0] and np.shape(ref.value) == shape:
            return f"{name} has the shape of {other}: a loop that repeats or skips a layer (off by one)"
    if len(shape) == 2 and expected.ndim == 2 and shape == (expected.shape[0], 1) and expected.shape[1] > 1:
        return (
            f"{name} has shape (n, 1) = {shape}: one value per unit shared by all m examples; "
            f"it must have the full shape {expected.shape} (e.g. a dropout mask drawn with A's shape)"
        )
    return None


def _init_candidates(
    name: str, expected: np.ndarray, bound: np.ndarray | float, case: Mapping[str, Any]
) -> Iterator[Candidate]:
    """Wrong distributions of W[l]: the registry compares the std each W[l] was drawn with
    (``std of W1``) or, where draws cannot be replayed, the sample mean and std."""
    layer = _layer(name.split(" of ")[-1])
    dims = case.get("layer_dims")
    if not (layer and dims):
        return
    n_in, n_out = dims[layer[1] - 1], dims[layer[1]]
    scale = float(np.max(np.abs(bound))) / max(float(np.max(np.abs(expected))), 1e-300)
    if name.startswith("mean of"):  # uniform rand() * 0.01 has mean 0.005
        yield np.full_like(expected, 0.005), np.abs(bound), "uniform rand() * 0.01: mean 0.005, not 0 (use randn)"
        return
    uniform = (0.01 / np.sqrt(12), "uniform rand() * 0.01 (ERR-RAND-UNIFORM): std 0.01/sqrt(12); use randn")
    for std, cause in [
        uniform,
        (np.sqrt(2 / n_out), "fan_out = n[l] used where fan_in = n[l-1] belongs (W[l] is (n[l], n[l-1]))"),
        (np.sqrt(1 / n_in), "std sqrt(1/n[l-1]) (LeCun's, or 'Xavier' as some notes write it)"),
        (np.sqrt(2 / (n_in + n_out)), "Xavier's std sqrt(2/(n_in + n_out)) used"),
        (np.sqrt(2 / n_in), "He's std sqrt(2/n_in) used"),
        (1.0, "the std was never applied: randn(...) without the scale factor"),
        (0.01, "the notes' 0.01 used instead of the method's std"),
    ]:
        yield np.full_like(expected, std), max(6 * std, scale * std), cause


def _other_activations(name: str, Z: np.ndarray, expected: np.ndarray) -> Iterator[Candidate]:
    """FWD-L: A[l] is another activation of Z[l] (every described one, ``ops.ACTIVATIONS``)."""
    import torch

    from .layout import from_rows, to_rows

    for act in ACTIVATIONS:
        with torch.no_grad():
            value = from_rows(torch_activation(act.name)(to_rows(Z, "cpu", torch.float64)))
        yield value, 32 * np.abs(value) + 1, f"layer {name[1:]} applies {act.name} instead of its own g[{name[1:]}]"


def _mistaken_activations(Z: np.ndarray, dA: np.ndarray | None = None) -> Iterator[Candidate]:
    """The described mistakes of every activation (``ops.Mistake`` with a ``cause``): of g when ``dA`` is
    None, else of the backward ``dZ = dA * g'(Z)``; a column-wise g's only when Z has several rows."""
    Z64 = Z.astype(np.float64)
    for act in ACTIVATIONS:
        if act.column_wise and Z.shape[0] < 2:
            continue
        for mistake in act.mistakes:
            if not mistake.cause or mistake.function != (act.name if dA is None else act.backward):
                continue
            value = np.asarray(mistake.wrong(Z64) if dA is None else mistake.wrong(dA.astype(np.float64), Z64))
            yield value, mistake.bound(value, Z), mistake.cause


def _l2_candidates(
    name: str, expected: np.ndarray, bound: np.ndarray | float, case: Mapping[str, Any]
) -> Iterator[Candidate]:
    """The L2 term with the wrong factor: λ/m in the cost or λ/(2m) in the gradient (the 2 of
    d(W²)/dW = 2W), the term missing, or biases penalized too."""
    lambd, params, m = case.get("lambd"), case.get("parameters"), _m(case)
    if not (isinstance(lambd, float) and isinstance(params, Mapping) and m):
        return
    weights = [np.asarray(params[f"W{l}"], np.float64) for l in range(1, len(params) // 2 + 1)]
    if name == "J":
        penalty = lambd / (2 * m) * sum(float(np.sum(W**2)) for W in weights)
        biases = lambd / (2 * m) * sum(float(np.sum(np.asarray(params[f"b{l}"], np.float64) ** 2))
                                       for l in range(1, len(weights) + 1))  # fmt: skip
        slack = np.abs(bound) + 4 * penalty
        yield expected + penalty, slack, "the L2 term is λ/m Σ‖W‖²: λ/(2m) belongs in the cost (the 2 cancels in dW)"
        yield expected - penalty / 2, slack, "the L2 term is λ/(4m) Σ‖W‖²: it is λ/(2m) in the cost"
        yield expected - penalty, slack, "the L2 term λ/(2m) Σ‖W[l]‖² is missing from the cost"
        yield expected + biases, slack + 4 * biases, "the biases are penalized too: L2 sums the weights W[l] only"
        return
    layer = _layer(name)
    if layer and layer[0] == "dW" and layer[1] <= len(weights):
        term = lambd / m * weights[layer[1] - 1]
        if term.shape == expected.shape:
            slack = np.abs(bound) + 4 * np.abs(term)
            yield expected - term / 2, slack, "the L2 gradient is (λ/(2m)) W: it is (λ/m) W (the 2 of d(W²)/dW)"
            yield expected + term, slack, "the L2 gradient is (2λ/m) W: it is (λ/m) W"
            yield expected - term, slack, "the L2 gradient term (λ/m) W[l] is missing from dW[l]"


#: the epsilons students add inside the log of a cost
LOG_EPSILONS = (1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10, 1e-11, 1e-12, 1e-15)


def _epsilon_candidates(
    name: str, expected: np.ndarray, bound: np.ndarray | float, case: Mapping[str, Any]
) -> Iterator[Candidate]:
    """A binary cross-entropy computed as -mean(y log(a + ε) + (1 - y) log(1 - a + ε))."""
    if name not in ("J", "cost") or expected.shape != ():
        return
    Y = case.get("Y")
    A = next((case[k] for k in ("AL", "A", "A2", "A3") if isinstance(case.get(k), np.ndarray)), None)
    w, X, b = case.get("w"), case.get("X"), case.get("b")
    if A is None and isinstance(w, np.ndarray) and isinstance(X, np.ndarray):  # propagate(w, b, X, Y)
        A = sigmoid64(w.T.astype(np.float64) @ X + float(b))
    if not (isinstance(Y, np.ndarray) and isinstance(A, np.ndarray) and A.shape == Y.shape and A.shape[0] == 1):
        return
    A64, Y64 = np.asarray(A, np.float64), np.asarray(Y, np.float64)
    penalty = float(expected) - float(-np.mean(Y64 * np.log(A64) + (1 - Y64) * np.log(1 - A64)))
    for eps in LOG_EPSILONS:
        for where, J in (
            ("log(A + ε) and log(1 - A + ε)", -np.mean(Y64 * np.log(A64 + eps) + (1 - Y64) * np.log(1 - A64 + eps))),
            ("log(A + ε)", -np.mean(Y64 * np.log(A64 + eps) + (1 - Y64) * np.log(1 - A64))),
        ):
            value = np.asarray(J + penalty)
            yield (
                value,
                np.abs(bound) + 8 * np.abs(value),
                (
                    f"an epsilon inside the log: {where} with ε = {eps:g} (the cost the course asks for has none; "
                    "it shifts J by about ε/A)"
                ),
            )


def _value_candidates(
    name: str, expected: np.ndarray, bound: np.ndarray | float, case: Mapping[str, Any], others: Mapping[str, Any]
) -> Iterator[Candidate]:
    if " of W" in name:
        yield from _init_candidates(name, expected, bound, case)
        return
    A_prev, W, b = case.get("A_prev"), case.get("W"), case.get("b")
    if name in ("Z", "cache Z") and all(isinstance(x, np.ndarray) for x in (A_prev, W, b)):
        WA = W.astype(np.float64) @ A_prev
        if WA.shape == expected.shape:
            yield WA, 2 * np.abs(W) @ np.abs(A_prev) * A_prev.shape[0], "the bias b[l] is not added"
    Z = case.get("Z")
    if name == "A" and isinstance(Z, np.ndarray) and Z.shape == expected.shape:
        yield from _mistaken_activations(Z)
    if name == "J" and isinstance(case.get("Y"), np.ndarray) and case["Y"].shape[0] > 1:
        n = case["Y"].shape[0]
        yield (
            expected / n,
            np.abs(bound) / n,
            "divided by the number of classes too: J = -(1/m) sum_i sum_k, not a mean",
        )
    yield from _l2_candidates(name, expected, bound, case)
    yield from _epsilon_candidates(name, expected, bound, case)
    params, grads = case.get("parameters"), case.get("grads")
    if isinstance(grads, Mapping) and isinstance(params, Mapping) and name in params:  # GD-UPDATE
        P = params[name].astype(np.float64)
        yield 2 * P - expected, 4 * np.abs(P) + 2 * np.abs(expected), "moved up the gradient: P + α dP, not P - α dP"
    w, X = case.get("w"), case.get("X")
    if name == "A" and isinstance(w, np.ndarray) and isinstance(X, np.ndarray):  # logistic regression
        z = w.T.astype(np.float64) @ X
        yield sigmoid64(z), 16 + 2 * X.shape[0] * np.ones_like(z), "the bias b is not added to w^T X"
    layer = _layer(name)
    if layer and layer[0] == "A" and f"Z{layer[1]}" in others:  # FWD-L: another g[l] applied
        yield from _other_activations(name, np.asarray(others[f"Z{layer[1]}"].value), expected)
    m = _m(case)
    if m and m > 1:
        yield expected * m, np.abs(bound) * m, "off by a factor m: the 1/m is missing"
        yield expected / m, np.abs(bound) / m, "off by a factor 1/m: an extra 1/m (only dW and db carry it)"
    if m and isinstance(A_prev, np.ndarray) and A_prev.shape[0] != m and name == "dW":
        n = A_prev.shape[0]
        yield expected * m / n, np.abs(bound) * m / n, "1/n (n = number of features) where 1/m belongs (ERR-ONE-OVER-N)"
    yield -expected, bound, "wrong sign (e.g. Y - A instead of A - Y, or the minus of the cost dropped)"
    l2 = isinstance(case.get("lambd"), float)
    yield (
        2 * expected,
        2 * np.abs(bound),
        "off by a factor 2 (too large" + ("; e.g. λ/m where λ/(2m) belongs)" if l2 else ")"),
    )
    yield (
        expected / 2,
        np.abs(bound) / 2,
        "off by a factor 1/2 (too small" + ("; e.g. the 2 of d(W²)/dW = 2W dropped)" if l2 else ")"),
    )
    for k in (3, 4, 8, 10):
        yield k * expected, k * np.abs(bound), f"off by a factor {k}: a stray constant ({k}./m where 1./m belongs?)"
    keep_prob = case.get("keep_prob")
    if isinstance(keep_prob, float) and 0 < keep_prob < 1:
        yield expected * keep_prob, bound, "a factor keep_prob: the 1/keep_prob of inverted dropout is missing"
        yield expected / keep_prob, bound, "a factor 1/keep_prob too many: the dropout scale is applied twice"
    if expected.ndim == 2 and expected.shape[0] == expected.shape[1] > 1:
        yield expected.T, bound, "transposed (hidden by a square shape)"
    Z, dA = case.get("Z"), case.get("dA")
    if name in ("dZ", "dAL") and isinstance(Z, np.ndarray) and isinstance(dA, np.ndarray) and Z.shape == expected.shape:
        yield from _mistaken_activations(Z, dA)
    for other, ref in others.items():  # holds another quantity's value (e.g. the cache keeps A, not Z)
        if other != name and np.shape(ref.value) == expected.shape and _layer(other) is None:
            yield np.asarray(ref.value), ref.bound, f"{name} holds the value of {other}"
    layer = _layer(name)
    if layer:
        for other, ref in others.items():
            other_layer = _layer(other)
            if other_layer and other_layer[0] == layer[0] and other_layer[1] != layer[1]:
                if np.shape(ref.value) == expected.shape:
                    yield (
                        np.asarray(ref.value),
                        ref.bound,
                        f"equals {other}: a loop that repeats or skips a layer (off by one)",
                    )


def diagnose(
    name: str,
    actual: Any,
    expected: np.ndarray,
    bound: np.ndarray | float,
    dtype: Any,
    case: Mapping[str, Any],
    others: Mapping[str, Any] | None = None,
    scalar: bool = False,
) -> str | None:
    """One line naming the likely mistake behind a failed comparison, or None."""
    expected = np.asarray(expected, dtype=np.float64)
    found = shape_diagnosis(name, actual, expected, scalar, others)
    if found or (not hasattr(actual, "shape") and not isinstance(actual, (float, np.floating))):
        return found
    actual64 = np.asarray(actual, dtype=np.float64)
    if actual64.shape != expected.shape:
        return None
    if not np.isfinite(actual64).all():
        return f"{name} has NaN or inf: a log of 0, a division by 0 or an overflow (exp of a large z)"
    # evidence: a signature must explain at least two wrong elements (one for a scalar), so
    # that a coincidence in a 1-element case is not reported as a cause
    needed = 1 if scalar else 2
    wrong = actual64 != expected
    for value, cand_bound, cause in _value_candidates(name, expected, bound, case, others or {}):
        if value.shape != actual64.shape or (wrong & (value != expected)).sum() < needed:
            continue
        if (np.abs(actual64 - value) <= tolerance(dtype, cand_bound, value)).all():
            return cause
    if (actual64 == 0).all() and (wrong & (expected != 0)).sum() >= needed:
        return f"{name} is all zeros: never computed or overwritten (a loop that skips this layer?)"
    return None


#: for callers that want to list the signatures (docs, tests)
SIGNATURES: list[str] = [
    "np.sum without keepdims", "wrong sum axis", "transposed", "A[l] instead of A[l-1] (ERR-DWL)",
    "cost as a (1, 1) array", "missing 1/m", "extra 1/m", "wrong sign", "factor 2", "dropout scale",
    "sigmoid'/tanh' from Z", "ReLU mask from dA", "all zeros", "another layer's value", "NaN/inf",
]  # fmt: skip


#: mistakes that show in the source line itself, for a row that errors (the exception is raised later,
#: where the wrong value is used, so the line it names is not the one to fix)
SOURCE_SIGNATURES: list[tuple[str, str]] = [
    (r"^\s*L\s*=\s*\w+\.shape\[1\]",
     "L = AL.shape[1] is the number of examples m, not of layers: L = len(caches) (or len(parameters) // 2)"),
    (r"^\s*m\s*=\s*\w+\.shape\[0\]",
     "m = X.shape[0] is the number of features: the examples are the columns, m = X.shape[1]"),
    (r"=\s*np\.shape\(cost\)", "cost = np.shape(cost) where cost = np.squeeze(cost) belongs"),
    (r"np\.squeeze\(\s*(1\s*/\s*m\s*\*\s*)?np\.sum\(.*keepdims\s*=\s*True",
     "np.squeeze of a keepdims=True sum drops the column axis: db must stay (n, 1)"),
]  # fmt: skip


def source_diagnosis(functions: Iterable[Any]) -> str:
    """The first :data:`SOURCE_SIGNATURES` match in the source of ``functions``, or ""."""
    from .loader import source_of

    for func in functions:
        try:
            lines = source_of(func).splitlines()
        except (OSError, TypeError):
            continue
        for line in lines:
            code = line.split("#", 1)[0]
            for pattern, cause in SOURCE_SIGNATURES:
                if re.search(pattern, code):
                    return f"{cause} (in {func.__name__}: {code.strip()})"
    return ""


_WRITE = re.compile(r"^(?P<func>\w+): writes into the caller's (?P<arg>\w+)")
_ALIAS = re.compile(r"^(?P<func>\w+): (?P<out>\S+) (is|is a view of) the caller's (?P<arg>\w+)")


def write_diagnosis(impl: Any, write: str) -> str:
    """Why a function wrote into (or returned without a copy) the caller's argument, read off its
    source: ``dZ = dA`` then ``dZ[Z <= 0] = 0``, ``W -= ...``, ``dZ /= m``. ``write`` is a line of
    :meth:`torch_reference.sandbox.Sandbox.take_writes`; "" if the source shows nothing."""

    match = _WRITE.match(write) or _ALIAS.match(write)
    module = getattr(impl, "_module", None)
    func = getattr(module, match["func"], None) if match else None
    if func is None:
        return ""
    # its own source first, then the functions it calls (linear_activation_backward's relu_backward)
    called = [getattr(module, n, None) for n in getattr(getattr(func, "__code__", None), "co_names", ())]
    for candidate in [func, *(f for f in called if callable(f) and f is not func)]:
        cause = _write_cause(candidate, match["arg"], bool(_ALIAS.match(write)))
        if cause:
            return cause if candidate is func else f"{cause} (in {getattr(candidate, '__name__', '?')})"
    return ""


def _write_cause(func: Any, arg: str, alias: bool) -> str:
    from .loader import source_of

    try:
        lines = [line.split("#", 1)[0].rstrip() for line in source_of(func).splitlines()]
    except (OSError, TypeError):
        return ""
    # second names for the argument or for an array in it: dZ = dA, W1 = parameters["W1"] (or .get)
    names = {arg: ""}
    for line in lines:
        alt = "|".join(map(re.escape, sorted(names)))
        found = re.match(rf"^\s*(\w+)\s*=\s*({alt})\s*(\[[^\]]*\]|\.get\([^)]*\))?\s*$", line)
        if found and found[1] not in names:
            names[found[1]] = line.strip()
    alt = "|".join(map(re.escape, sorted(names)))
    inplace = re.compile(rf"^\s*(?P<name>{alt})\s*(?:(?P<sub>\[.*\])\s*(?P<op1>[-+*/]|//)?=|(?P<op>[-+*/]|//)=)(?!=)")
    for line in lines:
        hit = inplace.match(line)
        if not hit:
            continue
        name, code = hit["name"], line.strip()
        op = hit["op"] or hit["op1"]
        if op:
            lhs, rhs = (part.strip() for part in code.split(f"{op}=", 1))
            fix = f"write {lhs} = {lhs} {op} {rhs}"
        else:
            fix = f"use {name} = np.array({names[name].split('=', 1)[1].strip() if names[name] else arg}, copy=True)"
        if name != arg:
            return (f"`{names[name]}` makes {name} another name for the caller's array, so `{code}` modifies "
                    f"{arg}; {fix}")
        rebinds = " (a new array: the course's update rebinds the dict's entries this way)"
        rebinds = rebinds if op and "[" in code else ""
        return f"`{code}` changes the caller's {arg} in place; {fix}{rebinds}"
    if alias:
        return f"it returns {arg} itself (or a view of it): return a new array (np.array({arg}, copy=True))"
    return ""
