# mistake: missing from every part
import numpy as np


def split_data(X, y, seed):
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    n_train, n_val, n_test = int(0.6 * n), int(0.2 * n), int(0.2 * n)
    train = order[:n_train]
    val = order[n_train : n_train + n_val]
    test = order[n_train + n_val : n_train + n_val + n_test]
    return X[train], X[val], X[test], y[train], y[val], y[test]
