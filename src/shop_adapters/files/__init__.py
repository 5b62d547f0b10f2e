"""File adapters: documents the application hands out (password-protected spreadsheets)."""

from shop_adapters.files.xlsx import ProtectedXlsxWriter

__all__ = ["ProtectedXlsxWriter"]
