def dense_params(n_inputs, n_units):
    value = n_inputs * n_units + n_units * 1.0
    return int(round(value))


def network_params(n_cols):
    return int(dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1))
