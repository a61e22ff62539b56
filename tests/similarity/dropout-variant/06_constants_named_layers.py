import keras
from keras import layers

# My own numbers from the prompt.
UNITS = 64
RATE = 0.3


def build_model(n_cols: int) -> keras.Model:
    model = keras.Sequential(name="mitt_natverk")
    model.add(keras.Input(shape=(n_cols,), name="features"))
    model.add(layers.Dense(UNITS, activation="relu", name="hidden"))
    model.add(layers.Dropout(RATE, name="dropout"))
    model.add(layers.Dense(1, activation="sigmoid", name="output"))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model
