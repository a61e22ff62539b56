import numpy as np


def _split(X, y, fraction, rng):
    idx = rng.permutation(len(X))
    cut = int(round(len(X) * fraction))
    return X[idx[:cut]], X[idx[cut:]], y[idx[:cut]], y[idx[cut:]]


def split_data(X, y, seed):
    rng = np.random.default_rng(seed)
    X_train, X_rest, y_train, y_rest = _split(X, y, 0.6, rng)
    X_val, X_test, y_val, y_test = _split(X_rest, y_rest, 0.5, rng)
    return X_train, X_val, X_test, y_train, y_val, y_test
