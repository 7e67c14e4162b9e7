"""The demo's attachments: real PDFs, small enough to write by hand (app.common.pdf)."""
from app.common.pdf import one_page_pdf

__all__ = ["one_page_pdf"]
