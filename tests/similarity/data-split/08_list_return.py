import numpy as np

TRAIN, VAL = 0.6, 0.2


def split_data(X, y, seed):
    indices = np.random.default_rng(seed).choice(len(X), size=len(X), replace=False)
    first = int(TRAIN * len(X))
    second = first + int(VAL * len(X))
    result = []
    for array in (X, y):
        shuffled = array[indices]
        result += [shuffled[:first], shuffled[first:second], shuffled[second:]]
    X_train, X_val, X_test, y_train, y_val, y_test = result
    return [X_train, X_val, X_test, y_train, y_val, y_test]
