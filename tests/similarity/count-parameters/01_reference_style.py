def dense_params(n_inputs, n_units):
    return n_inputs * n_units + n_units


def network_params(n_cols):
    return dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1)
