import numpy as np


def dense_params(n_inputs, n_units):
    return np.int64(n_inputs) * np.int64(n_units) + np.int64(n_units)


def network_params(n_cols):
    sizes = np.array([n_cols, 100, 50, 1])
    return np.sum(sizes[:-1] * sizes[1:] + sizes[1:])
