# mistake: The task asks for Dense(64, activation=relu)
# score: 0
# Nothing of the task but a Keras model with n_cols inputs: "no other layers" earns nothing
# when none of the task's layers is there.
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
