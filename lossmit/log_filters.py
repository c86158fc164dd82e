"""Keep borrowers' personal data out of log output.

Logs leave the application (stdout, then whatever collects it) and far more people can read them
than can open a loan page, so a log line must never carry an SSN, a phone number, an email
address or an account number, whoever wrote the log call. This filter sits on every handler in
settings.LOGGING and rewrites the formatted message and any traceback text before a formatter
sees them. Names and street addresses have no pattern a filter could recognise: code must not
log them (log ids instead: loan 42, borrower 17).
"""

import logging
import re

# Order matters: emails and SSNs first, so the phone and long-number patterns do not eat them.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"), "[email]"),
    # SSN as written on forms: 123-45-6789 or 123 45 6789.
    (re.compile(r"(?<!\d)\d{3}[- ]\d{2}[- ]\d{4}(?!\d)"), "[ssn]"),
    # North American phone numbers in any punctuation: 404-555-0101, (404) 555 0101, +1 404.555.0101.
    (re.compile(r"(?<![\d\w])(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\d)"), "[phone]"),
    # Any other run of nine or more digits: an SSN without dashes, a loan or bank account number.
    # Database ids stay far below nine digits, so log lines keep the ids people search by.
    (re.compile(r"(?<!\d)\d{9,}(?!\d)"), "[number]"),
)


def mask_personal_data(text: str) -> str:
    """`text` with every email, SSN, phone number and long digit run replaced by a label."""
    for pattern, label in PATTERNS:
        text = pattern.sub(label, text)
    return text


class PersonalDataFilter(logging.Filter):
    """Masks personal data in a record's message and traceback; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logging call's bug; leave it to the formatter
            return True
        masked = mask_personal_data(message)
        if masked != message:
            record.msg, record.args = masked, ()
        if record.exc_info and not record.exc_text:
            # Exception messages quote values (an IntegrityError's DETAIL, a ValueError's input).
            # Formatters reuse exc_text when it is set, so the masked text is what gets written.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True
