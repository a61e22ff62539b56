# mistake: must return an integer (int), but returned the type numpy.float64
import numpy as np


def dense_params(n_inputs, n_units):
    return np.float64(n_inputs * n_units + n_units)


def network_params(n_cols):
    return n_cols * 100 + 100 + 100 * 50 + 50 + 50 * 1 + 1
