"""Input checks shared by every public function of :mod:`scratch_nn`.

Every check raises *before* any arithmetic, so a rejected call changes nothing.
The rules (see README, "Bad input"):

* arrays are ``numpy.ndarray`` of dtype float32 or float64 (no lists, no integer
  or bool arrays: integer arithmetic would silently truncate, and a silent upcast
  would hide a dtype bug). The one exception is the activation functions g and
  g', which take the course's ``sigmoid(np.array([0, 2]))`` and ``sigmoid(1)``:
  integers, Python numbers and lists become float64 there, explicitly
  (:func:`scratch_nn.activations.as_operand`);
* every array of one call has the same dtype;
* shapes are checked explicitly, so NumPy broadcasting can never turn a wrong
  shape into a wrong answer (``b`` of shape ``(n,)`` or ``(1, n)`` is an error,
  not a broadcast);
* the layer, cost and model functions reject NaN and inf in their inputs (a
  non-finite value arriving there means something upstream already failed);
  the element-wise activations follow IEEE arithmetic like PyTorch does
  (NaN in, NaN out; ``sigmoid(-inf) = 0``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

#: what every ``rng`` argument takes: a Generator, or the course's legacy RandomState
RNG = np.random.Generator | np.random.RandomState


def check_rng(rng: object, needed_by: str) -> RNG:
    """Return ``rng`` if it is a ``numpy.random.Generator`` or a legacy
    ``numpy.random.RandomState``; else raise TypeError saying what needed it.

    Never the global state: ``np.random.seed(1)`` then ``rng=None`` is an error, and
    ``np.random.RandomState(1)`` is the object that replays the course's seeded stream.
    """
    if not isinstance(rng, (np.random.Generator, np.random.RandomState)):
        raise TypeError(
            f"{needed_by} needs rng, a numpy.random.Generator (e.g. np.random.default_rng(1)) or a legacy "
            f"numpy.random.RandomState (np.random.RandomState(1): the course's np.random.seed(1) stream); "
            f"got {type(rng).__name__}. scratch_nn never uses NumPy's global random state"
        )
    return rng


def standard_normal(rng: RNG, shape: tuple[int, ...]) -> np.ndarray:
    """N(0, 1) draws of ``shape`` (float64): ``rng.randn(*shape)`` for a RandomState, exactly the
    course's ``np.random.randn(n, m)``; ``rng.standard_normal(shape)`` for a Generator."""
    if isinstance(rng, np.random.RandomState):
        return rng.randn(*shape)
    return rng.standard_normal(shape)


def uniform(rng: RNG, shape: tuple[int, ...]) -> np.ndarray:
    """Uniform[0, 1) draws of ``shape`` (float64): ``rng.rand(*shape)`` for a RandomState, exactly the
    course's ``np.random.rand(n, m)``; ``rng.random(shape)`` for a Generator."""
    if isinstance(rng, np.random.RandomState):
        return rng.rand(*shape)
    return rng.random(shape)


def check_plain_array(name: str, x: np.ndarray) -> None:
    """Raise TypeError if ``x`` is an ndarray *subclass* (``np.matrix``, a masked array, ...).

    Their operators mean something else (``*`` is a matrix product for ``np.matrix``; a masked
    array's reductions skip the masked entries), so the course's equations would be silently
    wrong on them. Convert explicitly with ``np.asarray(x)`` (which drops a mask).
    """
    if type(x) is not np.ndarray:
        raise TypeError(
            f"{name} is a {type(x).__module__}.{type(x).__name__}, an ndarray subclass whose operators differ "
            f"(np.matrix: * is a matrix product; masked arrays skip masked entries); "
            f"pass a plain numpy.ndarray, e.g. np.asarray({name})"
        )


def as_real(name: str, x: object, what: str = "") -> float:
    """A real number as a Python float: a Python int/float, a NumPy integer/floating scalar or a 0-d
    integer/float array (plain ndarray); TypeError for anything else, ``bool`` (and a 0-d bool array)
    included. NaN and inf pass here: :func:`check_real` and each caller's range check decide."""
    if isinstance(x, np.ndarray) and x.ndim == 0 and type(x) is np.ndarray and x.dtype.kind in "iuf":
        x = x[()]
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer, np.floating)):
        why = f" ({what})" if what else ""
        raise TypeError(f"{name} must be a real number{why}, got {type(x).__name__} {x!r}")
    return float(x)


