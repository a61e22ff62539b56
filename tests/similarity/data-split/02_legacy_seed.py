import numpy as np


def split_data(X, y, seed):
    np.random.seed(seed)
    idx = np.arange(len(X))
    np.random.shuffle(idx)
    X, y = X[idx], y[idx]
    n_train = int(0.6 * len(X))
    n_val = int(0.2 * len(X))
    X_train, y_train = X[:n_train], y[:n_train]
    X_val, y_val = X[n_train:n_train + n_val], y[n_train:n_train + n_val]
    X_test, y_test = X[n_train + n_val:], y[n_train + n_val:]
    return X_train, X_val, X_test, y_train, y_val, y_test
