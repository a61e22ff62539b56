import keras


def build_model(n_cols):
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(n_cols,)))
    model.add(keras.layers.Dense(100, "relu"))
    model.add(keras.layers.Dropout(.2))
    model.add(keras.layers.Dense(50, "relu"))
    model.add(keras.layers.Dense(1, "sigmoid"))
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    return model