def check_real(
    name: str,
    x: object,
    *,
    positive: bool = False,
    what: str = "",
) -> float:
    """Return a hyperparameter as a Python float, or raise.

    TypeError unless ``x`` is a real number (Python int/float, NumPy integer/floating scalar, or a
    0-d float/integer array); ``bool`` is not a number here. ValueError if it is NaN or infinite, or
    not ``> 0`` (``positive``); each caller checks any other range itself. A Python float, because
    under NumPy 2 (NEP 50) ``float32_array * np.float64(0.1)`` is float64, while ``* 0.1`` stays float32.
    """
    why = f" ({what})" if what else ""
    value = as_real(name, x, what)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number{why}, got {value}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0{why}, got {value}")
    return value


def check_count(name: str, n: object, minimum: int, what: str = "") -> int:
    """Return a count (a layer width, an iteration count, m, ...) as a Python int, or raise.

    TypeError unless ``n`` is a Python or NumPy integer (``bool`` is not a count, nor is ``3.0``);
    ValueError if it is below ``minimum``.
    """
    why = f" ({what})" if what else ""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {minimum}{why}, got {type(n).__name__} {n!r}")
    if n < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}{why}, got {n}")
    return int(n)


def check_float_dtype(name: str, dtype: object) -> np.dtype:
    """Return ``dtype`` as ``np.dtype(float32)`` or ``np.dtype(float64)``; TypeError for anything else
    (an integer or bool dtype, float16, an unknown name; ``None``, which NumPy would read as float64)."""
    try:
        resolved = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        resolved = None
    if resolved is None or resolved not in FLOAT_DTYPES:  # (np.dtype == None compares None as float64)
        raise TypeError(f"{name} must be float32 or float64 (np.float32, np.float64), got {dtype!r}")
    return resolved


def check_array(name: str, x: object, ndim: int = 2, finite: bool = False) -> np.ndarray:
    """Return ``x`` unchanged if it is a float32/float64 ndarray of ``ndim`` dims (not a subclass)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray of float32 or float64, got {type(x).__name__}")
    check_plain_array(name, x)
    if x.dtype not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} has dtype {x.dtype}; expected float32 or float64 "
            f"(convert explicitly, e.g. {name}.astype(np.float64))"
        )
    if x.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {x.shape}")
    if finite:
        check_finite(name, x)
    return x


def check_finite(name: str, x: np.ndarray) -> None:
    """Raise ValueError naming the first NaN/inf entry of ``x``.

    One reduction, no boolean temporary, in the common (finite) case: the sum of the entries
    (:func:`_total`). A sum propagates every non-finite entry (NaN + anything is NaN, inf + -inf is
    NaN, inf + finite is inf), so a finite sum proves every entry finite: no false negative. A
    non-finite sum can also come from finite entries that overflow when added (float32
    ``3e38 + 3e38``), so it only triggers the exact element-wise scan, which decides, and names the
    first bad index. (``np.isfinite(x).all()`` would allocate a boolean array of x's size on every
    call; ``x.min()`` and ``x.max()`` are two passes.)
    """
    with np.errstate(all="ignore"):  # overflow, inf - inf, or a BLAS's spurious flag: not the caller's business
        total = _total(x)
    if np.isfinite(total):
        return
    bad = ~np.isfinite(x)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (NaN or inf), first at index {first}: {x[first]}"
        )


#: a 2-D array with at least this many entries (and columns) is summed by the BLAS, see :func:`_total`
BLAS_SUM_MIN_SIZE, BLAS_SUM_MIN_COLUMNS = 16384, 16


def _total(x: np.ndarray) -> np.floating:
    """The sum of all the entries of ``x``, for :func:`check_finite` only.

    A large 2-D array (n, m) is summed as ``sum(x @ ones(m))``: the matrix-vector product runs in the
    BLAS on all its threads, 2-3x faster here than NumPy's one-thread ``np.add.reduce`` (measured with
    OpenBLAS 0.3.31 on 2 cores: 0.30 ms against 0.68 ms for float32 (784, 4096)). It proves finiteness
    just as well: every entry is multiplied by 1 (exactly, and never skipped, as a BLAS may skip a zero
    of the vector) and added into its row's sum, so a NaN or inf in any entry reaches the total.
    """
    if x.ndim == 2 and x.size >= BLAS_SUM_MIN_SIZE and x.shape[1] >= BLAS_SUM_MIN_COLUMNS:
        return np.add.reduce(x @ np.ones(x.shape[1], dtype=x.dtype))
    return np.add.reduce(x, axis=None)


def check_same_dtype(**arrays: np.ndarray) -> np.dtype:
    """All arrays must share one float dtype; return it."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listing = ", ".join(f"{n} is {d}" for n, d in dtypes.items())
        raise TypeError(f"mixed dtypes ({listing}); cast explicitly to one of float32/float64")
    return next(iter(dtypes.values()))


