import keras
import numpy as np

keras.utils.set_random_seed(42)
np.random.seed(0)


def dense_block(units, activation="relu"):
    return keras.layers.Dense(units, activation=activation)


def compile_model(model):
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def build_model(n_cols):
    print("Bygger modell med", n_cols, "features")
    model = keras.Sequential([keras.Input((n_cols,)), dense_block(100), keras.layers.Dropout(0.2),
                              dense_block(50), dense_block(1, "sigmoid")])
    model = compile_model(model)
    model.summary()
    return model
