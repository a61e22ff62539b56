import keras
import numpy as np

keras.utils.set_random_seed(7)
np.random.seed(0)


def hidden_block(units, rate):
    return [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(rate)]


def build_model(n_cols, units=64, rate=0.3):
    print("Bygger modell med", n_cols, "features")
    model = keras.Sequential([keras.Input((n_cols,)), *hidden_block(units, rate),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()
    return model
