"""scratch_nn: the equations of the lecture notes, written by hand in NumPy.

Notation and shapes follow the notes: ``X = A[0]`` is ``(n[0], m)`` with one
example per column, ``W[l]`` is ``(n[l], n[l-1])``, ``b[l]`` is ``(n[l], 1)``.
Each function's docstring names the catalogue ID (see EQUATIONS.md) it implements.
This package imports NumPy only.
"""

from .activations import (
    ACTIVATIONS,
    activation_backward,
    activation_forward,
    elu,
    elu_backward,
    leaky_relu,
    leaky_relu_backward,
    linear,
    linear_backward_activation,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    softmax,
    softmax_backward,
    tanh,
    tanh_backward,
)
from .data import one_hot
from .initializers import INIT_METHODS, init_std, initialize_parameters
from .layers import (
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
)
from .logistic import lr_backward, lr_forward, lr_forward_theta, propagate
from .losses import (
    bce_backward,
    compute_cost,
    compute_cost_cross_entropy,
    compute_cost_squared_error,
    model_cost,
    output_backward,
)
from .model import layer_activations, model_backward, model_forward, update_parameters

__all__ = [
    "ACTIVATIONS",
    "INIT_METHODS",
    "activation_backward",
    "activation_forward",
    "bce_backward",
    "compute_cost",
    "compute_cost_cross_entropy",
    "compute_cost_squared_error",
    "elu",
    "elu_backward",
    "init_std",
    "initialize_parameters",
    "layer_activations",
    "leaky_relu",
    "leaky_relu_backward",
    "linear",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_backward_activation",
    "linear_forward",
    "lr_backward",
    "lr_forward",
    "lr_forward_theta",
    "model_backward",
    "model_cost",
    "model_forward",
    "one_hot",
    "output_backward",
    "propagate",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "softmax",
    "softmax_backward",
    "tanh",
    "tanh_backward",
    "update_parameters",
]
