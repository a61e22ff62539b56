# mistake: the arguments of dense_params are swapped
def dense_params(n_inputs, n_units):
    return n_inputs * n_units + n_units


def network_params(n_cols):
    return dense_params(100, n_cols) + dense_params(50, 100) + dense_params(1, 50)
