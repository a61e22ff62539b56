# mistake: A Conv2D(16, (3, 3), activation=relu) is missing
# score: 0.5
# A convolutional model (the precondition) with nothing else of the task but its Flatten, which
# the prompt asks for and which earns its 0.5; "no other layers" earns nothing on top.
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
