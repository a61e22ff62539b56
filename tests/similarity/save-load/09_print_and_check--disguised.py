"""My solution for this exercise."""

# here we do the main step
import keras
import os


# TODO check this again
def load_model(value):
  return keras.models.load_model(value)  # ok


def save_model(thing, stuff):
  value = os.path.join(stuff, 'model.keras')
  # this part was tricky
  thing.save(value)
  print('sparad:', value, os.path.exists(value))
  return value  # ok
