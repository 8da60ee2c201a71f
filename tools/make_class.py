"""Write a class folder of submissions for ``nn-verify grade``: the clean course-style files of
``tests/fixtures/course`` and copies of them with one planted mistake each.

    python tools/make_class.py OUT_DIR                      # every assignment: >= 50 submissions
    python tools/make_class.py OUT_DIR --assignment step_by_step
    python tools/make_class.py OUT_DIR --count 60           # repeat mistakes (other students) up to 60
    python tools/make_class.py OUT_DIR --with-hang          # also one that loops for ever in a call

Each mistake is a plain textual substitution on the clean source (in a notebook, on its code
cells), checked to have changed the text. Besides the mistakes, by default: one file that does not
load (a syntax error) and one that calls ``sys.exit(0)`` inside a checked function; ``--with-hang``
adds one whose ``linear_forward`` (or first checked function) never returns. ``OUT_DIR/manifest.json``
says, for each submission, its assignment, its mistake and the rubric item (of the assignment's
shipped rubric, ``torch_reference/rubrics``) that must lose points.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "course"

#: assignment -> (clean fixture, the shipped rubric that grades it)
CLEAN = {
    "step_by_step": ("step_by_step.py", "step_by_step"),
    "application": ("application.py", "application"),
    "logistic_regression": ("logistic_regression.py", "logistic_regression"),
    "planar": ("planar_v1.ipynb", "planar"),
    "initialization": ("initialization.py", "initialization"),
    "regularization": ("regularization.py", "regularization"),
    "gradient_checking": ("gradient_checking.py", "gradient_checking"),
    "optimization": ("optimization.py", "optimization"),
    "cmpe258": ("cmpe258.py", "cmpe258"),
}


@dataclass(frozen=True)
class Mistake:
    assignment: str
    slug: str
    old: str
    new: str
    item: str  # the rubric item that must lose points
    occurrence: int = 0  # which occurrence of ``old`` to replace (0: the first)


_OWN_RELU_BACKWARD = """from dnn_utils import sigmoid, sigmoid_backward, relu


def relu_backward(dA, cache):
    Z = cache
    dZ = {body}
    return dZ
