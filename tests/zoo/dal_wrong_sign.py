"""dA[L] = Y/AL - (1-Y)/(1-AL): the derivative of the cost with its sign flipped."""

from course_clean import *  # noqa: F403
from course_clean import L_model_backward as _correct  # noqa: F401

EXPECT = ("BWD-L", "wrong sign")


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dAL = np.divide(Y, AL) - np.divide(1 - Y, 1 - AL)  # noqa: F405
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = linear_activation_backward(  # noqa: F405
        dAL, caches[L - 1], "sigmoid"
    )
    for l in reversed(range(L - 1)):
        dA_prev, dW, db = linear_activation_backward(grads["dA" + str(l + 1)], caches[l], "relu")  # noqa: F405
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA_prev, dW, db
    return grads
