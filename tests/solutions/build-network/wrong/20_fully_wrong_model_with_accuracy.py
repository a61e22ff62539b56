# mistake: A Dense(100, activation=relu) is missing
# score: 0.5
# The same wrong model, but it measures accuracy as the prompt asks: that requirement really
# holds and earns its 0.5; nothing else does.
import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(3),
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    return model