"""

# fmt: off
MISTAKES = [
    # --- deep network, step by step
    Mistake("step_by_step", "bias_missing", "Z = np.dot(W, A) + b", "Z = np.dot(W, A)", "linear_forward"),
    Mistake("step_by_step", "forward_act_swapped", "A, activation_cache = sigmoid(Z)", "A, activation_cache = relu(Z)",
            "linear_activation_forward"),
    Mistake("step_by_step", "forward_hidden_sigmoid", "parameters['b' + str(l)], \"relu\")",
            "parameters['b' + str(l)], \"sigmoid\")", "L_model_forward"),
    Mistake("step_by_step", "forward_skips_layer", "for l in range(1, L):\n        A_prev = A",
            "for l in range(1, L - 1):\n        A_prev = A", "L_model_forward"),
    Mistake("step_by_step", "cost_no_1_over_m", "cost = -1 / m * (", "cost = -1 * (", "compute_cost"),
    Mistake("step_by_step", "cost_sign", "cost = -1 / m * (", "cost = 1 / m * (", "compute_cost"),
    Mistake("step_by_step", "cost_not_squeezed", "cost = np.squeeze(cost)", "cost = cost", "compute_cost"),
    Mistake("step_by_step", "cost_log_1_minus_missing", "np.log(1 - AL).T", "np.log(AL).T", "compute_cost"),
    Mistake("step_by_step", "dw_no_1_over_m", "dW = 1 / m * np.dot(dZ, A_prev.T)", "dW = np.dot(dZ, A_prev.T)",
            "linear_backward"),
    Mistake("step_by_step", "db_no_keepdims", "np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=1)",
            "linear_backward"),
    Mistake("step_by_step", "db_no_1_over_m", "db = 1 / m * np.sum", "db = np.sum", "linear_backward"),
    Mistake("step_by_step", "db_wrong_axis", "np.sum(dZ, axis=1, keepdims=True)", "np.sum(dZ, axis=0, keepdims=True)",
            "linear_backward"),
    Mistake("step_by_step", "da_prev_over_m", "dA_prev = np.dot(W.T, dZ)", "dA_prev = 1 / m * np.dot(W.T, dZ)",
            "linear_backward"),
    Mistake("step_by_step", "backward_act_swapped", "dZ = relu_backward(dA, activation_cache)",
            "dZ = sigmoid_backward(dA, activation_cache)", "linear_activation_backward"),
    Mistake("step_by_step", "relu_backward_inverted_mask", "from dnn_utils import sigmoid, sigmoid_backward, relu, "
            "relu_backward", _OWN_RELU_BACKWARD.format(body="np.array(dA, copy=True)\n    dZ[Z > 0] = 0"),
            "linear_activation_backward"),
    Mistake("step_by_step", "relu_backward_writes_into_dA", "from dnn_utils import sigmoid, sigmoid_backward, relu, "
            "relu_backward", _OWN_RELU_BACKWARD.format(body="dA\n    dZ[Z <= 0] = 0"),
            "linear_activation_backward"),
    Mistake("step_by_step", "dAL_sign", "dAL = - (np.divide(Y, AL)", "dAL = (np.divide(Y, AL)", "L_model_backward"),
    Mistake("step_by_step", "backward_hidden_sigmoid", 'current_cache, "relu")', 'current_cache, "sigmoid")',
            "L_model_backward"),
    Mistake("step_by_step", "backward_output_relu", '(dAL, current_cache, "sigmoid")', '(dAL, current_cache, "relu")',
            "L_model_backward"),
    Mistake("step_by_step", "update_sign", '- learning_rate * grads["dW"', '+ learning_rate * grads["dW"',
            "update_parameters"),
    Mistake("step_by_step", "update_b_missing", ' = parameters["b" + str(l + 1)] - learning_rate * grads["db" + '
            'str(l + 1)]', ' = parameters["b" + str(l + 1)]', "update_parameters"),
    Mistake("step_by_step", "init_deep_scale", "layer_dims[l - 1]) * 0.01", "layer_dims[l - 1]) * 0.1",
            "initialize_parameters_deep"),
    Mistake("step_by_step", "init_deep_uniform", "np.random.randn(layer_dims[l], layer_dims[l - 1])",
            "np.random.rand(layer_dims[l], layer_dims[l - 1])", "initialize_parameters_deep"),
    Mistake("step_by_step", "init_bias_ones", "b1 = np.zeros((n_h, 1))", "b1 = np.ones((n_h, 1))",
            "initialize_parameters"),
    Mistake("step_by_step", "init_transposed_draw", "W1 = np.random.randn(n_h, n_x) * 0.01",
            "W1 = np.random.randn(n_x, n_h).T * 0.01", "initialize_parameters"),
    # --- deep network, application
    Mistake("application", "two_layer_no_dA2_sign", "dA2 = - (np.divide(Y, A2)", "dA2 = (np.divide(Y, A2)",
            "two_layer_model"),
    Mistake("application", "L_layer_lr_times_10", "parameters = update_parameters(parameters, grads, learning_rate)",
            "parameters = update_parameters(parameters, grads, 10 * learning_rate)", "L_layer_model",
            occurrence=1),
    # --- logistic regression
    Mistake("logistic_regression", "sigmoid_sign", "s = 1 / (1 + np.exp(-z))", "s = 1 / (1 + np.exp(z))", "sigmoid"),
    Mistake("logistic_regression", "init_ones", "w = np.zeros((dim, 1))", "w = np.ones((dim, 1))",
            "initialize_with_zeros"),
    Mistake("logistic_regression", "dw_no_1_over_m", "dw = 1 / m * np.dot(X, (A - Y).T)", "dw = np.dot(X, (A - Y).T)",
            "propagate"),
    Mistake("logistic_regression", "db_sign", "db = 1 / m * np.sum(A - Y)", "db = 1 / m * np.sum(Y - A)",
            "propagate"),
    Mistake("logistic_regression", "optimize_climbs", "w = w - learning_rate * dw", "w = w + learning_rate * dw",
            "optimize"),
    Mistake("logistic_regression", "predict_inverted", "if A[0, i] > 0.5:", "if A[0, i] < 0.5:", "predict"),
    # --- planar data (a notebook)
    Mistake("planar", "layer_sizes_wrong_axis", "n_y = Y.shape[0]", "n_y = Y.shape[1]", "layer_sizes"),
    Mistake("planar", "forward_bias_missing", "Z1 = np.dot(W1, X) + b1", "Z1 = np.dot(W1, X)", "forward_propagation"),
    Mistake("planar", "cost_sign", "cost = - np.sum(logprobs) / m", "cost = np.sum(logprobs) / m", "compute_cost"),
    Mistake("planar", "tanh_derivative_as_sigmoid", "1 - np.power(A1, 2)", "A1 * (1 - A1)", "backward_propagation"),
    Mistake("planar", "db2_all_axes", "np.sum(dZ2, axis=1, keepdims=True)", "np.sum(dZ2)", "backward_propagation"),
    Mistake("planar", "update_climbs", "W2 = W2 - learning_rate * dW2", "W2 = W2 + learning_rate * dW2",
            "update_parameters"),
    Mistake("planar", "predict_floor", "predictions = np.round(A2)", "predictions = np.floor(A2)", "predict"),
    # --- initialization
    Mistake("initialization", "zeros_as_ones", "np.zeros((layers_dims[l], layers_dims[l - 1]))",
            "np.ones((layers_dims[l], layers_dims[l - 1]))", "initialize_parameters_zeros"),
    Mistake("initialization", "random_scale_small", "layers_dims[l - 1]) * 10", "layers_dims[l - 1]) * 0.01",
            "initialize_parameters_random"),
    Mistake("initialization", "he_fan_out", "np.sqrt(2. / layers_dims[l - 1])", "np.sqrt(2. / layers_dims[l])",
            "initialize_parameters_he"),
    # --- regularization
    Mistake("regularization", "l2_cost_no_half", "(1. / m) * (lambd / 2) *", "(1. / m) * lambd *",
            "compute_cost_with_regularization"),
    Mistake("regularization", "l2_grad_missing_W3", "dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd / m) * W3",
            "dW3 = 1. / m * np.dot(dZ3, A2.T)", "backward_propagation_with_regularization"),
    Mistake("regularization", "dropout_forward_unscaled", "A1 = A1 / keep_prob", "A1 = A1",
            "forward_propagation_with_dropout"),
    # (not "dA2 = dA2 * D2" left out: the ReLU mask from the dropped A2 zeroes the same units)
    Mistake("regularization", "dropout_backward_unscaled", "dA2 = dA2 / keep_prob", "dA2 = dA2",
            "backward_propagation_with_dropout"),
    # --- gradient checking
    Mistake("gradient_checking", "forward_plus", "J = theta * x", "J = theta + x", "forward_propagation (1-D)"),
    Mistake("gradient_checking", "gradapprox_one_sided_eps", "(J_plus - J_minus) / (2 * epsilon)",
            "(J_plus - J_minus) / epsilon", "gradient_check"),
    Mistake("gradient_checking", "backward_n_dW2_doubled", "dW2 = 1. / m * np.dot(dZ2, A1.T)",
            "dW2 = 1. / m * np.dot(dZ2, A1.T) * 2", "backward_propagation_n"),
    # --- optimization methods
    Mistake("optimization", "gd_climbs", '- learning_rate * grads["dW" + str(l)]',
            '+ learning_rate * grads["dW" + str(l)]', "update_parameters_with_gd"),
    Mistake("optimization", "minibatch_Y_not_shuffled", "shuffled_Y = Y[:, permutation].reshape((1, m))",
            "shuffled_Y = Y.reshape((1, m))", "random_mini_batches"),
    Mistake("optimization", "momentum_no_damping", 'beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]',
            'beta * v["dW" + str(l)] + grads["dW" + str(l)]', "update_parameters_with_momentum"),
    Mistake("optimization", "adam_eps_in_sqrt", 'np.sqrt(s_corrected["dW" + str(l)]) + epsilon)',
            'np.sqrt(s_corrected["dW" + str(l)] + epsilon))', "update_parameters_with_adam"),
    Mistake("optimization", "lr_decay_no_plus_one", "learning_rate0 / (1 + decay_rate * epoch_num)",
            "learning_rate0 / (decay_rate * epoch_num + 0.5)", "update_lr"),
    # --- CMPE 258
    Mistake("cmpe258", "softmax_wrong_axis", "e / np.sum(e, axis=0, keepdims=True)",
            "e / np.sum(e, axis=1, keepdims=True)", "softmax"),
    Mistake("cmpe258", "init_scale", "W1 = np.random.randn(n_h, n_x) * 0.01", "W1 = np.random.randn(n_h, n_x) * 0.1",
            "initialize_parameters"),
    Mistake("cmpe258", "cost_no_1_over_m", "cost = -np.sum(Y * np.log(A2)) / m", "cost = -np.sum(Y * np.log(A2))",
            "compute_cost"),
    Mistake("cmpe258", "sigmoid_derivative_missing", "dZ1 = np.dot(W2.T, dZ2) * A1 * (1 - A1)",
            "dZ1 = np.dot(W2.T, dZ2) * A1", "backward_propagation"),
    Mistake("cmpe258", "update_climbs", '"W1": parameters["W1"] - learning_rate',
            '"W1": parameters["W1"] + learning_rate', "update_parameters"),
]

#: files that are not mistakes but trouble: (slug, assignment, old, new, what the grader must record)
BROKEN = {
    "does_not_load": ("step_by_step", "def linear_forward(A, W, b):", "def linear_forward(A, W, b)", "did not load"),
    "sys_exit": ("step_by_step", "def compute_cost(AL, Y):\n", "def compute_cost(AL, Y):\n    import sys\n"
                 "    sys.exit(0)\n", "compute_cost"),
    "hangs": ("step_by_step", "def linear_forward(A, W, b):\n", "def linear_forward(A, W, b):\n    while True:\n"
              "        pass\n", "linear_forward"),
}
# fmt: on


def substitute(text: str, old: str, new: str, occurrence: int = 0, what: str = "") -> str:
    """``text`` with the ``occurrence``-th ``old`` replaced by ``new``; ValueError if it is not there
    (a fixture that changed under the substitution must not give a 'mistake' that is the clean file)."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.find(old, start + 1)
        if start < 0:
            raise ValueError(f"{what}: {old!r} not found (occurrence {occurrence})")
    out = text[:start] + new + text[start + len(old) :]
    if out == text:
        raise ValueError(f"{what}: the substitution changed nothing")
    return out


