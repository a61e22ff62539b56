import keras




def build_model(n_cols):
    model = keras.Sequential()
    model.add(keras.layers.Dense(128, activation="relu"))
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Dense(64, activation="relu"))
    model.add(keras.layers.Dropout(0.3))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.build((None, n_cols))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
