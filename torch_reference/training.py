"""The same batch gradient descent in PyTorch: ``ReferenceNetwork`` + the paired loss
from the logits + ``torch.optim.SGD``, started from the same parameters.

Used by the GD-LOOP checks (trajectories) and by the experiments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch

from .device import strict_float32
from .layout import bias_from_torch, to_rows, weight_from_torch
from .losses import torch_output_loss
from .model import ReferenceNetwork


def torch_train(
    X: np.ndarray,
    Y: np.ndarray,
    parameters: Mapping[str, np.ndarray],
    learning_rate: float,
    num_iterations: int,
    activations: Sequence[str],
    device: str = "cpu",
    dtype: torch.dtype = torch.float64,
) -> tuple[dict[str, np.ndarray], list[float]]:
    """GD-LOOP in PyTorch. Returns the final parameters (float64, notes' layout) and
    the cost before each update, like :func:`scratch_nn.training.train`."""
    net = ReferenceNetwork(parameters, activations, device, dtype)
    loss = torch_output_loss(activations[-1])
    Xt, Yt = to_rows(X, device, dtype), to_rows(Y, device, dtype)
    optimizer = torch.optim.SGD(net.parameters(), lr=learning_rate)
    costs = []
    with strict_float32():
        for _ in range(num_iterations):
            optimizer.zero_grad()
            Zs, _As = net(Xt)
            J = loss(Zs[-1], Yt)
            costs.append(J.item())
            J.backward()
            optimizer.step()
    params = {}
    for l, linear in enumerate(net.linears, start=1):
        params[f"W{l}"] = weight_from_torch(linear.weight)
        params[f"b{l}"] = bias_from_torch(linear.bias)
    return params, costs