def check_shape(name: str, x: np.ndarray, expected: tuple[int, ...], why: str = "") -> None:
    """Raise ValueError if ``x.shape`` differs from ``expected``."""
    if x.shape != tuple(expected):
        hint = f" ({why})" if why else ""
        raise ValueError(f"{name} has shape {x.shape}, expected {tuple(expected)}{hint}")


def check_examples(name: str, x: np.ndarray) -> int:
    """Return m, the number of columns (examples), which must be at least 1."""
    m = x.shape[1]
    if m == 0:
        raise ValueError(f"{name} has m = 0 examples (shape {x.shape}); need at least one column")
    return m


def check_labels(name: str, Y: object, like: np.ndarray, values: str, like_name: str = "AL") -> np.ndarray:
    """Validate labels Y against predictions ``like`` (same shape) and return them as
    ``like.dtype``.

    Labels may be bool, integer or float of ``like``'s dtype: they are data, not
    operands, so an integer label array is converted explicitly here. A float array
    of the *other* precision is a TypeError (that would be a silent up/down-cast).
    """
    if not isinstance(Y, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(Y).__name__}")
    check_plain_array(name, Y)
    if Y.shape != like.shape:
        raise ValueError(
            f"{name} has shape {Y.shape} but {like_name} has {like.shape}: labels must have the predictions' shape"
        )
    if Y.dtype.kind == "f" and Y.dtype != like.dtype:
        raise TypeError(f"{name} is {Y.dtype} but {like_name} is {like.dtype}: cast one of them explicitly")
    if Y.dtype.kind not in "biuf":
        raise TypeError(f"{name} has dtype {Y.dtype}; expected bool, integer or float labels")
    check_finite(name, Y.astype(like.dtype, copy=False))
    if values == "binary" and not np.isin(Y, (0, 1)).all():
        bad = Y[~np.isin(Y, (0, 1))]
        raise ValueError(f"{name} must contain only 0 and 1 (binary labels); found {bad[0]}")
    if values == "unit" and ((Y < 0).any() or (Y > 1).any()):
        raise ValueError(f"{name} must lie in [0, 1] (one-hot or probability columns)")
    return Y.astype(like.dtype, copy=False)


def check_probabilities(name: str, A: np.ndarray) -> None:
    """Raise ValueError unless every entry of A lies in [0, 1]."""
    if (A < 0).any() or (A > 1).any():
        lo, hi = float(A.min()), float(A.max())
        raise ValueError(f"{name} must be probabilities in [0, 1]; got values in [{lo}, {hi}]")


def check_parameters(parameters: Mapping[str, np.ndarray]) -> int:
    """Check the course's dict ``W1, b1, ..., WL, bL`` and return L.

    Every ``W[l]`` must be ``(n[l], n[l-1])`` with ``n[l-1]`` the row count of
    ``W[l-1]``, every ``b[l]`` ``(n[l], 1)``, all of one dtype, all finite.
    """
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a dict W1, b1, ..., got {type(parameters).__name__}")
    bad_keys = [k for k in parameters if not isinstance(k, str)]
    if bad_keys:
        raise TypeError(
            f"parameters keys must be the strings W1, b1, ..., WL, bL; got {type(bad_keys[0]).__name__} key "
            f"{bad_keys[0]!r}"
        )
    L = sum(1 for k in parameters if k.startswith("W"))
    expected = {f"{p}{l}" for l in range(1, L + 1) for p in "Wb"}
    if L == 0 or set(parameters) != expected:
        raise ValueError(f"parameters must have keys W1, b1, ..., WL, bL; got {sorted(parameters)}")
    for l in range(1, L + 1):
        W = check_array(f"W{l}", parameters[f"W{l}"], finite=True)
        b = check_array(f"b{l}", parameters[f"b{l}"], finite=True)
        if W.size == 0:
            raise ValueError(f"W{l} has shape {W.shape}: every layer has at least one unit and one input")
        if b.shape != (W.shape[0], 1):
            raise ValueError(
                f"b{l} has shape {b.shape} but W{l} is {W.shape}: b{l} is a column (n[{l}], 1) = ({W.shape[0]}, 1)"
            )
        if l > 1:
            n_prev = parameters[f"W{l - 1}"].shape[0]
            if W.shape[1] != n_prev:
                raise ValueError(
                    f"W{l} has shape {W.shape} but W{l - 1} has {n_prev} rows: "
                    f"W{l} must be (n[{l}], n[{l - 1}]) = ({W.shape[0]}, {n_prev})"
                )
    check_same_dtype(**parameters)
    return L
