import keras


def build_model(n_cols):
    model = keras.Sequential()
    # Your layers here (see the numbers in the prompt), then compile.
    return model
