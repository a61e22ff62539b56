import keras


def build_model(n_cols):
    model = keras.Sequential()
    model.add(keras.layers.Input(shape=(n_cols,)))
    model.add(keras.layers.Dense(128, "relu"))
    model.add(keras.layers.Dropout(.3))
    model.add(keras.layers.Dense(64, "relu"))
    model.add(keras.layers.Dropout(.3))
    model.add(keras.layers.Dense(1, "sigmoid"))
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    return model
