# mistake: A Conv2D(16, (3, 3), activation=relu) is missing
# score: 0
# A convolutional model (the precondition) with none of the task's own layers: its Flatten
# and "no other layers" count only once one of them is there, so it earns nothing.
import keras
from keras import layers


def build_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(2, (5, 5)),
        layers.Flatten(),
        layers.Dense(1),
    ])
    model.compile(optimizer="sgd", loss="mse")
    return model
