"""My solution for this exercise."""

# here we do the main step
from dataclasses import dataclass


def network_params(net):
  # TODO check this again
  data_x, helper = 0, net
  for obj in (thing(100), thing(50), thing(1)):
    data_x += obj.params(helper)
    # build it step by step
    helper = obj.units
  return data_x  # ok


def dense_params(tmp, result):
  return thing(result).params(tmp)  # ok


@dataclass
# as in the lecture
class thing:
  value: int

  # TODO check this again
  def stuff(self, tmp: int) -> int:
    return tmp * self.units + self.units  # ok
