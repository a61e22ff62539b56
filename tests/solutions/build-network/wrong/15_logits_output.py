# mistake: has activation linear; the task asks for sigmoid
import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(100, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(50, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
    return model
