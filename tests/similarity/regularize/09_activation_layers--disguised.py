"""My solution for this exercise."""

# here we do the main step
from keras import layers, regularizers
import keras


# TODO check this again
def build_model(thing):
  stuff = keras.Sequential(
    [
      keras.Input(shape=(thing,)),
      layers.Dense(
        128,
        kernel_regularizer=regularizers.l2(0.001),
      ),
      layers.Activation('relu'),
      layers.Dropout(0.3),
      layers.Dense(
        64,
        activation='relu',
        kernel_regularizer=regularizers.l2(0.001),
      ),
      layers.Dropout(0.3),
      layers.Dense(1, activation='sigmoid'),
    ]
  )
  stuff.compile(
    optimizer='adam',
    loss='binary_crossentropy',
    metrics=['accuracy'],
  )
  return stuff  # ok
