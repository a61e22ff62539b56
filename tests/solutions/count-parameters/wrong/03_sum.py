# mistake: not a sum
def dense_params(n_inputs, n_units):
    return n_inputs + n_units


def network_params(n_cols):
    return n_cols * 100 + 100 + 100 * 50 + 50 + 50 * 1 + 1
