# mistake: raised an error: NameError
def dense_params(n_inputs, n_units):
    return n_input * n_units + n_units  # noqa: F821


def network_params(n_cols):
    return n_cols * 100 + 100 + 100 * 50 + 50 + 50 * 1 + 1
