"""A forward pass on finite, checked arrays that still overflows to NaN (inf - inf in a product) stops with the
error the cost would give, naming A[L], in every function that computes its own forward pass before a
cost: the course's ``propagate``, ``gradient_check`` (its own backprop, and each perturbed cost ``J(θ ± ε)``
when the gradients are given). Also two edges that mutmut found untested: the BN initializer's default
method and dropout masks of one unit or one example."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import scratch_nn as nn_

AL_NAMED = r"^AL contains 1 non-finite value\(s\) \(NaN or inf\), first at index \(0, 4\)"
#: the module, not the function that scratch_nn re-exports under the same name
gradient_check = importlib.import_module("scratch_nn.gradient_check")


def _nan_in_the_output(forward):
    """``forward`` with one entry of its output made NaN: what an overflow to inf - inf inside the products
    gives (whether finite inputs reach it depends on the BLAS's order of summation, so it is planted)."""

    def planted(*args, **kwargs):
        out = forward(*args, **kwargs)
        AL = out[0] if isinstance(out, tuple) else out
        AL[0, -1] = np.nan
        return out

    return planted


def _network() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    P = nn_.initialize_parameters([3, 4, 1], "xavier", rng)
    P["b1"] = rng.normal(size=(4, 1))
    return rng.normal(size=(3, 5)), np.array([[1.0, 0.0, 1.0, 1.0, 0.0]]), P


def test_propagate_names_AL_when_the_forward_overflowed(monkeypatch):
    from scratch_nn import logistic

    monkeypatch.setattr(logistic, "_lr_forward", _nan_in_the_output(logistic._lr_forward))
    X, Y, _P = _network()
    with pytest.raises(ValueError, match=AL_NAMED):
        nn_.propagate(np.array([[0.2], [-0.1], [0.4]]), 0.1, X, Y)


def test_gradient_check_names_AL_when_its_own_forward_overflowed(monkeypatch):
    monkeypatch.setattr(gradient_check, "_model_forward", _nan_in_the_output(gradient_check._model_forward))
    X, Y, P = _network()
    with pytest.raises(ValueError, match=AL_NAMED):
        nn_.gradient_check(X, Y, P, "tanh", "sigmoid")


def test_gradient_check_names_AL_when_a_perturbed_forward_overflowed(monkeypatch):
    """With grads given, backprop is not run: the first perturbed cost J(θ + ε e_1) meets the NaN."""
    monkeypatch.setattr(gradient_check, "_model_forward", _nan_in_the_output(gradient_check._model_forward))
    X, Y, P = _network()
    grads = {f"d{k}": np.zeros_like(v) for k, v in P.items()}
    with pytest.raises(ValueError, match=AL_NAMED):
        nn_.gradient_check(X, Y, P, "tanh", "sigmoid", grads=grads)


def test_the_bn_initializer_draws_he_by_default():
    dims = [5, 4, 3, 2]
    default = nn_.initialize_bn_parameters(dims, rng=np.random.default_rng(3))
    he = nn_.initialize_bn_parameters(dims, "he", np.random.default_rng(3))
    assert default.keys() == he.keys()
    for key in he:
        np.testing.assert_array_equal(default[key], he[key])


def test_the_bn_initializer_says_what_batchnorm_was():
    with pytest.raises(TypeError, match=r"batchnorm must be a list of layer numbers in 1\.\.3, got int$"):
        nn_.initialize_bn_parameters([5, 4, 3, 2], "he", np.random.default_rng(0), batchnorm=1)


@pytest.mark.parametrize("shape", [(1, 7), (6, 1), (1, 1)])
def test_a_dropout_mask_of_one_unit_or_one_example(shape):
    D = nn_.dropout_mask(shape, 0.8, np.random.default_rng(2), np.float64)
    assert D.shape == shape and set(np.unique(D)) <= {0.0, 1.0}
