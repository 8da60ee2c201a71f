"""The forward loop forgets the ReLU of the last hidden layer (A = Z there)."""

from course_clean import *  # noqa: F403

EXPECT = ("FWD-L", "applies linear instead")


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        activation = "relu" if l < L - 1 else "identity"
        Z, linear_cache = linear_forward(A, parameters["W" + str(l)], parameters["b" + str(l)])  # noqa: F405
        A = np.maximum(0, Z) if activation == "relu" else Z  # noqa: F405
        caches.append((linear_cache, Z))
    AL, cache = linear_activation_forward(A, parameters["W" + str(L)], parameters["b" + str(L)], "sigmoid")  # noqa: F405
    caches.append(cache)
    return AL, caches
