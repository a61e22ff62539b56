import numpy as np


def split_data(X, y, seed):
    state = np.random.RandomState(seed)
    order = state.permutation(len(y))
    sizes = [int(len(y) * 0.6), int(len(y) * 0.2)]
    tr = order[: sizes[0]]
    va = order[sizes[0] : sizes[0] + sizes[1]]
    te = order[sizes[0] + sizes[1] :]
    return X[tr], X[va], X[te], y[tr], y[va], y[te]
