# mistake: The task asks for 60 %/20 %/20 %, that is 60/20/20
import numpy as np


def split_data(X, y, seed):
    n = len(X)
    order = np.random.default_rng(seed).permutation(n)
    a, b = int(n * 0.7), int(n * 0.85)
    return X[order[:a]], X[order[a:b]], X[order[b:]], y[order[:a]], y[order[a:b]], y[order[b:]]
