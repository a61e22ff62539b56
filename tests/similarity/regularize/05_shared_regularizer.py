import keras
from keras import layers, regularizers


def build_model(n_cols):
    reg = keras.regularizers.l2(1e-3)
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(128, activation="relu", kernel_regularizer=reg),
        layers.Dropout(0.3),
        layers.Dense(64, activation="relu", kernel_regularizer=reg),
        layers.Dropout(0.3),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
