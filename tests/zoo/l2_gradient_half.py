"""L_model_backward with L2 whose gradient term is (λ/(2m)) W: the 2 of d(W²)/dW forgotten."""
from course_clean import *  # noqa: F403
from course_clean import L_model_backward as _plain

EXPECT = ("REG-L2-GRAD", "(λ/(2m)) W")


def L_model_backward(AL, Y, caches, lambd=0.0):
    grads = _plain(AL, Y, caches)
    m = AL.shape[1]
    for l in range(1, len(caches) + 1):
        W = caches[l - 1][0][1]
        grads["dW" + str(l)] = grads["dW" + str(l)] + lambd / (2 * m) * W
    return grads
