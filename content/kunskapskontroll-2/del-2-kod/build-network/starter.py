import keras
from keras import layers


def build_model(n_cols):
    model = keras.Sequential()
    # Add the layers of question 5 here, then compile the model.
    return model
