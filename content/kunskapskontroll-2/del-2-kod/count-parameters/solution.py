def dense_params(n_inputs: int, n_units: int) -> int:
    """Every input is connected to every unit (a weight each), plus one bias per unit."""
    return n_inputs * n_units + n_units


def network_params(n_cols: int) -> int:
    """Dense(100) -> Dropout (no parameters) -> Dense(50) -> Dense(1)."""
    return dense_params(n_cols, 100) + dense_params(100, 50) + dense_params(50, 1)
