"""Pure workout and servicing maths: Decimal in, Decimal out, no Django, no clock."""
