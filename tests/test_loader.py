"""torch_reference.loader on small students' files written to tmp_path.

What a student's file does besides defining functions (training at module level, imports of
packages or course helpers that are not there, a notebook cell that does not parse, a snippet
cut from a notebook, NumPy 1's aliases) must neither run nor break the loading of the rest.
"""

from __future__ import annotations

import importlib.util
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from torch_reference import course_helpers
from torch_reference.loader import LoadError, is_students, load_source


def write(folder: Path, name: str, source: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(source).lstrip(), encoding="utf-8")
    return path


def test_module_level_work_is_skipped_and_counted(tmp_path: Path):
    marker = tmp_path / "trained.txt"
    path = write(
        tmp_path,
        "student.py",
        f"""
        import numpy as np
        layers_dims = [4, 3, 1]
        def double(x):
            return 2 * x
        parameters = double(np.ones(3))
        open({str(marker)!r}, "w").write("trained")
        for i in range(3):
            print(i)
        if __name__ == "__main__":
            double(1)
        """,
    )
    module, report = load_source(path)
    assert report.skipped == [5, 6, 7, 9]  # the call, the write, the loop, the __main__ block
    assert not marker.exists()
    assert module.layers_dims == [4, 3, 1] and module.double(3) == 6
    assert not hasattr(module, "parameters")
    assert report.defined == ["double"]
    assert "4 top-level statements not run" in report.summary()


def test_missing_import_is_reported_and_raises_when_used(tmp_path: Path):
    path = write(
        tmp_path,
        "student.py",
        """
        import numpy as np
        import not_a_module_nn_verify_xyz as nm
        from no_such_package_nn_verify import helper
        def uses_it(x):
            return helper(x)
        def fine(x):
            return np.sum(x)
        """,
    )
    module, report = load_source(path)
    names = [entry.split(" (line")[0] for entry in report.missing_imports]  # "name (line N)"
    assert names == ["not_a_module_nn_verify_xyz", "no_such_package_nn_verify"]
    assert module.fine(np.ones(4)) == 4  # the rest of the file loaded
    with pytest.raises(ImportError, match="helper is not available: ModuleNotFoundError"):
        module.uses_it(1)
    with pytest.raises(ImportError, match="not_a_module_nn_verify_xyz is not available"):
        module.nm.anything  # noqa: B018 - the attribute access is what raises
    assert "missing imports: not_a_module_nn_verify_xyz" in report.summary()


def test_run_all_names_the_file_and_line_that_raised(tmp_path: Path):
    path = write(
        tmp_path,
        "student.py",
        """
        import numpy as np
        def f(x):
            return x
        y = f(1)
        z = y / 0
        """,
    )
    load_source(path)  # definitions only: nothing raises
    with pytest.raises(LoadError) as info:
        load_source(path, run_all=True)
    message = str(info.value)
    assert f"{path}, line 5" in message and "ZeroDivisionError" in message
    assert "\n" not in message


def test_notebook_with_a_broken_cell_loads_the_others(tmp_path: Path):
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Week 2"),
            new_code_cell("import numpy as np\n%matplotlib inline"),
            new_code_cell("def sigmoid(z):\n    return 1 / (1 + np.exp(-z))"),
            new_code_cell("def propagate(w, b, X, Y)\n    pass"),  # the colon is missing
            new_code_cell("def predict(w, b, X):\n    return sigmoid(w.T @ X + b) > 0.5"),
        ]
    )
    path = tmp_path / "assignment.ipynb"
    nbformat.write(nb, str(path))
    module, report = load_source(path)
    assert report.notebook
    assert report.defined == ["predict", "sigmoid"]
    assert len(report.failed) == 1 and f"{path} [cell 4], line 1: syntax error" in report.failed[0]
    assert module.predict(np.ones((2, 1)), 0.0, np.ones((2, 3))).tolist() == [[True, True, True]]
    with pytest.raises(LoadError, match=r"\[cell 4\]: syntax error at line 1"):
        load_source(path, run_all=True)


def test_course_helper_missing_beside_the_file_is_the_checkers_stand_in(tmp_path: Path):
    if importlib.util.find_spec("reg_utils") is not None:
        pytest.skip("a reg_utils module is importable here; the stand-in would not be needed")
    path = write(
        tmp_path,
        "regularization.py",
        """
        import numpy as np
        from reg_utils import forward_propagation, compute_cost
        def compute_cost_with_regularization(A3, Y, parameters, lambd):
            return compute_cost(A3, Y) + lambd
        """,
    )
    module, report = load_source(path)
    assert report.stand_ins == ["reg_utils"] and not report.missing_imports
    assert module.forward_propagation is course_helpers.forward_propagation_3
    assert not is_students(module.forward_propagation, str(path))
    assert is_students(module.compute_cost_with_regularization, str(path))
    assert {"forward_propagation", "compute_cost"} <= set(report.helper_names)
    assert report.defined == ["compute_cost_with_regularization"]


def test_helper_beside_the_file_is_imported_from_there(tmp_path: Path):
    helper = write(
        tmp_path,
        "dnn_utils_v2.py",
        """
        import numpy as np
        def sigmoid(Z):
            return 1 / (1 + np.exp(-Z)), ("beside", Z)
        """,
    )
    path = write(tmp_path, "step.py", "from dnn_utils_v2 import sigmoid\ndef f(Z):\n    return sigmoid(Z)[0]\n")
    module, report = load_source(path)
    assert module.sigmoid.__code__.co_filename == str(helper)
    assert module.sigmoid(np.zeros(1))[1][0] == "beside"
    assert report.stand_ins == [] and "sigmoid" in report.helper_names
    assert not is_students(module.sigmoid, str(path)) and is_students(module.f, str(path))


