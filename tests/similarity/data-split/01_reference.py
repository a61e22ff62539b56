import numpy as np


def split_data(X, y, seed):
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    a, b = int(n * 0.6), int(n * 0.8)
    return X[order[:a]], X[order[a:b]], X[order[b:]], y[order[:a]], y[order[a:b]], y[order[b:]]
