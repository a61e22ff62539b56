LAYERS = [100, "dropout", 50, 1]


def dense_params(n_inputs, n_units):
    weights = n_inputs * n_units
    biases = n_units
    return weights + biases


def network_params(n_cols):
    total = 0
    previous = n_cols
    for layer in LAYERS:
        if layer == "dropout":
            continue  # dropout has no weights
        total += dense_params(previous, layer)
        previous = layer
    return total
