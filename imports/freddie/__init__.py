"""Freddie Mac Single-Family Loan-Level Dataset: parser, loan mapping, MBA agreement, generator.

Both files are pipe-delimited with no header, in the exact field order below (domain.md
section 6 and Freddie Mac's General User Guide). A row with fewer fields than the layout is
rejected; fields past the last one we know are ignored, so a later layout that appends fields
still loads. Dates are YYYYMM. Freddie Mac's own data may not be redistributed: tests use
`generate_sample`, which writes files in the same layout with invented loans.

The dataset carries no borrower or street address (no PII), so boarded loans get a placeholder
borrower "Borrower <loan sequence number>" and a property known only by state, the masked
three-digit postal prefix ("303XX") and occupancy.
"""

from imports.freddie.layout import (
    ORIGINATION_FIELDS,
    PERFORMANCE_FIELDS,
    FreddieData,
    OriginationRecord,
    PerformanceRecord,
    end_of_month,
    parse_line,
    read_files,
)
from imports.freddie.mapping import AGREE, DISAGREE, EXPLAINED, NO_DATA, Agreement, agreement, explain, loan_input
from imports.freddie.sample import DEFAULT_END_PERIOD, MIX, generate_sample, write_sample

__all__ = [
    "AGREE",
    "DEFAULT_END_PERIOD",
    "DISAGREE",
    "EXPLAINED",
    "MIX",
    "NO_DATA",
    "ORIGINATION_FIELDS",
    "PERFORMANCE_FIELDS",
    "Agreement",
    "FreddieData",
    "OriginationRecord",
    "PerformanceRecord",
    "agreement",
    "end_of_month",
    "explain",
    "generate_sample",
    "loan_input",
    "parse_line",
    "read_files",
    "write_sample",
]
