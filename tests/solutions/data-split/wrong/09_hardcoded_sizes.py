# mistake: compute the sizes from len(X)
import numpy as np


def split_data(X, y, seed):
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    a, b = 60, 80
    return X[order[:a]], X[order[a:b]], X[order[b:]], y[order[:a]], y[order[a:b]], y[order[b:]]
