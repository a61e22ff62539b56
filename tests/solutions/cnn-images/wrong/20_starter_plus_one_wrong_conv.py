# mistake: A Conv2D(16, (3, 3), activation=relu) is missing
# score: 0
# The untouched starter with one Conv2D that is none of the task's: Flatten, the output layer
# and the compile step came with the starter and count only once a layer of the task is there
# (it earned 2/10 for them before).
import keras
from keras import layers


def build_cnn():
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(2, (5, 5)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
