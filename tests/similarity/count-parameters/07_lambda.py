dense_params = lambda n_inputs, n_units: n_units * (n_inputs + 1)  # noqa: E731

network_params = lambda n_cols: sum(dense_params(a, b) for a, b in [(n_cols, 100), (100, 50), (50, 1)])  # noqa: E731
