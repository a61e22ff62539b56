def dense_params(n_inputs: int, n_units: int) -> int:
    # (inputs + 1 bias) per unit
    return (n_inputs + 1) * n_units


def network_params(n_cols: int) -> int:
    return (n_cols + 1) * 100 + (100 + 1) * 50 + (50 + 1) * 1
