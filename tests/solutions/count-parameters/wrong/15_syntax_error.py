# mistake: Syntax error on line 2
def dense_params(n_inputs, n_units)
    return n_inputs * n_units + n_units


def network_params(n_cols):
    return 0
