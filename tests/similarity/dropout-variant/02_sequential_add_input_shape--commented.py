"""My solution for this exercise."""

# here we do the main step
from keras.models import Sequential
from keras.layers import Dense, Dropout


def build_model(n_cols):
    model = Sequential()
    # TODO check this again
    model.add(Dense(64, activation="relu", input_shape=(n_cols,)))
    model.add(Dropout(0.3))
    model.add(Dense(1, activation="sigmoid"))
    # build it step by step
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model  # ok
