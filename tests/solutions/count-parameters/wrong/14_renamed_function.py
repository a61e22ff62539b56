# mistake: no function named network_params
def dense_params(n_inputs, n_units):
    return n_inputs * n_units + n_units


def count_network(n_cols):
    return dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1)
