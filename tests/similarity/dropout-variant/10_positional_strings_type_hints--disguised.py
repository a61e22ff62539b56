"""My solution for this exercise."""

# here we do the main step
from tensorflow.keras import layers, models
import tensorflow as tf
from typing import Optional


def build_model(
  thing: int, stuff: Optional[int] = None
) -> tf.keras.Model:
  if stuff is not None:
    # build it step by step
    tf.random.set_seed(stuff)
  value = models.Sequential()
  value.add(layers.Input(shape=(thing,)))
  # this part was tricky
  value.add(
    layers.Dense(
      64, 'relu', kernel_initializer='he_normal'
    )
  )
  value.add(layers.Dropout(0.3))
  value.add(layers.Dense(1, 'sigmoid'))
  # here we do the main step
  value.compile(
    'adam',
    'binary_crossentropy',
    metrics=['binary_accuracy'],
  )
  return value  # ok
