# mistake: Layer 2 is Dropout(0.7). The task asks for Dropout(0.3).
import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.7),
        layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
