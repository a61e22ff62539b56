# mistake: ModuleNotFoundError: No module named 'sklearn'
from sklearn.model_selection import train_test_split


def split_data(X, y, seed):
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, test_size=0.4, random_state=seed)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, test_size=0.5, random_state=seed)
    return X_train, X_val, X_test, y_train, y_val, y_test
