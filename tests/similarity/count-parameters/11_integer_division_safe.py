def dense_params(n_inputs, n_units):
    # integer arithmetic only: // keeps an int
    return (2 * n_units * (n_inputs + 1)) // 2


def network_params(n_cols):
    hidden = [100, 50]
    total = dense_params(n_cols, hidden[0]) + dense_params(hidden[0], hidden[1])
    total += dense_params(hidden[-1], 1)
    return total
