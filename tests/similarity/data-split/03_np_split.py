import numpy as np


def split_data(X, y, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    train_idx, val_idx, test_idx = np.split(perm, [int(0.6 * len(X)), int(0.8 * len(X))])
    return X[train_idx], X[val_idx], X[test_idx], y[train_idx], y[val_idx], y[test_idx]
