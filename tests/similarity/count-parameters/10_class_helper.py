from dataclasses import dataclass


@dataclass
class DenseLayer:
    units: int

    def params(self, n_inputs: int) -> int:
        return n_inputs * self.units + self.units


def dense_params(n_inputs, n_units):
    return DenseLayer(n_units).params(n_inputs)


def network_params(n_cols):
    total, fan_in = 0, n_cols
    for layer in (DenseLayer(100), DenseLayer(50), DenseLayer(1)):
        total += layer.params(fan_in)
        fan_in = layer.units
    return total
