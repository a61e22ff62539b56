"""The report the sandbox sends back, the checks made of it, and bilingual messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Msg:
    sv: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.sv


def msg(sv: str, en: str) -> Msg:
    return Msg(sv=sv, en=en)


@dataclass
class Check:
    name: str
    passed: bool
    message: Msg
    weight: float = 1.0
    hint: Msg | None = None


class ReportError(ValueError):
    """The sandbox's answer does not have the shape the runner writes: treated as tampering."""


@dataclass
class CallResult:
    """One probed call: either a value (with its exact type), a model description, or an error."""

    data: dict[str, Any] = field(default_factory=dict)

    @property
    def error(self) -> dict[str, Any] | None:
        err = self.data.get("error")
        return err if isinstance(err, dict) else None

    @property
    def value_type(self) -> str:
        value = self.data.get("value")
        return str(value.get("type", "")) if isinstance(value, dict) else ""

    @property
    def value(self) -> Any:
        value = self.data.get("value")
        return value.get("value") if isinstance(value, dict) else None

    @property
    def model(self) -> dict[str, Any] | None:
        model = self.data.get("model")
        return model if isinstance(model, dict) else None

    def error_text(self, lang: str = "sv") -> str:
        err = self.error or {}
        line = err.get("line")
        where = (f" (rad {line})" if lang == "sv" else f" (line {line})") if line else ""
        return f"{err.get('type', 'Error')}: {str(err.get('message', ''))[:300]}{where}"


class Report:
    def __init__(self, data: dict[str, Any]) -> None:
        calls = data.get("calls")
        if not isinstance(calls, dict):
            raise ReportError("calls missing")
        self.calls = {str(k): CallResult(v if isinstance(v, dict) else {}) for k, v in calls.items()}
        # What checks leave for the submission page (model table, learning curves): data only.
        self.feedback: dict[str, Any] = {}

    def call(self, call_id: str) -> CallResult:
        return self.calls.get(call_id, CallResult({"error": {"type": "RuntimeError", "message": "not run"}}))


INTEGER_TYPES = {
    "int",
    "numpy.int64",
    "numpy.int32",
    "numpy.int16",
    "numpy.int8",
    "numpy.uint64",
    "numpy.uint32",
    "numpy.uint16",
    "numpy.uint8",
    "numpy.intc",
    "numpy.longlong",
}


def is_integer(result: CallResult) -> bool:
    """An exact integer type: a bool, a float or an object that claims equality is not one."""
    return result.value_type in INTEGER_TYPES and type(result.value) is int


def describe_call(function: str, args: list[Any]) -> str:
    return f"{function}({', '.join(repr(a) for a in args)})"


# ---------------------------------------------------------------------------------------------
# Data: values as the runner's ``to_data`` describes them
# ---------------------------------------------------------------------------------------------


def decoded(data: Any) -> tuple[str, Any]:
    """``(type name, plain value)`` from ``to_data``'s description; arrays become nested lists.

    An object the runner could not convert has no value (``None``), whatever it claims.
    """
    if not isinstance(data, dict):
        return "", None
    kind = str(data.get("type", ""))
    if "items" in data and isinstance(data["items"], list):
        return kind, [decoded(item) for item in data["items"]]
    if "entries" in data and isinstance(data["entries"], list):
        return kind, {
            str(k): decoded(v) for k, v in (e for e in data["entries"] if isinstance(e, list) and len(e) == 2)
        }
    return kind, data.get("value")


def array_rows(item: tuple[str, Any]) -> list[list[float]] | list[float] | None:
    """The rows of an array-like answer (NumPy array or list), else ``None``."""
    kind, value = item
    if kind == "numpy.ndarray" and isinstance(value, list):
        return value
    if kind in ("list", "tuple") and isinstance(value, list):
        rows = [v for _k, v in value]
        return rows if all(isinstance(r, (int, float, list)) for r in rows) else None
    return None


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= 1e-9 + 1e-6 * abs(b)
