# mistake: Dropout has no parameters
def dense_params(n_inputs, n_units):
    return n_inputs * n_units + n_units


def network_params(n_cols):
    layers = [100, 100, 50, 1]  # Dropout(0.2) counted like a Dense(100)
    total, fan_in = 0, n_cols
    for units in layers:
        total += dense_params(fan_in, units)
        fan_in = units
    return total
