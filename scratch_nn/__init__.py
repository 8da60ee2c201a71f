"""scratch_nn: the equations of the lecture notes, written by hand in NumPy.

Notation and shapes follow the notes: ``X = A[0]`` is ``(n[0], m)`` with one
example per column, ``W[l]`` is ``(n[l], n[l-1])``, ``b[l]`` is ``(n[l], 1)``.
Each function's docstring names the catalogue ID it implements (the catalogue: docs/catalogue.md).
This package imports NumPy only.
"""

from .activations import *  # noqa: F403 - ACT-*, BWD-ACT: every name in activations.__all__
from .activations import __all__ as _activation_names
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

# isort: split
# regularization: dropout, L2, elastic net, max-norm, early stopping (issue 3)
from .dropout import check_keep_prob, dropout_backward, dropout_forward, dropout_mask
from .regularization import (
    apply_max_norm,
    compute_cost_with_elastic_net,
    compute_cost_with_regularization,
    elastic_net_cost,
    elastic_net_gradient,
    l2_regularization_cost,
    l2_regularization_gradient,
    max_norm_parameters,
)
from .training import EarlyStopping, train, train_with_early_stopping

# isort: split
# gradient checking, the per-example forward loop, costs from the logits (issue 4)
from .gradient_check import (
    GradientCheck,
    centered_difference,
    dictionary_to_vector,
    gradient_check,
    gradients_to_vector,
    numerical_gradients,
    relative_difference,
    vector_to_dictionary,
)
from .logit_costs import compute_cost_cross_entropy_from_logits, compute_cost_from_logits
from .loops import model_forward_loop

# isort: split
# predictions and metrics, hand-built parity networks (issue 6: PRED-METRICS, CLAIM-DEPTH)
from .metrics import (
    accuracy,
    confusion_counts,
    f1_score,
    precision,
    precision_recall_f1,
    predict,
    predict_binary,
    predict_multiclass,
    recall,
)
from .parity import (
    counting_parity_network,
    deep_parity_network,
    hidden_units,
    parity_activations,
    parity_inputs,
    parity_labels,
    shallow_parity_network,
)

# isort: split
# mini-batches, momentum, RMSprop, Adam, learning-rate decay, batch normalization (issue 13)
from .batchnorm import batchnorm_backward, batchnorm_forward, batchnorm_inference, update_running_averages
from .optimizers import (
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    random_mini_batches,
    schedule_lr_decay,
    update_lr,
    update_parameters_with_adam,
    update_parameters_with_momentum,
    update_parameters_with_rmsprop,
)

__all__ = [
    *_activation_names,
    "INIT_METHODS",
    "bce_backward",
    "compute_cost",
    "compute_cost_cross_entropy",
    "compute_cost_squared_error",
    "init_std",
    "initialize_parameters",
    "layer_activations",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
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
    "update_parameters",
]

# regularization (issue 3)
__all__ += [
    "EarlyStopping",
    "apply_max_norm",
    "check_keep_prob",
    "compute_cost_with_elastic_net",
    "compute_cost_with_regularization",
    "dropout_backward",
    "dropout_forward",
    "dropout_mask",
    "elastic_net_cost",
    "elastic_net_gradient",
    "l2_regularization_cost",
    "l2_regularization_gradient",
    "max_norm_parameters",
    "train",
    "train_with_early_stopping",
]

__all__ += [
    "GradientCheck",
    "centered_difference",
    "compute_cost_cross_entropy_from_logits",
    "compute_cost_from_logits",
    "dictionary_to_vector",
    "gradient_check",
    "gradients_to_vector",
    "model_forward_loop",
    "numerical_gradients",
    "relative_difference",
    "vector_to_dictionary",
]

# predictions and metrics, parity networks (issue 6)
__all__ += [
    "accuracy",
    "confusion_counts",
    "counting_parity_network",
    "deep_parity_network",
    "f1_score",
    "hidden_units",
    "parity_activations",
    "parity_inputs",
    "parity_labels",
    "precision",
    "precision_recall_f1",
    "predict",
    "predict_binary",
    "predict_multiclass",
    "recall",
    "shallow_parity_network",
]

# mini-batches, optimizers, learning-rate decay, batch normalization (issue 13)
__all__ += [
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "initialize_adam",
    "initialize_rmsprop",
    "initialize_velocity",
    "random_mini_batches",
    "schedule_lr_decay",
    "update_lr",
    "update_parameters_with_adam",
    "update_parameters_with_momentum",
    "update_parameters_with_rmsprop",
    "update_running_averages",
]

# isort: split
# batch norm as a layer option of the L-layer model; training with an optimizer and mini-batches (issue 13)
from .bn_model import (  # noqa: E402 - appended after __all__, like the issue's other additions
    BNLayerCache,
    batchnorm_layers,
    bn_model_backward,
    bn_model_forward,
    initialize_bn_parameters,
    initialize_running_averages,
    update_model_running_averages,
)
from .optimizers import train_with_optimizer  # noqa: E402

__all__ += [
    "BNLayerCache",
    "batchnorm_layers",
    "bn_model_backward",
    "bn_model_forward",
    "initialize_bn_parameters",
    "initialize_running_averages",
    "train_with_optimizer",
    "update_model_running_averages",
]
