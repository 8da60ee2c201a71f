"""The same batch gradient descent in PyTorch: ``ReferenceNetwork`` + the paired loss
from the logits + ``torch.optim.SGD``, started from the same parameters.

Used by the GD-LOOP checks (trajectories) and by the experiments. Options of the
loops, as in :mod:`scratch_nn.training`: ``lambd`` (the notes' L2 as SGD's
``weight_decay = λ/m`` on the weights' parameter group only, see :func:`sgd`) and
``max_norm`` (``torch.renorm`` of every weight after each step); and early stopping
(REG-EARLY, :func:`torch_train_with_early_stopping`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import torch

from .device import strict_float32
from .layout import bias_from_torch, to_rows, weight_from_torch
from .losses import torch_output_loss
from .model import ReferenceNetwork, sgd_step


def torch_train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    activations: Sequence[str],
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
    *,
    lambd: float = 0.0,
    max_norm: float | None = None,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP in PyTorch. Returns the final parameters (float64, notes' layout) and
    the cost before each update, like :func:`scratch_nn.training.train` (with ``lambd``:
    the regularized cost J + λ/(2m) Σ‖W‖²)."""
    net = ReferenceNetwork(parameters, activations, device, dtype)
    loss = torch_output_loss(activations[-1])
    Xt, Yt = to_rows(X, device, dtype), to_rows(Y, device, dtype)
    optimizer = sgd(net, learning_rate, lambd, X.shape[1])
    costs = []
    with strict_float32():
        for _ in range(num_iterations):
            costs.append(_step(net, optimizer, loss, Xt, Yt, lambd, max_norm))
    return network_parameters(net), costs


def network_parameters(net: ReferenceNetwork) -> dict[str, np.ndarray]:
    """The network's ``W1, b1, ..., WL, bL`` (float64 copies, notes' layout)."""
    params = {}
    for l, linear in enumerate(net.linears, start=1):
        params[f"W{l}"] = weight_from_torch(linear.weight)
        params[f"b{l}"] = bias_from_torch(linear.bias)
    return params


class SGD:
    """``torch.optim.SGD`` over parameter groups, each step by its kernel (:func:`model.sgd_step`,
    bit for bit the Optimizer's step without the 2 s import of ``torch._dynamo``)."""

    def __init__(self, groups: list[dict], lr: float) -> None:
        self.groups, self.lr = groups, lr

    def zero_grad(self) -> None:
        for group in self.groups:
            for t in group["params"]:
                t.grad = None

    def step(self) -> None:
        for group in self.groups:
            sgd_step(group["params"], self.lr, group["weight_decay"])


def sgd(net: ReferenceNetwork, learning_rate: float, lambd: float, m: int) -> SGD:
    """``torch.optim.SGD`` doing the notes' L2-regularized step (REG-L2-GRAD).

    SGD's ``weight_decay = wd`` adds ``wd · W`` to the gradient, the gradient of
    ``(wd/2)‖W‖²``; the notes' penalty ``(λ/(2m))‖W‖²`` is therefore ``wd = λ/m``. It
    goes on a parameter group holding the weights only: the biases sit in a group
    without decay (``weight_decay`` on ``net.parameters()`` would regularize b too).
    With ``lambd = 0`` this is plain SGD.
    """
    weights = [linear.weight for linear in net.linears]
    biases = [linear.bias for linear in net.linears]
    groups = [{"params": weights, "weight_decay": lambd / m}, {"params": biases, "weight_decay": 0.0}]
    return SGD(groups, lr=learning_rate)


def _step(
    net: ReferenceNetwork,
    optimizer: SGD,
    loss,
    Xt: torch.Tensor,
    Yt: torch.Tensor,
    lambd: float,
    max_norm: float | None,
) -> float:
    """One SGD step (decay from the optimizer, then ``torch.renorm`` if ``max_norm``);
    returns the cost before the step (with the L2 penalty when ``lambd > 0``)."""
    optimizer.zero_grad()
    Zs, _As = net(Xt)
    J = loss(Zs[-1], Yt)
    cost = J.item()
    if lambd > 0:
        with torch.no_grad():
            cost += (lambd / (2 * Xt.shape[0]) * sum((lin.weight**2).sum() for lin in net.linears)).item()
    J.backward()
    optimizer.step()
    if max_norm is not None:
        with torch.no_grad():
            for linear in net.linears:  # each row of W[l], a neuron's incoming weights (dim 0)
                linear.weight.copy_(torch.renorm(linear.weight, p=2, dim=0, maxnorm=max_norm))
    return cost


def torch_gd_trajectory(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    activations: Sequence[str],
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
    *,
    lambd: float = 0.0,
    max_norm: float | None = None,
) -> list[dict[str, np.ndarray]]:
    """The parameters after 0, 1, ..., ``num_iterations`` steps of :func:`torch_train`."""
    net = ReferenceNetwork(parameters, activations, device, dtype)
    loss = torch_output_loss(activations[-1])
    Xt, Yt = to_rows(X, device, dtype), to_rows(Y, device, dtype)
    optimizer = sgd(net, learning_rate, lambd, X.shape[1])
    trajectory = [network_parameters(net)]
    with strict_float32():
        for _ in range(num_iterations):
            _step(net, optimizer, loss, Xt, Yt, lambd, max_norm)
            trajectory.append(network_parameters(net))
    return trajectory


class TorchEarlyStopping(NamedTuple):
    """Like :class:`scratch_nn.training.EarlyStopping` (parameters float64, notes' layout)."""

    parameters: dict[str, np.ndarray]
    best_iteration: int
    stopped_iteration: int
    costs: list[float]
    val_costs: list[float]


def torch_train_with_early_stopping(
    X: np.ndarray,
    Y: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    max_iterations: int,
    patience: int,
    activations: Sequence[str],
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
    *,
    lambd: float = 0.0,
    max_norm: float | None = None,
) -> TorchEarlyStopping:
    """REG-EARLY in PyTorch, the procedure of :func:`scratch_nn.training.train_with_early_stopping`:
    after each SGD step, the validation cost (the paired loss on ``(X_val, Y_val)``, no
    penalty); a strictly lower one is the new best (its parameters copied), otherwise the
    count of steps without improvement grows, and the loop stops when it reaches ``patience``."""
    net = ReferenceNetwork(parameters, activations, device, dtype)
    loss = torch_output_loss(activations[-1])
    Xt, Yt = to_rows(X, device, dtype), to_rows(Y, device, dtype)
    Xv, Yv = to_rows(X_val, device, dtype), to_rows(Y_val, device, dtype)
    optimizer = sgd(net, learning_rate, lambd, X.shape[1])

    def validation_cost() -> float:  # (the graph is discarded; net's forward retains grads, so no no_grad)
        return loss(net(Xv)[0][-1], Yv).item()

    costs: list[float] = []
    with strict_float32():
        val_costs = [validation_cost()]
        best, best_iteration, waited, t = network_parameters(net), 0, 0, 0
        while t < max_iterations and waited < patience:
            costs.append(_step(net, optimizer, loss, Xt, Yt, lambd, max_norm))
            t += 1
            val_costs.append(validation_cost())
            if val_costs[-1] < val_costs[best_iteration]:
                best, best_iteration, waited = network_parameters(net), t, 0
            else:
                waited += 1
    return TorchEarlyStopping(best, best_iteration, t, costs, val_costs)
