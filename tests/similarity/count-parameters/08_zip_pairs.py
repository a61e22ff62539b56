from typing import List


def dense_params(n_inputs: int, n_units: int) -> int:
    return n_inputs * n_units + n_units


def network_params(n_cols: int) -> int:
    sizes: List[int] = [n_cols, 100, 50, 1]
    return sum(dense_params(i, o) for i, o in zip(sizes, sizes[1:]))
