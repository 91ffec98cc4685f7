"""Spreadsheets: the questionnaire as an Excel workbook (out and back in), and CSV/XLSX exports."""
