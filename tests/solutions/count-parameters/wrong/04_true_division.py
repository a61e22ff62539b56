# mistake: must return an integer (int), but returned the type float
def dense_params(n_inputs, n_units):
    return n_units * (n_inputs + 1) / 1


def network_params(n_cols):
    return n_cols * 100 + 100 + 100 * 50 + 50 + 50 * 1 + 1
