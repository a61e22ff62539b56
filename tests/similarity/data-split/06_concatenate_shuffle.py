import numpy as np


def split_data(X, y, seed):
    data = np.column_stack([X, y])
    np.random.default_rng(seed).shuffle(data)
    n = len(data)
    train, val, test = data[: int(n * 0.6)], data[int(n * 0.6) : int(n * 0.8)], data[int(n * 0.8) :]
    return train[:, :-1], val[:, :-1], test[:, :-1], train[:, -1], val[:, -1], test[:, -1]
