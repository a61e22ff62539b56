import keras

SETTINGS = {"units": 64, "rate": 0.3, "optimizer": "adam"}


def build_model(n_cols):
    model = keras.Sequential()
    model.add(keras.Input(shape=(n_cols,)))
    model.add(keras.layers.Dense(SETTINGS["units"], activation="relu"))
    model.add(keras.layers.Dropout(SETTINGS["rate"]))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(optimizer=SETTINGS["optimizer"], loss="binary_crossentropy", metrics=["accuracy"])
    return model