def test_snippet_using_np_without_importing_it_gets_numpy(tmp_path: Path):
    path = write(
        tmp_path,
        "graded_function.py",
        """
        def compute_cost(AL, Y):
            m = Y.shape[1]
            return float(np.squeeze(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m))
        """,
    )
    module, report = load_source(path)
    AL, Y = np.array([[0.8, 0.4]]), np.array([[1.0, 0.0]])
    assert module.compute_cost(AL, Y) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    assert any("np" in s for s in report.stand_ins) and "np" in report.helper_names
    assert report.unresolved == []


def test_numpy_1_aliases_work_under_numpy_2(tmp_path: Path):
    path = write(
        tmp_path,
        "old.py",
        """
        import numpy as np
        def relu_derivative(A):
            return (A > 0).astype(np.int)
        def as_float(x):
            return np.float(x)
        """,
    )
    module, _report = load_source(path)
    out = module.relu_derivative(np.array([-1.0, 2.0]))
    assert out.tolist() == [0, 1] and out.dtype.kind == "i"
    assert module.as_float("2.5") == 2.5
    assert module.np.sum(np.ones(3)) == 3  # everything else is NumPy itself


def test_helper_names_are_only_the_imported_names(tmp_path: Path):
    write(tmp_path, "dnn_utils_v2.py", "def relu(Z):\n    return Z * (Z > 0), Z\n")
    path = write(tmp_path, "step.py", "from dnn_utils_v2 import relu\n")
    _module, report = load_source(path)
    assert report.helper_names == ["relu"]


def test_a_latin1_file_still_loads(tmp_path: Path):
    """A file saved by an old editor in latin-1 (an accent in a comment) is read, and the report says so."""
    path = tmp_path / "latin.py"
    path.write_bytes(
        "# r\xe9seau\nimport numpy as np\n\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n".encode("latin-1")
    )
    module, report = load_source(path)
    assert callable(module.sigmoid) and any("latin-1" in f for f in report.failed)


def test_plotting_is_a_stand_in_that_does_nothing(tmp_path):
    """matplotlib is not imported when only the definitions run; a function that plots still runs."""
    import sys

    from torch_reference.loader import load_source

    path = tmp_path / "plots.py"
    path.write_text(
        "import numpy as np\nimport matplotlib.pyplot as plt\nfrom matplotlib import cm\n\n"
        "def train(costs):\n    plt.plot(np.squeeze(costs))\n    plt.ylabel('cost')\n    plt.rcParams['a'] = 1\n"
        "    plt.show()\n    return len(costs)\n"
    )
    had = "matplotlib.pyplot" in sys.modules
    module, report = load_source(path)
    assert module.train([1.0, 2.0]) == 2
    assert report.plotting == ["matplotlib"] and "plots are not drawn" in report.summary()
    assert had or "matplotlib.pyplot" not in sys.modules
    module, report = load_source(path, run_all=True)  # --run-all imports it as it is
    assert report.plotting == []


def test_data_libraries_are_imported_when_a_function_uses_them(tmp_path):
    """sklearn and scipy (data loading at top level, 0.8 s to import) are imported on first use."""
    import subprocess
    import sys

    path = tmp_path / "data_libs.py"
    path.write_text(
        "import numpy as np\nimport sklearn\nimport sklearn.datasets\nimport scipy.io\nfrom scipy import special\n"
        "import h5py_not_installed_anywhere\n\n"
        "def moons():\n    X, y = sklearn.datasets.make_moons(n_samples=5, random_state=0)\n    return X.shape\n\n"
        "def expit(z):\n    return special.expit(z)\n"
    )
    code = (
        "import sys\nfrom torch_reference.loader import load_source\n"
        f"m, r = load_source({str(path)!r})\n"
        "print('sklearn' in sys.modules, r.missing_imports)\n"
        "print(m.moons(), round(float(m.expit(0.0)), 3), 'sklearn' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "False ['h5py_not_installed_anywhere (line 6)']", out
    assert out[1] == "(5, 2) 0.5 True", out


def test_a_decorated_function_is_still_the_students(tmp_path: Path, monkeypatch):
    """A ``functools.wraps`` decorator (a student's timer; mutmut's trampoline) hides the function's
    code behind the wrapper's: whose it is, and what it calls, is read from the wrapped function."""
    path = tmp_path / "decorated.py"
    path.write_text(
        "import numpy as np\nfrom timer_lib import timed\n"
        "@timed\ndef sigmoid(z):\n    return 1 / (1 + np.exp(-z))\n"
    )
    installed = tmp_path / "site-packages"  # an installed decorator library's code is not the student's
    installed.mkdir()
    monkeypatch.syspath_prepend(str(installed))
    (installed / "timer_lib.py").write_text(
        "import functools\n"
        "def timed(f):\n    @functools.wraps(f)\n    def wrapper(*a, **k):\n        return f(*a, **k)\n"
        "    return wrapper\n"
    )
    module, _ = load_source(path)
    assert module.sigmoid.__code__.co_filename.endswith("timer_lib.py")  # the wrapper's code
    assert is_students(module.sigmoid, str(path))
