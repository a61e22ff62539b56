import numpy as np
from numpy.typing import NDArray


def split_data(X: NDArray, y: NDArray, seed: int) -> tuple[NDArray, ...]:
    rng = np.random.default_rng(seed=seed)
    shuffled = rng.permutation(X.shape[0])
    train_end = round(0.6 * X.shape[0])
    val_end = train_end + round(0.2 * X.shape[0])
    parts = np.split(shuffled, [train_end, val_end])
    print("storlekar:", [len(p) for p in parts])
    return tuple(X[p] for p in parts) + tuple(y[p] for p in parts)
