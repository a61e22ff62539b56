"""The fast lane's TensorFlow refusal (tests/fastlane.py): in the test process, and through
PYTHONPATH in every Python process a test starts. Inactive unless QUIZ_FASTLANE_CALLS names the file
where the lane records what a test used."""

import os
import sys


class NoTensorFlow:
    """A meta-path finder that refuses TensorFlow and Keras, and records the attempt."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras"):
            with open(os.environ["QUIZ_FASTLANE_CALLS"], "a") as f:
                f.write(f"import {name}\n")
            raise ImportError(f"fast lane: this test imports {name}; mark it integration")
        return None


if os.environ.get("QUIZ_FASTLANE_CALLS"):
    sys.meta_path.insert(0, NoTensorFlow())
