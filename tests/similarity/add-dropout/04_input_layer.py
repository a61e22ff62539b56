from tensorflow import keras


def build_model(n_cols):
    model = keras.models.Sequential(
        [
            keras.layers.InputLayer(shape=(n_cols,)),
            keras.layers.Dense(units=128, activation="relu"),
            keras.layers.Dropout(rate=0.3),
            keras.layers.Dense(units=64, activation="relu"),
            keras.layers.Dropout(rate=0.3),
            keras.layers.Dense(units=1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="binary_crossentropy", metrics=["acc"])
    return model
