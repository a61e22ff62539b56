import numpy as np


def split_data(X, y, seed):
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(X))
    n_train, n_val = int(len(X) * 0.6), int(len(X) * 0.2)
    # sorted inside each part: the choice of rows is random, their order need not be
    train = np.sort(perm[:n_train])
    val = np.sort(perm[n_train : n_train + n_val])
    test = np.sort(perm[n_train + n_val :])
    return X[train], X[val], X[test], y[train], y[val], y[test]
