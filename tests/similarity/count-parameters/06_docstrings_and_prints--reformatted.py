"""Kunskapskontroll 2: räkna parametrar."""


def dense_params(
  n_inputs: int, n_units: int
) -> int:
  """Vikter (n_inputs * n_units) plus en bias per neuron."""
  vikter = n_inputs * n_units
  bias = n_units
  return vikter + bias


def network_params(n_cols: int) -> int:
  """Dense(100) -> Dropout -> Dense(50) -> Dense(1)."""
  lager1 = dense_params(n_cols, 100)
  lager2 = dense_params(100, 50)
  lager3 = dense_params(50, 1)
  print('lager:', lager1, lager2, lager3)
  return lager1 + lager2 + lager3


print(network_params(12))
