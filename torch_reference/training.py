"""The same batch gradient descent in PyTorch: ``ReferenceNetwork`` + the paired loss
from the logits + ``torch.optim.SGD``, started from the same parameters.

Used by the GD-LOOP checks (trajectories) and by the experiments. One loop,
:class:`TorchGD`, serves every use: the cost history and the final parameters
(:func:`torch_train`), every iterate (:func:`torch_gd_trajectory`), and early stopping
(REG-EARLY, :func:`torch_train_with_early_stopping`). Its options, one
:class:`TrainOptions`, are those of :mod:`scratch_nn.training`'s loops: ``lambd`` (the
notes' L2 as SGD's ``weight_decay = λ/m`` on the weights' parameter group only, see
:func:`sgd`) and ``max_norm`` (``torch.renorm`` of every weight after each step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch

from .device import strict_float32
from .layout import bias_from_torch, to_rows, weight_from_torch
from .losses import torch_output_loss
from .model import ReferenceNetwork, sgd_step


@dataclass(frozen=True)
class TrainOptions:
    """What every training loop of ``torch_reference`` takes besides the data and the initial
    parameters: the arguments of :func:`scratch_nn.training.train` (``learning_rate``,
    ``num_iterations``, one activation per layer, ``lambd``, ``max_norm``). Early stopping reads
    ``num_iterations`` as its ``max_iterations``."""

    learning_rate: float
    num_iterations: int
    activations: Sequence[str]
    lambd: float = 0.0
    max_norm: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "activations", tuple(self.activations))


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


class TorchGD:
    """The PyTorch loop, one step at a time: ``ReferenceNetwork`` from ``parameters``, the loss
    from the logits, :func:`sgd` (decay ``λ/m`` on the weights), ``torch.renorm`` after each
    step if ``max_norm``. Callers run it inside :func:`device.strict_float32`."""

    def __init__(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        parameters: Mapping[str, np.ndarray],
        options: TrainOptions,
        device: str = "cpu",
        dtype: torch.dtype = torch.float64,
    ) -> None:
        self.options, self.device, self.dtype = options, device, dtype
        self.net = ReferenceNetwork(parameters, options.activations, device, dtype)
        self.loss = torch_output_loss(options.activations[-1])
        self.Xt, self.Yt = to_rows(X, device, dtype), to_rows(Y, device, dtype)
        self.optimizer = sgd(self.net, options.learning_rate, options.lambd, X.shape[1])

    def step(self) -> float:
        """One SGD step (decay from the optimizer, then ``torch.renorm`` if ``max_norm``);
        returns the cost before the step (with the L2 penalty when ``lambd > 0``)."""
        net, lambd, max_norm = self.net, self.options.lambd, self.options.max_norm
        self.optimizer.zero_grad()
        Zs, _As = net(self.Xt)
        J = self.loss(Zs[-1], self.Yt)
        cost = J.item()
        if lambd > 0:
            with torch.no_grad():
                cost += (lambd / (2 * self.Xt.shape[0]) * sum((lin.weight**2).sum() for lin in net.linears)).item()
        J.backward()
        self.optimizer.step()
        if max_norm is not None:
            with torch.no_grad():
                for linear in net.linears:  # each row of W[l], a neuron's incoming weights (dim 0)
                    linear.weight.copy_(torch.renorm(linear.weight, p=2, dim=0, maxnorm=max_norm))
        return cost

    def cost(self, X: np.ndarray, Y: np.ndarray) -> float:
        """The paired loss on ``(X, Y)`` at the current parameters, no penalty (the graph is
        discarded; the network's forward retains grads, so no ``no_grad``)."""
        Zs, _As = self.net(to_rows(X, self.device, self.dtype))
        return self.loss(Zs[-1], to_rows(Y, self.device, self.dtype)).item()

    def parameters(self) -> dict[str, np.ndarray]:
        return network_parameters(self.net)


def torch_train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    options: TrainOptions,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP in PyTorch. Returns the final parameters (float64, notes' layout) and
    the cost before each update, like :func:`scratch_nn.training.train` (with ``lambd``:
    the regularized cost J + λ/(2m) Σ‖W‖²)."""
    loop = TorchGD(X, Y, parameters, options, device, dtype)
    with strict_float32():
        costs = [loop.step() for _ in range(options.num_iterations)]
    return loop.parameters(), costs


def torch_gd_trajectory(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    options: TrainOptions,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> list[dict[str, np.ndarray]]:
    """The parameters after 0, 1, ..., ``num_iterations`` steps of :func:`torch_train`."""
    loop = TorchGD(X, Y, parameters, options, device, dtype)
    trajectory = [loop.parameters()]
    with strict_float32():
        for _ in range(options.num_iterations):
            loop.step()
            trajectory.append(loop.parameters())
    return trajectory


class TorchEarlyStopping(NamedTuple):
    """Like :class:`scratch_nn.training.EarlyStopping` (parameters float64, notes' layout), and
    ``trajectory``: the parameters after 0, 1, ..., ``stopped_iteration`` steps."""

    parameters: dict[str, np.ndarray]
    best_iteration: int
    stopped_iteration: int
    costs: list[float]
    val_costs: list[float]
    trajectory: list[dict[str, np.ndarray]]


def torch_train_with_early_stopping(
    X: np.ndarray,
    Y: np.ndarray,
    X_val: np.ndarray,
    Y_val: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    options: TrainOptions,
    patience: int,
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> TorchEarlyStopping:
    """REG-EARLY in PyTorch, the procedure of :func:`scratch_nn.training.train_with_early_stopping`
    (``options.num_iterations`` its ``max_iterations``): after each SGD step, the validation cost
    (the paired loss on ``(X_val, Y_val)``, no penalty); a strictly lower one is the new best,
    otherwise the count of steps without improvement grows, and the loop stops when it reaches
    ``patience``."""
    loop = TorchGD(X, Y, parameters, options, device, dtype)
    costs: list[float] = []
    with strict_float32():
        val_costs = [loop.cost(X_val, Y_val)]
        trajectory = [loop.parameters()]
        best_iteration, waited, t = 0, 0, 0
        while t < options.num_iterations and waited < patience:
            costs.append(loop.step())
            t += 1
            val_costs.append(loop.cost(X_val, Y_val))
            trajectory.append(loop.parameters())
            if val_costs[-1] < val_costs[best_iteration]:
                best_iteration, waited = t, 0
            else:
                waited += 1
    return TorchEarlyStopping(trajectory[best_iteration], best_iteration, t, costs, val_costs, trajectory)