def mutate(source: Path, old: str, new: str, occurrence: int = 0, what: str = "") -> str:
    """The text of ``source`` with one substitution; in a notebook, in its code cells."""
    text = source.read_text(encoding="utf-8")
    if source.suffix != ".ipynb":
        return substitute(text, old, new, occurrence, what)
    nb = json.loads(text)
    joined = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]]
    seen = 0
    for cell, src in zip(nb["cells"], joined, strict=True):
        if cell["cell_type"] != "code":
            continue
        k = src.count(old)
        if seen + k > occurrence:
            cell["source"] = substitute(src, old, new, occurrence - seen, what).splitlines(keepends=True)
            return json.dumps(nb, indent=1) + "\n"
        seen += k
    raise ValueError(f"{what}: {old!r} not found in the code cells (occurrence {occurrence})")


def make_class(
    out: Path,
    assignments: list[str] | None = None,
    count: int = 0,
    broken: bool = True,
    hang: bool = False,
) -> dict[str, dict[str, str]]:
    """Write the class into ``out`` (created; existing submissions of the same names replaced) and
    return the manifest: submission -> {assignment, rubric, mistake, item}."""
    assignments = assignments or list(CLEAN)
    unknown = [a for a in assignments if a not in CLEAN]
    if unknown:
        raise ValueError(f"unknown assignment(s) {', '.join(unknown)} (known: {', '.join(CLEAN)})")
    out.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, str]] = {}
    written: list[tuple[str, str, str]] = []  # (name, text, suffix) of the mistakes, to repeat for --count

    def write(name: str, text: str, assignment: str, mistake: str, item: str) -> None:
        (out / name).write_text(text, encoding="utf-8")
        manifest[name] = {"assignment": assignment, "rubric": CLEAN[assignment][1], "mistake": mistake, "item": item}

    for a in assignments:
        file, _ = CLEAN[a]
        source = FIXTURES / file
        suffix = source.suffix
        write(f"{a}__clean{suffix}", source.read_text(encoding="utf-8"), a, "", "")
        for m in (m for m in MISTAKES if m.assignment == a):
            name = f"{a}__{m.slug}{suffix}"
            write(name, mutate(source, m.old, m.new, m.occurrence, name), a, m.slug, m.item)
            written.append((name, a, m.slug))
    extra = [slug for slug in BROKEN if (broken and slug != "hangs") or (hang and slug == "hangs")]
    for slug in extra:
        a, old, new, item = BROKEN[slug]
        if a not in assignments:
            continue
        source = FIXTURES / CLEAN[a][0]
        write(f"{a}__{slug}{source.suffix}", mutate(source, old, new, what=slug), a, slug, item)
    n = 0
    while len(manifest) < count and written:  # other students making the same mistakes
        name, a, slug = written[n % len(written)]
        copy = f"student{n + 1:03d}__{name}"
        shutil.copyfile(out / name, out / copy)
        manifest[copy] = dict(manifest[name])
        n += 1
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out", type=Path, metavar="OUT_DIR")
    p.add_argument("--assignment", action="append", choices=sorted(CLEAN), help="only these (repeatable)")
    p.add_argument("--count", type=int, default=0, help="repeat the mistakes (other students) up to this many")
    p.add_argument("--no-broken", action="store_true", help="leave out the file that does not load and sys.exit")
    p.add_argument("--with-hang", action="store_true", help="add a submission whose checked function never returns")
    args = p.parse_args(argv)
    manifest = make_class(args.out, args.assignment, args.count, not args.no_broken, args.with_hang)
    mistakes = sum(bool(v["mistake"]) for v in manifest.values())
    print(f"{args.out}: {len(manifest)} submissions ({len(manifest) - mistakes} clean, {mistakes} with a mistake "
          "or trouble); manifest.json says which rubric item each must lose")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
