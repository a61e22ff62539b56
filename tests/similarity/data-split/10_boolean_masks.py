import numpy as np


def split_data(X, y, seed):
    n = len(X)
    rank = np.empty(n, dtype=int)
    rank[np.random.default_rng(seed).permutation(n)] = np.arange(n)
    train = rank < int(n * 0.6)
    val = (rank >= int(n * 0.6)) & (rank < int(n * 0.8))
    test = rank >= int(n * 0.8)
    return X[train], X[val], X[test], y[train], y[val], y[test]
