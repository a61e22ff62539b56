# mistake: A Dense(100, activation=relu) is missing
# score: 0
# Nothing of the task but a Keras model with n_cols inputs: no requirement beyond the
# preconditions holds, so "no other layers" and "does not train" earn nothing either.
import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential([
        keras.Input(shape=(n_cols,)),
        layers.Dense(3),
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    return model
