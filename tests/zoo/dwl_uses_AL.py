"""ERR-DWL as the notes wrote it: dW[L] = (1/m) dZ[L] A[L]^T (A[L], not A[L-1])."""

from course_clean import *  # noqa: F403

EXPECT = ("BWD-L", "A[l] used instead of A[l-1]")


def L_model_backward(AL, Y, caches):
    grads = L_model_backward_correct(AL, Y, caches)
    L, m = len(caches), AL.shape[1]
    dZL = AL - Y
    grads["dW" + str(L)] = 1 / m * np.dot(dZL, AL.T)  # noqa: F405
    return grads


from course_clean import L_model_backward as L_model_backward_correct  # noqa: E402
