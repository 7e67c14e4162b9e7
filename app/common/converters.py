"""URL converters: an `<int:…>` segment is an id of ours or the page does not exist."""
from werkzeug.routing import IntegerConverter, ValidationError

# Primary keys are INTEGER columns: 32-bit signed on PostgreSQL, which raises for a larger value
# (found by the fuzz test; SQLite takes 64 bits, and raises beyond those).
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """Flask's int converter bounded to 0..MAX_ID: beyond it the route does not match (404), where
    the database would have raised on the id (500)."""

    def __init__(self, map, fixed_digits=0, min=0, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):  # also spares int() a string of thousands of digits
            raise ValidationError()
        return super().to_python(value)
