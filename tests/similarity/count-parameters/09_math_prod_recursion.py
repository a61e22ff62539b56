import math


def dense_params(n_inputs, n_units):
    return math.prod([n_inputs, n_units]) + n_units


def _count(sizes):
    if len(sizes) < 2:
        return 0
    return dense_params(sizes[0], sizes[1]) + _count(sizes[1:])


def network_params(n_cols):
    return _count([n_cols, 100, 50, 1])
