from keras.models import Sequential
from keras.layers import Dense, Dropout


def build_model(thing):
    stuff = Sequential()
    stuff.add(Dense(128, activation="relu", input_shape=(thing,)))
    stuff.add(Dropout(0.3))
    stuff.add(Dense(64, activation="relu"))
    stuff.add(Dropout(0.3))
    stuff.add(Dense(1, activation="sigmoid"))
    stuff.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return stuff
