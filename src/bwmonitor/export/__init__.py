"""Publication outputs: tables, the workbook, charts; written into one export folder."""
