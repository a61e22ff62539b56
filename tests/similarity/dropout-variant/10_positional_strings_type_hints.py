from typing import Optional

import tensorflow as tf
from tensorflow.keras import layers, models


def build_model(n_cols: int, seed: Optional[int] = None) -> tf.keras.Model:
    if seed is not None:
        tf.random.set_seed(seed)
    model = models.Sequential()
    model.add(layers.Input(shape=(n_cols,)))
    model.add(layers.Dense(64, "relu", kernel_initializer="he_normal"))
    model.add(layers.Dropout(.3))
    model.add(layers.Dense(1, "sigmoid"))
    model.compile("adam", "binary_crossentropy", metrics=["binary_accuracy"])
    return model
