import numpy as np


def split_data(X, y, seed):
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val = int(n * 0.6), int(n * 0.2)
    train, val, test = order[:n_train], order[n_train : n_train + n_val], order[n_train + n_val :]
    return X[train], X[val], X[test], y[train], y[val], y[test]
